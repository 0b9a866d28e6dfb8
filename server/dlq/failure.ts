import { createHash } from "node:crypto";
// Relative, with its extension: the filter worker threads load this file with Node's type stripping.
import { SNS_DLQ_ATTRIBUTE_NAMES, snsDeliveryFailure, subscriptionLabel, type SnsDeliveryFailure } from "../brokers/sqs/sns-envelope.ts";

export type { SnsDeliveryFailure };

/** Why a message is in a DLQ, as far as the conventions its producer used tell. */
/** RabbitMQ's own record of a death (one x-death entry): the broker keeps one per queue and reason. */
export interface RabbitDeath {
  queue: string;
  reason: string;
  count: number;
  exchange: string;
  routingKeys: string[];
  timeMs: number | null;
}

/** What RabbitMQ (x-death, x-first-death-*) and Spring AMQP's headers add to a failure. */
export interface RabbitFailureDetail {
  /** originExchange and originRoutingKey as a replay target: "exchange / routing key" (server/brokers/rabbitmq/targets.ts). */
  origin: string | null;
  /** Where the message was first published: replaying there returns it to its original consumers. */
  originExchange: string | null;
  originRoutingKey: string | null;
  /** The first death's reason: rejected, expired, maxlen or delivery_limit. */
  deathReason: string | null;
  /** How many times it died from the first death's queue for that reason. */
  deathCount: number | null;
  deathTimeMs: number | null;
  /** Every death the broker recorded, most recent first. */
  deaths: RabbitDeath[];
}

/** What a JetStream dead-letter advisory says (server/brokers/nats/advisory.ts), with what became of the original. */
export interface NatsFailureDetail {
  /** MAX_DELIVERIES (max_deliver reached) or MSG_TERMINATED (the application's +TERM). */
  advisory: "max-deliveries" | "terminated";
  advisoryId: string;
  stream: string;
  consumer: string;
  streamSeq: number;
  deliveries: number;
  /** +TERM's reason (nats-server 2.10.4+), else null. */
  reason: string | null;
  /** The original's subject where it is still in its stream. */
  subject: string | null;
  /** "present", or why it is gone: retention/limits removed it, or the stream was deleted. */
  original: "present" | "removed-from-stream" | "stream-deleted";
  /** How the original was read: direct get or the leader's STREAM.MSG.GET. */
  readVia: string | null;
}

/** Where a failure says its message came from: a topic, a RabbitMQ exchange and routing key, or a source queue. */
export function originOfFailure(f: FailureInfo | null): string | null {
  return f?.rabbit?.origin ?? f?.originTopic ?? f?.sourceQueue ?? snsOrigin(f) ?? null;
}

/** An SNS delivery failure's origin: its subscription ("subscription X of topic T"), else its topic. */
function snsOrigin(f: FailureInfo | null): string | null {
  if (!f?.sns) return null;
  return f.sns.subscriptionArn ? subscriptionLabel(f.sns.subscriptionArn) : `topic ${f.sns.topic}`;
}

export interface FailureInfo {
  /** "rabbitmq": the broker's x-death / x-first-death-* headers only; "spring-amqp": RepublishMessageRecoverer's x-exception-* too. */
  convention: "spring" | "kafka-connect" | "sqs-attribute" | "sns-delivery" | "rabbitmq" | "spring-amqp" | "jetstream" | "unknown";
  originTopic: string | null;
  originPartition: number | null;
  originOffset: number | null;
  originTimestampMs: number | null;
  sourceQueue: string | null;
  consumerGroup: string | null;
  exceptionClass: string | null;
  causeClass: string | null;
  message: string | null;
  stacktrace: string | null;
  attempts: number | null;
  connector: string | null;
  stage: string | null;
  /** RabbitMQ only. */
  rabbit: RabbitFailureDetail | null;
  /** NATS JetStream only. */
  nats?: NatsFailureDetail | null;
  /** SQS only: a delivery SNS failed and moved to the subscription's DLQ (ids, ARNs and SNS's error; no payload). */
  sns?: SnsDeliveryFailure | null;
}

export type HeaderBytes = ReadonlyMap<string, Uint8Array | null>;

