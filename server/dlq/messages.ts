import type { FetchedRecord } from "~/server/brokers/kafka/kafka-records";
import { displayBytes, type DisplayBytes } from "./bytes";
import { failureGroupKey, originOfFailure, isFailureHeader, isFailureHeaderBytes, kafkaFailure, sqsFailure, type FailureInfo } from "./failure";
import type { FilterRecord } from "./filter";
import type { PayloadAccess } from "./masking";
import { formatLogPosition } from "~/server/lib/message-id";
import type { PayloadDecoding, SchemaFormat } from "~/server/schemas";
import { visibleDecoded, visibleRaw } from "./schema-decoding";

/** A Kafka record's key and value decoded through its connection's schema registry (null: not schema-encoded). */
export interface MessageDecoding {
  key: PayloadDecoding | null;
  value: PayloadDecoding | null;
}

/** A dead letter from either broker, in one shape. Kafka ids are "partition:offset"; SQS ids are MessageIds. */
export interface RawDlqMessage {
  id: string;
  partition: number | null;
  offset: number | null;
  timestampMs: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  /** Each name's last value (Kafka clients' lastHeader()): what filters, failure info and edits see. */
  headers: Map<string, Uint8Array | null>;
  /** Every header in order, repeated names included: what a replay writes. */
  headerEntries: [string, Uint8Array | null][];
  /** Kafka only: whether the timestamp is the producer's (CreateTime) or the broker's (LogAppendTime). */
  timestampType?: "CreateTime" | "LogAppendTime";
  /** Kafka only: written in an aborted transaction (listed only when asked for, never replayed). */
  aborted?: boolean;
  failure: FailureInfo | null;
  sqs?: { messageId: string; attributes: Record<string, string>; messageAttributes: Record<string, { dataType: string; value: string }> };
  /** Kafka with a schema registry: the decoded key and value (the bytes above stay exactly as read). */
  decoded?: MessageDecoding;
}

export function fromKafkaRecord(partition: number, record: FetchedRecord): RawDlqMessage {
  // A repeated header name keeps its last value in the map, as Kafka clients' lastHeader() does.
  const headers = new Map<string, Uint8Array | null>(record.headers);
  return {
    id: formatLogPosition({ partition, offset: record.offset }),
    partition,
    offset: Number(record.offset),
    timestampMs: Number(record.timestamp),
    timestampType: record.timestampType,
    key: record.key,
    value: record.value,
    headers,
    headerEntries: record.headers,
    aborted: record.aborted,
    failure: kafkaFailure(headers),
  };
}

export function fromSqsMessage(message: {
  messageId: string;
  body: string;
  attributes: Record<string, string>;
  messageAttributes: Record<string, { dataType: string; value: string }>;
  seq: number;
}): RawDlqMessage {
  const headers = new Map<string, Uint8Array | null>(
    Object.entries(message.messageAttributes).map(([name, attribute]) => [name, Buffer.from(attribute.value, attribute.dataType.startsWith("Binary") ? "base64" : "utf8")]),
  );
  return {
    id: message.messageId,
    partition: null,
    offset: message.seq,
    timestampMs: Number(message.attributes.SentTimestamp ?? 0),
    key: message.attributes.MessageGroupId ? Buffer.from(message.attributes.MessageGroupId) : null,
    value: Buffer.from(message.body, "utf8"),
    headers,
    headerEntries: [...headers],
    failure: sqsFailure(message.messageAttributes, message.attributes, message.body),
    sqs: { messageId: message.messageId, attributes: message.attributes, messageAttributes: message.messageAttributes },
  };
}

export const asFilterRecord = (message: RawDlqMessage): FilterRecord => message;

export interface DlqMessageSummary {
  id: string;
  partition: number | null;
  offset: number | null;
  timestampMs: number;
  keyPreview: string | null;
  valuePreview: string | null;
  valueEncoding: DisplayBytes["encoding"] | null;
  size: number;
  headerCount: number;
  exceptionClass: string | null;
  errorMessage: string | null;
  origin: string | null;
  fingerprint: string;
  /** Kafka: written in an aborted transaction (listed only when asked for; never replayed). */
  aborted: boolean;
  /** The value's schema when it carries one: decoded (the preview is the decoded JSON), or why it is shown as bytes. */
  valueSchema: SchemaBadge | null;
}

/** What a row says of a schema-encoded value. */
export interface SchemaBadge {
  status: PayloadDecoding["status"];
  format: SchemaFormat | null;
  schemaId: number | null;
  subject: string | null;
  version: number | null;
  /** Why the value is shown as bytes; when decoded, what is odd about its framing (null when nothing is). */
  note: string | null;
}

export function schemaBadge(decoding: PayloadDecoding | null | undefined): SchemaBadge | null {
  if (!decoding) return null;
  if (decoding.status === "decoded") {
    return { status: "decoded", format: decoding.format, schemaId: decoding.schemaId, subject: decoding.subject ?? null, version: decoding.version ?? null, note: decoding.framingNote ?? null };
  }
  return { status: decoding.status, format: null, schemaId: decoding.schemaId ?? null, subject: null, version: null, note: decoding.note };
}

const PREVIEW_BYTES = 160;

function preview(bytes: Uint8Array | null): { text: string | null; encoding: DisplayBytes["encoding"] | null } {
  if (!bytes) return { text: null, encoding: null };
  const shown = displayBytes(bytes.subarray(0, PREVIEW_BYTES), PREVIEW_BYTES);
  const whole = displayBytes(bytes.subarray(0, Math.min(bytes.length, 4096)), 4096);
  return { text: shown.text ?? (shown.hex ? `0x${shown.hex}` : null), encoding: whole.encoding };
}

