/**
 * GET /api/dlq/download: the exact bytes of one DLQ message's value or key, as an attachment (never rendered by
 * the browser). Only for roles that may read payloads unmasked; audited.
 */
import { and, eq } from "drizzle-orm";
import { recordAudit } from "~/server/audit";
import { clientAddress } from "~/server/auth/client-address";
import { identify, isCrossSite } from "~/server/auth/request";
import type { Connections } from "~/server/connections/registry";
import type { ControlDb } from "~/server/db/control-store";
import { sqsSnapshotMessages } from "~/server/db/schema";
import { kafkaMessage } from "./kafka-dlq";
import { payloadAccess } from "./masking";
import { identifyOptions } from "~/server/auth/session-policy";
import { can } from "~/server/auth/permissions";
import { fromSqsMessage } from "./messages";
import { RabbitBrowseRefused, rabbitMessage } from "./rabbitmq-dlq";
import { BROKER_KINDS, type BrokerKind } from "~/server/brokers/registry";
import { NotFound } from "~/server/lib/errors";
import { fromDeadLetter, NatsDeadLettersUnavailable, natsMessage } from "./nats-dlq";
import type { RawDlqMessage } from "./messages";

const isLiveKind = (kind: string): kind is keyof typeof BY_ID => Object.hasOwn(BY_ID, kind);

type Found = { message: RawDlqMessage } | { refused: number; message: string };

/** One message by id, for the kinds read live (not a Kafka offset, not an SQS snapshot). */
const BY_ID: { [K in Exclude<BrokerKind, "kafka" | "sqs">]: (all: Connections, connection: string, dlq: string, id: string) => Promise<Found> } = {
  rabbitmq: async (all, connection, dlq, id) => {
    const adapter = all.rabbitmq.get(connection);
    if (!adapter) return { refused: 400, message: "Unknown connection." };
    const message = await rabbitMessage(adapter, dlq, id).catch((error: unknown) => {
      if (error instanceof RabbitBrowseRefused) return error;
      throw error;
    });
    if (message instanceof RabbitBrowseRefused) return { refused: 412, message: message.message };
    if (!message) return { refused: 404, message: "No such message near the head of the queue." };
    return { message };
  },
  nats: async (all, connection, dlq, id) => {
    const adapter = all.nats.get(connection);
    if (!adapter) return { refused: 400, message: "Unknown connection." };
    try {
      const dead = await natsMessage(adapter, dlq, id);
      if (!dead) return { refused: 404, message: "No such dead letter (its advisory aged out of the capture stream?)." };
      return { message: fromDeadLetter(dead) };
    } catch (error) {
      if (error instanceof NatsDeadLettersUnavailable) return { refused: 412, message: error.message };
      if (error instanceof NotFound) return { refused: 404, message: error.message };
      throw error;
    }
  },
};
import { parseLogPosition } from "~/server/lib/message-id";

const text = (status: number, message: string) => new Response(`${message}\n`, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A filename made only of safe characters (no quotes, slashes, control or bidi characters), short enough for
 * every browser; the header also carries it RFC 5987-encoded.
 */
export function safeFilename(name: string): string {
  const cleaned = name
    .normalize("NFKC")
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .replace(/^[._]+/, "")
    .slice(0, 150);
  return cleaned || "message";
}

export function attachmentDisposition(filename: string): string {
  const safe = safeFilename(filename);
  return `attachment; filename="${safe}"; filename*=UTF-8''${encodeURIComponent(safe)}`;
}

export async function handleDownload(request: Request, deps: { db: ControlDb; connections: Connections }): Promise<Response> {
  const { db, connections: all } = deps;
  const { principal, via } = await identify(db, request.headers, identifyOptions(all.config));
  if (!principal) return text(401, "Sign in or send an API token.");
  if (via === "cookie" && isCrossSite(request)) return text(403, "Cross-site request refused: download from Redrive itself.");
  const params = new URL(request.url).searchParams;
  const kind = params.get("kind");
  const connection = params.get("connection") ?? "";
  const dlq = params.get("dlq") ?? "";
  if (!can(principal.role, all.config, "read", { connection, resource: dlq })) return text(403, `The ${principal.role} role may not read "${dlq}" on "${connection}".`);
  const access = payloadAccess(principal.role, all.config.payloads, { roles: all.config.auth.roles, scope: { connection, resource: dlq } });
  if (!access.payloads) return text(403, `The ${principal.role} role may not read payloads.`);
  if (access.masks.length > 0) return text(403, "Masking rules apply to your role: the exact bytes would reveal masked fields.");
  const id = params.get("id") ?? "";
  const part = params.get("part") === "key" ? "key" : "value";

  let bytes: Uint8Array | null = null;
  if (kind === "kafka") {
    const adapter = all.kafka.get(connection);
    const position = parseLogPosition(id);
    if (!adapter || !position) return text(400, "Unknown connection or bad id (partition:offset).");
    const message = await kafkaMessage(adapter, dlq, position.partition, position.offset);
    if (!message) return text(404, "No such record.");
    bytes = message[part];
  } else if (kind === "sqs") {
    const snapshotId = params.get("snapshotId") ?? "";
    if (!UUID.test(snapshotId)) return text(400, "snapshotId must be a snapshot's id (a UUID).");
    const [row] = await db
      .select()
      .from(sqsSnapshotMessages)
      .where(and(eq(sqsSnapshotMessages.snapshotId, snapshotId), eq(sqsSnapshotMessages.messageId, id)));
    if (!row) return text(404, "No such message in this snapshot.");
    bytes = fromSqsMessage(row)[part];
  } else if (kind && isLiveKind(kind)) {
    const found = await BY_ID[kind](all, connection, dlq, id);
    if ("refused" in found) return text(found.refused, found.message);
    bytes = found.message[part];
  } else {
    return text(400, `kind must be one of ${BROKER_KINDS.join(", ")}.`);
  }
  await recordAudit(db, {
    actor: principal,
    procedure: "dlq.download",
    parameters: { kind, connection, dlq, id, part },
    outcome: "ok",
    remoteAddress: clientAddress(request.headers, all.config.server.trustedProxies),
  });
  return new Response(bytes ? Buffer.from(bytes) : new Uint8Array(0), {
    headers: {
      "content-type": "application/octet-stream",
      "content-disposition": attachmentDisposition(`${dlq}-${id}.${part}.bin`),
      "x-content-type-options": "nosniff",
      "cache-control": "no-store",
    },
  });
}
