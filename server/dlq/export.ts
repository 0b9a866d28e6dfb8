/**
 * NDJSON export of DLQ messages with their bytes preserved: one JSON object per line,
 *   { id, partition, offset, timestamp, key, value, headers, headerList }
 * where `headers` maps each name to its last value (as Kafka clients' lastHeader() and the views do) and
 * `headerList` is every header in order as [name, value] pairs, repeated names included (what a replay
 * writes); key, value and each header value is { encoding: "utf8", data } when the bytes are valid UTF-8 and
 * { encoding: "base64", data } otherwise (null stays null). Payload permission and masking apply exactly as in
 * the DLQ views. Streams: a whole topic is read batch by batch as the client takes the lines.
 * A Kafka key or value written through the connection's schema registry adds `decoded.key` / `decoded.value`:
 * { status, format, schemaId, subject, version, note, json } with `json` the decoded value as JSON text
 * (numbers with every digit); with masking rules for that part in force, `json` is masked and the encoded bytes
 * are null. Key rules (`key.…`) mask the key, the others the value.
 */
import { isUtf8 } from "node:buffer";
import { recordAudit } from "~/server/audit";
import type { Principal } from "~/server/auth/principal";
import { identifyOptions } from "~/server/auth/session-policy";
import { can } from "~/server/auth/permissions";
import { clientAddress } from "~/server/auth/client-address";
import { identify, isCrossSite } from "~/server/auth/request";
import type { Connections } from "~/server/connections/registry";
import type { ControlDb } from "~/server/db/control-store";
import { compileFilter, FilterSyntaxError, type CompiledFilter } from "./filter";
import { takeScanSlot, TooManyScans } from "./scan-slots";
import { hasMasks, payloadAccess, maskBytes, type PayloadAccess } from "./masking";
import { isFailureHeader, schemaBadge, type RawDlqMessage, type SchemaBadge } from "./messages";
import type { PayloadDecoding } from "~/server/schemas";
import { filterPayload, visibleDecoded, visibleRaw } from "./schema-decoding";
import { BROKER_KINDS, isBrokerKind } from "~/server/brokers/registry";
import { DomainError } from "~/server/lib/errors";
import { refusalStatus, text } from "./http-refusal";
import { dlqSources } from "./sources";

export type ExportedBytes = { encoding: "utf8" | "base64"; data: string } | null;

export interface ExportLine {
  id: string;
  partition: number | null;
  offset: number | null;
  timestamp: number;
  key: ExportedBytes;
  value: ExportedBytes;
  headers: Record<string, ExportedBytes>;
  headerList: [string, ExportedBytes][];
  decoded?: { key: ExportedDecoding | null; value: ExportedDecoding | null };
}

export interface ExportedDecoding extends SchemaBadge {
  json: string | null;
}

/** UTF-8 text when the bytes are valid UTF-8 (they round-trip exactly), base64 otherwise; null stays null. */
export function encodeBytes(bytes: Uint8Array | null): ExportedBytes {
  if (bytes === null) return null;
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return isUtf8(buffer) ? { encoding: "utf8", data: buffer.toString("utf8") } : { encoding: "base64", data: buffer.toString("base64") };
}

/** The exact bytes back from an exported value. */
export function decodeBytes(exported: ExportedBytes): Buffer | null {
  if (exported === null) return null;
  return Buffer.from(exported.data, exported.encoding === "utf8" ? "utf8" : "base64");
}

/**
 * What a role may see of a message, as the DLQ views show it: without payload access no key, no value and
 * only failure headers' values (other headers keep their names, valued null); with masks, the masked key and value.
 */