/** One table row. Without payload access the key and value previews are withheld. */
export function summarise(message: RawDlqMessage, access: PayloadAccess): DlqMessageSummary {
  const decoded = message.decoded;
  const decodedValue = visibleDecoded(decoded?.value, access, "value");
  const decodedKey = visibleDecoded(decoded?.key, access, "key");
  const value = !access.payloads
    ? { text: null, encoding: null }
    : decodedValue !== null
      ? preview(Buffer.from(decodedValue, "utf8"))
      : preview(visibleRaw(message.value, decoded?.value, access, "value"));
  const key = !access.payloads ? null : decodedKey !== null ? preview(Buffer.from(decodedKey, "utf8")).text : preview(visibleRaw(message.key, decoded?.key, access, "key")).text;
  const f = message.failure;
  return {
    id: message.id,
    partition: message.partition,
    offset: message.offset,
    timestampMs: message.timestampMs,
    keyPreview: key,
    valuePreview: value.text,
    valueEncoding: value.encoding,
    size: message.value?.length ?? 0,
    headerCount: message.headerEntries.length,
    exceptionClass: f?.exceptionClass ?? null,
    errorMessage: f?.message?.split("\n")[0] ?? null,
    origin: originOfFailure(f),
    fingerprint: failureGroupKey(f).fingerprint,
    aborted: message.aborted ?? false,
    valueSchema: schemaBadge(decoded?.value),
  };
}

/** Payloads larger than this are cut in the detail view; the download gives the exact bytes. */
export const DETAIL_PREVIEW_BYTES = 256 * 1024;

export interface DlqMessageDetail extends DlqMessageSummary {
  key: DisplayBytes | null;
  value: DisplayBytes | null;
  payloadsWithheld: boolean;
  headers: { name: string; value: DisplayBytes | null }[];
  failure: FailureInfo | null;
  timeInDlqMs: number;
  /** Kafka: whose clock the timestamp is, the producer's (CreateTime) or the broker's (LogAppendTime). */
  timestampType: "CreateTime" | "LogAppendTime" | null;
  sqs: { attributes: Record<string, string> } | null;
  /** Kafka with a schema registry: the key's and the value's schema and decoded JSON (null: not schema-encoded). */
  schemas: { key: SchemaDetail | null; value: SchemaDetail | null };
}

export function detail(message: RawDlqMessage, access: PayloadAccess, now = Date.now()): DlqMessageDetail {
  const value = visibleRaw(message.value, message.decoded?.value, access, "value");
  const key = visibleRaw(message.key, message.decoded?.key, access, "key");
  return {
    ...summarise(message, access),
    key: access.payloads && key ? displayBytes(key, DETAIL_PREVIEW_BYTES) : null,
    value: access.payloads && value ? displayBytes(value, DETAIL_PREVIEW_BYTES) : null,
    payloadsWithheld: !access.payloads,
    // Failure headers are errors, not payload: always shown. Other headers count as payload.
    headers: message.headerEntries.map(([name, bytes]) => ({
      name,
      value: bytes && (access.payloads || isFailureHeader(name)) ? displayBytes(bytes, 64 * 1024) : null,
    })),
    failure: message.failure,
    timeInDlqMs: Math.max(0, now - message.timestampMs),
    timestampType: message.timestampType ?? null,
    sqs: message.sqs ? { attributes: message.sqs.attributes } : null,
    schemas: { key: schemaDetail(message.decoded?.key), value: schemaDetail(message.decoded?.value) },
  };
}

/**
 * A schema-encoded key or value in the detail: the writer's schema and where it is registered, and the decoded
 * value as JSON text. `json` is the payload itself, unmasked: the API passes it through the payload gate
 * (gateSchemaDetails), which masks or withholds it per caller.
 */
export interface SchemaDetail extends SchemaBadge {
  idSource: "confluent" | "apicurio-globalId" | "apicurio-contentId" | null;
  globalId: string | null;
  subjects: Array<{ subject: string; version: number }>;
  /** The writer's schema as registered, and what it references. */
  schema: string | null;
  references: Array<{ name: string; subject: string; version: number }>;
  messageType: string | null;
  validation: { validated: boolean; valid: boolean | null; errors: string[] } | null;
  json: string | null;
  /** The decoded JSON was longer than the detail shows (cut at DETAIL_PREVIEW_BYTES characters). */
  truncated: boolean;
}

function schemaDetail(decoding: PayloadDecoding | null | undefined): SchemaDetail | null {
  const badge = schemaBadge(decoding);
  if (!decoding || !badge) return null;
  if (decoding.status !== "decoded") {
    return { ...badge, idSource: null, globalId: null, subjects: [], schema: null, references: [], messageType: null, validation: null, json: null, truncated: false };
  }
  const truncated = decoding.json.length > DETAIL_PREVIEW_BYTES;
  return {
    ...badge,
    idSource: decoding.idSource,
    globalId: decoding.globalId ?? null,
    subjects: decoding.subjects,
    schema: decoding.schema,
    references: decoding.references,
    messageType: decoding.messageType ?? null,
    validation: decoding.validation ?? null,
    json: truncated ? decoding.json.slice(0, DETAIL_PREVIEW_BYTES) : decoding.json,
    truncated,
  };
}

export { isFailureHeader, isFailureHeaderBytes };
