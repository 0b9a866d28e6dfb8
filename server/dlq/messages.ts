import type { FetchedRecord } from "~/server/brokers/kafka/kafka-records";
import { displayBytes, type DisplayBytes } from "./bytes";
import { failureGroupKey, originOfFailure, isFailureHeader, isFailureHeaderBytes, kafkaFailure, sqsFailure, type FailureInfo } from "./failure";
import type { FilterRecord } from "./filter";
import type { PayloadAccess } from "./masking";
import { maskBytes } from "./masking";
import { formatLogPosition } from "~/server/lib/message-id";

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
  const value = access.payloads ? preview(maskBytes(message.value, access)) : { text: null, encoding: null };
  const key = access.payloads ? preview(message.key).text : null;
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
}

export function detail(message: RawDlqMessage, access: PayloadAccess, now = Date.now()): DlqMessageDetail {
  const value = maskBytes(message.value, access);
  return {
    ...summarise(message, access),
    key: access.payloads && message.key ? displayBytes(message.key, DETAIL_PREVIEW_BYTES) : null,
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
  };
}

export { isFailureHeader, isFailureHeaderBytes };