export function visibleMessage(message: RawDlqMessage, access: PayloadAccess): RawDlqMessage {
  if (!access.payloads) {
    return { ...message, key: null, value: null, decoded: undefined, headers: new Map([...message.headers].map(([name, value]) => [name, isFailureHeader(name) ? value : null])), headerEntries: message.headerEntries.map(([name, value]) => [name, isFailureHeader(name) ? value : null]) };
  }
  if (message.decoded) {
    // Masks apply to the decoded value; the encoded bytes would reveal masked fields, so they are left out then.
    const masked = (decoding: PayloadDecoding | null, part: "key" | "value"): PayloadDecoding | null =>
      decoding?.status === "decoded" ? { ...decoding, json: visibleDecoded(decoding, access, part) ?? "null" } : decoding;
    return {
      ...message,
      key: visibleRaw(message.key, message.decoded.key, access, "key"),
      value: visibleRaw(message.value, message.decoded.value, access, "value"),
      decoded: { key: masked(message.decoded.key, "key"), value: masked(message.decoded.value, "value") },
    };
  }
  return hasMasks(access) ? { ...message, key: maskBytes(message.key, access, "key"), value: maskBytes(message.value, access, "value") } : message;
}

/** What a CEL filter may see (as in server-side search): without payload access, metadata and failure headers only. */
function filterView(message: RawDlqMessage, access: PayloadAccess): RawDlqMessage {
  if (!access.payloads) return { ...message, key: null, value: null, decoded: undefined, headers: new Map([...message.headers].filter(([name]) => isFailureHeader(name))), headerEntries: message.headerEntries.filter(([name]) => isFailureHeader(name)) };
  if (message.decoded) return { ...message, key: filterPayload(message.key, message.decoded.key, access, "key"), value: filterPayload(message.value, message.decoded.value, access, "value") };
  return hasMasks(access) ? { ...message, key: maskBytes(message.key, access, "key"), value: maskBytes(message.value, access, "value") } : message;
}

function exportedDecoding(decoding: PayloadDecoding | null): ExportedDecoding | null {
  const badge = schemaBadge(decoding);
  return badge ? { ...badge, json: decoding?.status === "decoded" ? decoding.json : null } : null;
}

export function exportLine(message: RawDlqMessage): ExportLine {
  const headers: Record<string, ExportedBytes> = {};
  for (const [name, value] of message.headers) headers[name] = encodeBytes(value);
  return {
    id: message.id,
    partition: message.partition,
    offset: message.offset,
    timestamp: message.timestampMs,
    key: encodeBytes(message.key),
    value: encodeBytes(message.value),
    headers,
    headerList: message.headerEntries.map(([name, value]) => [name, encodeBytes(value)]),
    ...(message.decoded ? { decoded: { key: exportedDecoding(message.decoded.key), value: exportedDecoding(message.decoded.value) } } : {}),
  };
}

/**
 * A stream of NDJSON lines that reads the next batch only when the client has taken the previous one. A
 * filter runs in the worker pool; a client that goes away cancels it. `done` runs once when the stream ends.
 */
export function ndjsonStream(
  batches: AsyncGenerator<RawDlqMessage[]>,
  filter: CompiledFilter | null,
  access: PayloadAccess,
  done: () => void = () => undefined,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const abort = new AbortController();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        for (;;) {
          const next = await batches.next();
          if (next.done) {
            controller.close();
            done();
            return;
          }
          const matched = filter ? await filter.match(next.value.map((message) => filterView(message, access)), abort.signal) : null;
          const lines = next.value
            .filter((_message, i) => matched === null || matched[i])
            .map((message) => `${JSON.stringify(exportLine(visibleMessage(message, access)))}\n`);
          if (lines.length > 0) {
            controller.enqueue(encoder.encode(lines.join("")));
            return;
          }
        }
      } catch (error) {
        done();
        throw error;
      }
    },
    async cancel() {
      abort.abort();
      done();
      await batches.return(undefined);
    },
  });
}

// ---- The route handler -------------------------------------------------------------------------------------

export interface ExportDependencies {
  db: ControlDb;
  connections: Connections;
}


/** GET with query parameters, or POST with a form body (for selections too long for a URL). */
async function parametersOf(request: Request): Promise<URLSearchParams> {
  const params = new URL(request.url).searchParams;
  if (request.method !== "POST") return params;
  const form = new URLSearchParams(await request.text());
  for (const [name, value] of form) params.append(name, value);
  return params;
}

function idsOf(params: URLSearchParams): string[] | null {
  const raw = params.getAll("ids").flatMap((value) => value.split(","));
  const ids = raw.map((id) => id.trim()).filter(Boolean);
  return ids.length > 0 ? ids : null;
}

