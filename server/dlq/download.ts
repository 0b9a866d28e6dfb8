/**
 * GET /api/dlq/download: the exact bytes of one DLQ message's value or key, as an attachment (never rendered by
 * the browser). Only for roles that may read payloads unmasked; audited.
 */
import { recordAudit } from "~/server/audit";
import { clientAddress } from "~/server/auth/client-address";
import { identify, isCrossSite } from "~/server/auth/request";
import type { Connections } from "~/server/connections/registry";
import type { ControlDb } from "~/server/db/control-store";
import { hasMasks, payloadAccess } from "./masking";
import { identifyOptions } from "~/server/auth/session-policy";
import { can } from "~/server/auth/permissions";
import { BROKER_KINDS, isBrokerKind } from "~/server/brokers/registry";
import { DomainError } from "~/server/lib/errors";
import { refusalStatus, text } from "./http-refusal";
import { readDlqMessage } from "./sources";

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
  if (hasMasks(access)) return text(403, "Masking rules apply to your role: the exact bytes would reveal masked fields.");
  const id = params.get("id") ?? "";
  const part = params.get("part") === "key" ? "key" : "value";

  if (!kind || !isBrokerKind(kind)) return text(400, `kind must be one of ${BROKER_KINDS.join(", ")}.`);
  let bytes: Uint8Array | null;
  try {
    const message = await readDlqMessage({ db, connections: all, principal }, kind, { connection, dlq, snapshotId: params.get("snapshotId") ?? undefined }, id);
    bytes = message[part];
  } catch (error) {
    if (error instanceof DomainError) return text(refusalStatus[error.refusal], error.publicMessage);
    throw error;
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