const text = (value: Uint8Array | null | undefined) => (value ? Buffer.from(value).toString("utf8") : null);

/** Spring writes partitions as 4-byte and offsets/timestamps as 8-byte big-endian integers; older versions and other tools write decimals. */
function integer(value: Uint8Array | null | undefined): number | null {
  if (!value || value.length === 0) return null;
  const buffer = Buffer.from(value);
  if (value.length === 4) return buffer.readInt32BE(0);
  if (value.length === 8) return Number(buffer.readBigInt64BE(0));
  const decimal = Number(buffer.toString("utf8").trim());
  return Number.isFinite(decimal) ? decimal : null;
}

const empty = (): FailureInfo => ({
  convention: "unknown",
  originTopic: null,
  originPartition: null,
  originOffset: null,
  originTimestampMs: null,
  sourceQueue: null,
  consumerGroup: null,
  exceptionClass: null,
  causeClass: null,
  message: null,
  stacktrace: null,
  attempts: null,
  connector: null,
  stage: null,
  rabbit: null,
});

/** A failure with nothing known yet, for the broker mappers that fill it (server/dlq/rabbitmq-dlq.ts). */
export const emptyFailure = empty;

// RabbitMQ's x-death / x-first-death-* and Spring AMQP's x-exception-* / x-original-* describe the failure too.
const FAILURE_PREFIXES = ["kafka_dlt-", "__connect.errors.", "x-first-death-", "x-exception-"];
// SNS adds ErrorCode, ErrorMessage, TopicArn and SubscriptionArn to a delivery it moves to a subscription DLQ.
const FAILURE_NAMES = ["x-attempts", "x-death", "x-original-exchange", "x-original-routingKey", ...SNS_DLQ_ATTRIBUTE_NAMES];

/** Headers that describe the failure (errors, not payload): shown and filterable without payload access. */
export function isFailureHeader(name: string): boolean {
  return FAILURE_PREFIXES.some((prefix) => name.startsWith(prefix)) || FAILURE_NAMES.includes(name);
}

const FAILURE_PREFIX_BYTES = FAILURE_PREFIXES.map((prefix) => Buffer.from(prefix));
const FAILURE_NAME_BYTES = FAILURE_NAMES.map((name) => Buffer.from(name));
const startsWithBytes = (name: Buffer, prefix: Buffer) => name.length >= prefix.length && name.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;

/** isFailureHeader on a name's UTF-8 bytes, without decoding it (the prefixes and names are ASCII: the same answer). */
export function isFailureHeaderBytes(name: Buffer): boolean {
  return FAILURE_PREFIX_BYTES.some((prefix) => startsWithBytes(name, prefix)) || FAILURE_NAME_BYTES.some((bytes) => bytes.equals(name));
}

// Headers counting delivery attempts, by the names common frameworks use.
const ATTEMPT_HEADERS = ["x-attempts", "retry-count", "x-retry-count", "kafka_dlt-attempts", "delivery-attempt", "deliveryAttempt"];

/** Reads Spring Kafka's kafka_dlt-* headers or Kafka Connect's __connect.errors.* headers. */
export function kafkaFailure(headers: HeaderBytes): FailureInfo | null {
  const get = (name: string) => headers.get(name);
  const attempts = ATTEMPT_HEADERS.map((name) => integer(get(name))).find((n) => n !== null) ?? null;
  if (headers.has("kafka_dlt-original-topic") || headers.has("kafka_dlt-exception-fqcn")) {
    return {
      ...empty(),
      convention: "spring",
      originTopic: text(get("kafka_dlt-original-topic")),
      originPartition: integer(get("kafka_dlt-original-partition")),
      originOffset: integer(get("kafka_dlt-original-offset")),
      originTimestampMs: integer(get("kafka_dlt-original-timestamp")),
      consumerGroup: text(get("kafka_dlt-original-consumer-group")),
      exceptionClass: text(get("kafka_dlt-exception-fqcn")) ?? text(get("kafka_dlt-key-exception-fqcn")),
      causeClass: text(get("kafka_dlt-exception-cause-fqcn")),
      message: text(get("kafka_dlt-exception-message")) ?? text(get("kafka_dlt-key-exception-message")),
      stacktrace: text(get("kafka_dlt-exception-stacktrace")) ?? text(get("kafka_dlt-key-exception-stacktrace")),
      attempts,
    };
  }
  if ([...headers.keys()].some((name) => name.startsWith("__connect.errors."))) {
    return {
      ...empty(),
      convention: "kafka-connect",
      originTopic: text(get("__connect.errors.topic")),
      originPartition: integer(get("__connect.errors.partition")),
      originOffset: integer(get("__connect.errors.offset")),
      exceptionClass: text(get("__connect.errors.exception.class.name")),
      causeClass: text(get("__connect.errors.class.name")),
      message: text(get("__connect.errors.exception.message")),
      stacktrace: text(get("__connect.errors.exception.stacktrace")),
      connector: text(get("__connect.errors.connector.name")),
      stage: text(get("__connect.errors.stage")),
      attempts,
    };
  }
  if (attempts !== null) return { ...empty(), attempts };
  return null;
}