/**
 * GET/POST /api/dlq/export?kind&connection&dlq&(ids=a,b,…|expression=CEL)[&snapshotId] — the export of a
 * selection or of a filter's result. Needs a session or an API token (any role); payloads are withheld or
 * masked for the caller's role. A bad expression is refused (400) with its position before anything is read.
 * The export is audited.
 */
export async function handleExport(request: Request, deps: ExportDependencies): Promise<Response> {
  const { db, connections } = deps;
  const identity = await identify(db, request.headers, identifyOptions(connections.config));
  const principal: Principal | null = identity.principal;
  if (!principal) return text(401, "Sign in or send an API token.");
  if (identity.via === "cookie" && isCrossSite(request)) return text(403, "Cross-site request refused: start exports from Redrive itself.");

  const params = await parametersOf(request);
  const kind = params.get("kind");
  const connection = params.get("connection") ?? "";
  const dlq = params.get("dlq") ?? "";
  const ids = idsOf(params);
  const expression = params.get("expression")?.trim() || null;
  let snapshotId = params.get("snapshotId") || null;
  const audit = (outcome: "ok" | "error", error: string | null, extra: Record<string, unknown> = {}) =>
    recordAudit(db, {
      actor: principal,
      procedure: "dlq.export",
      parameters: { kind, connection, dlq, ids: ids ? (ids.length > 100 ? { count: ids.length, first: ids.slice(0, 100) } : ids) : null, expression, snapshotId, ...extra },
      outcome,
      error,
      remoteAddress: clientAddress(request.headers, connections.config.server.trustedProxies),
    });
  const refuse = async (status: number, message: string) => {
    await audit("error", message);
    return text(status, message);
  };

  if (!kind || !isBrokerKind(kind)) return refuse(400, `kind must be one of ${BROKER_KINDS.join(", ")}.`);
  if (!dlq) return refuse(400, "dlq is required.");
  if (!can(principal.role, connections.config, "read", { connection, resource: dlq })) return refuse(403, `The ${principal.role} role may not read "${dlq}" on "${connection}".`);
  if (!ids && !expression) return refuse(400, "Give ids (a selection) or expression (a CEL filter).");
  let filter: CompiledFilter | null = null;
  if (expression) {
    try {
      filter = compileFilter(expression);
    } catch (error) {
      if (error instanceof FilterSyntaxError) return refuse(400, error.publicMessage);
      throw error;
    }
  }
  const access = payloadAccess(principal.role, connections.config.payloads, { roles: connections.config.auth.roles, scope: { connection, resource: dlq } });

  let batches: AsyncGenerator<RawDlqMessage[]>;
  try {
    const source = dlqSources[kind];
    const at = { connection, dlq, snapshotId: snapshotId ?? undefined };
    source.assertReadable({ db, connections, principal }, at);
    const exported = await source.exportBatches({ db, connections, principal }, at, ids);
    batches = exported.batches;
    snapshotId = exported.snapshotId ?? snapshotId;
  } catch (error) {
    if (error instanceof DomainError) return refuse(refusalStatus[error.refusal], error.publicMessage);
    throw error;
  }

  // A filtered export holds one of the user's scan slots until its stream ends.
  let release = () => {};
  if (filter) {
    try {
      release = takeScanSlot(principal.id);
    } catch (error) {
      if (error instanceof TooManyScans) return refuse(429, error.message);
      throw error;
    }
  }
  const payloads = !access.payloads ? "withheld" : hasMasks(access) ? "masked" : "exact";
  await audit("ok", null, { payloads });
  const filename = `${dlq.replace(/[^A-Za-z0-9._-]/g, "_")}-${new Date().toISOString().replace(/[:.]/g, "-")}.ndjson`;
  return new Response(ndjsonStream(batches, filter, access, release), {
    headers: {
      "content-type": "application/x-ndjson; charset=utf-8",
      "content-disposition": `attachment; filename="${filename}"`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      // exact: the bytes as stored; masked: masking rules rewrote the JSON values; withheld: no payloads for this role.
      "x-redrive-payloads": payloads,
    },
  });
}
