/** The advisory subjects that announce a dead letter, per stream and consumer. */
export const MAX_DELIVERIES_PREFIX = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES";
export const MSG_TERMINATED_PREFIX = "$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED";

export type DeadLetterKind = "max-deliveries" | "terminated";

/** What one advisory says about a dead letter. */
export interface DeadLetterAdvisory {
  kind: DeadLetterKind;
  /** The advisory's own unique id (the server's nuid). */
  id: string;
  /** When the server gave up on the message. */
  timestamp: Date;
  stream: string;
  consumer: string;
  /** The message's sequence in its stream: how to read it back. */
  streamSeq: number;
  /** Only MSG_TERMINATED carries it. */
  consumerSeq: number | null;
  /** Delivery attempts (max_deliver for MAX_DELIVERIES; 0 when the server ended a message that was never delivered). */
  deliveries: number;
  /** Why the message was terminated (2.10.4+: the application's +TERM reason, or the server's). */
  reason: string | null;
  domain: string | null;
}

export type DecodeResult = { ok: true; advisory: DeadLetterAdvisory } | { ok: false; reason: string };

const TYPES: Record<string, DeadLetterKind> = {
  "io.nats.jetstream.advisory.v1.max_deliver": "max-deliveries",
  "io.nats.jetstream.advisory.v1.terminated": "terminated",
};

/** The subjects a capture stream listens on: every stream, or only the named ones. */
export function advisorySubjects(streams?: readonly string[]): string[] {
  const scopes = streams?.length ? streams.map((s) => `${s}.*`) : [">"];
  return [MAX_DELIVERIES_PREFIX, MSG_TERMINATED_PREFIX].flatMap((prefix) => scopes.map((scope) => `${prefix}.${scope}`));
}

const text = (v: unknown): string | null => (typeof v === "string" && v.length > 0 ? v : null);
// Sequences are uint64 on the server; JSON numbers beyond 2^53 would be rounded, so they are refused.
const count = (v: unknown): number | null => (typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? v : typeof v === "string" && /^\d+$/.test(v) && Number.isSafeInteger(Number(v)) ? Number(v) : null);

/**
 * Decodes a MAX_DELIVERIES or MSG_TERMINATED advisory. Pure: the payload bytes or text in, a typed record
 * or why it is not one out. Unknown fields are ignored; a missing stream, consumer or sequence is refused.
 */
export function decodeAdvisory(payload: string | Uint8Array): DecodeResult {
  let raw: unknown;
  try {
    raw = JSON.parse(typeof payload === "string" ? payload : new TextDecoder().decode(payload));
  } catch {
    return { ok: false, reason: "not JSON" };
  }
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return { ok: false, reason: "not a JSON object" };
  const o = raw as Record<string, unknown>;
  const kind = typeof o.type === "string" ? TYPES[o.type] : undefined;
  if (!kind) return { ok: false, reason: `not a dead-letter advisory (type ${JSON.stringify(o.type ?? null)})` };
  const stream = text(o.stream);
  const consumer = text(o.consumer);
  const streamSeq = count(o.stream_seq);
  const id = text(o.id);
  const timestamp = typeof o.timestamp === "string" ? new Date(o.timestamp) : null;
  if (!stream || !consumer) return { ok: false, reason: "the advisory names no stream or consumer" };
  if (streamSeq === null || streamSeq < 1) return { ok: false, reason: "the advisory has no valid stream_seq" };
  if (!id) return { ok: false, reason: "the advisory has no id" };
  if (!timestamp || Number.isNaN(timestamp.getTime())) return { ok: false, reason: "the advisory has no valid timestamp" };
  return {
    ok: true,
    advisory: {
      kind,
      id,
      timestamp,
      stream,
      consumer,
      streamSeq,
      consumerSeq: count(o.consumer_seq),
      deliveries: count(o.deliveries) ?? 0,
      reason: text(o.reason),
      domain: text(o.domain),
    },
  };
}