// SQS records no failure reason; consumers that stamp one use attributes by these names.
const REASON_ATTRIBUTES = ["failure-reason", "error-message", "exception-message", "x-failure-reason", "redrive-failure-reason"];
const CLASS_ATTRIBUTES = ["exception-class", "error-type", "x-exception-class", "failure-class"];

export function sqsFailure(
  messageAttributes: Record<string, { dataType: string; value: string }>,
  attributes: Record<string, string>,
  /** The body, for the SNS envelope (raw delivery off); only ids and ARNs are read from it, never the message. */
  body?: string,
): FailureInfo {
  const lower = new Map(Object.entries(messageAttributes).map(([name, attribute]) => [name.toLowerCase(), attribute.value]));
  const pick = (names: string[]) => names.map((name) => lower.get(name)).find((value) => value !== undefined) ?? null;
  const sns = snsDeliveryFailure(body ?? "", messageAttributes);
  const message = pick(REASON_ATTRIBUTES) ?? sns?.errorMessage ?? null;
  const exceptionClass = pick(CLASS_ATTRIBUTES) ?? sns?.errorCode ?? null;
  const source = attributes.DeadLetterQueueSourceArn;
  return {
    ...empty(),
    convention: sns ? "sns-delivery" : message || exceptionClass ? "sqs-attribute" : "unknown",
    sourceQueue: source ? source.slice(source.lastIndexOf(":") + 1) : null,
    exceptionClass,
    message,
    stacktrace: pick(["stacktrace", "exception-stacktrace"]),
    attempts: attributes.ApproximateReceiveCount ? Number(attributes.ApproximateReceiveCount) : null,
    sns,
  };
}

/**
 * The error message with what varies between occurrences replaced (ids, numbers, quoted values), so
 * "order 42 not found" and "order 43 not found" read as one failure.
 */
export function normaliseMessage(message: string): string {
  return message
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, "<uuid>")
    .replace(/"[^"]*"|'[^']*'|`[^`]*`/g, "<value>")
    .replace(/\b[0-9a-f]{12,}\b/gi, "<hex>")
    .replace(/\b\d[\d.,:_-]*\b/g, "<n>")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 500);
}

export interface FailureGroupKey {
  origin: string;
  exceptionClass: string;
  normalisedMessage: string;
  fingerprint: string;
}

/** The ServicePulse-style grouping: origin + exception class + normalised message. */
export function failureGroupKey(failure: FailureInfo | null): FailureGroupKey {
  // RabbitMQ: the queue it first died in, else (Spring's recoverer republished it) the exchange and routing key it came from.
  const origin = failure?.originTopic ?? failure?.sourceQueue ?? failure?.rabbit?.origin ?? snsOrigin(failure) ?? "(unknown origin)";
  const exceptionClass = failure?.exceptionClass ?? "(no exception recorded)";
  const normalisedMessage = failure?.message ? normaliseMessage(failure.message.split("\n")[0] ?? "") : "";
  const fingerprint = createHash("sha1").update(`${origin}\u0000${exceptionClass}\u0000${normalisedMessage}`).digest("hex").slice(0, 16);
  return { origin, exceptionClass, normalisedMessage, fingerprint };
}
