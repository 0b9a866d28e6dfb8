import type { RabbitMqAdapter } from "~/server/brokers/rabbitmq/adapter";
import type { RabbitFailure } from "~/server/brokers/rabbitmq/decoders";
import { BrowseRefusedError, type BrowsedMessage } from "~/server/brokers/rabbitmq/reader";
import { formatRabbitTarget } from "~/server/brokers/rabbitmq/targets";
import { DomainError, NotFound } from "~/server/lib/errors";
import { emptyFailure, type FailureInfo } from "./failure";
import { FailureGroupAggregator, type FailureGroup } from "./groups";
import type { RawDlqMessage } from "./messages";

/** A DLQ whose browse could lose a message or trip a delivery limit: the reason says what to change. */
export class RabbitBrowseRefused extends DomainError {
  readonly refusal = "precondition";
  constructor(reason: string) {
    super(reason);
    this.name = "RabbitBrowseRefused";
  }
}

/** How deep a message is looked for when it is opened or replayed by key (a browse reads the whole window). */
export const RABBIT_FIND_WINDOW = 1_000;

// A queue missing from the management API (the adapter's lookup), or deleted between that lookup and the read (AMQP 404).
const MISSING_QUEUE = /does not exist on|NOT_FOUND - no queue/;

/** The adapter's refusals as domain refusals: a 412 with its reason, a 404 for a queue that is gone; not a 500. */
async function refusalsAsDomain<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof BrowseRefusedError) throw new RabbitBrowseRefused(error.message);
    if (error instanceof Error && MISSING_QUEUE.test(error.message)) throw new NotFound(error.message);
    throw error;
  }
}

/** The decoded headers in the broker-neutral failure shape: origin = the exchange and routing key first published to. */
export function rabbitFailureInfo(failure: RabbitFailure | null): FailureInfo | null {
  if (!failure) return null;
  return {
    ...emptyFailure(),
    convention: failure.conventions.includes("spring-amqp") ? "spring-amqp" : "rabbitmq",
    sourceQueue: failure.sourceQueue,
    exceptionClass: failure.exceptionClass,
    causeClass: failure.causeClass,
    message: failure.message,
    stacktrace: failure.stacktrace,
    attempts: failure.deathCount,
    rabbit: {
      origin: failure.originalExchange !== null && failure.originalRoutingKey !== null ? formatRabbitTarget({ exchange: failure.originalExchange, routingKey: failure.originalRoutingKey }) : null,
      originExchange: failure.originalExchange,
      originRoutingKey: failure.originalRoutingKey,
      deathReason: failure.deathReason,
      deathCount: failure.deathCount,
      deathTimeMs: failure.deathTimeMs,
      deaths: failure.deaths.map(({ queue, reason, count, exchange, routingKeys, timeMs }) => ({ queue, reason, count, exchange, routingKeys, timeMs })),
    },
  };
}

/** AMQP header values as amqplib gives them (tables, arrays, typed values, Buffers) made JSON-safe text. */
function plain(value: unknown): unknown {
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return Buffer.from(value).toString("utf8");
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === "object") {
    const record = value as Record<string, unknown>;
    // amqplib's typed values: { "!": "timestamp", value: 1700000000 }.
    if ("!" in record && "value" in record) return plain(record.value);
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

/** One header value as bytes: strings and byte arrays as they are, tables and arrays as JSON text. */
function headerBytes(value: unknown): Uint8Array | null {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return value;
  if (typeof value === "string") return Buffer.from(value, "utf8");
  const shown = plain(value);
  return Buffer.from(typeof shown === "string" ? shown : typeof shown === "object" ? JSON.stringify(shown) : String(shown), "utf8");
}

/**
 * A browsed RabbitMQ message in the shape every DLQ view renders. Its id is the browse key (the publisher's
 * message-id, else a hash of what the publisher wrote); its time is when it was dead-lettered into this queue
 * (the latest x-death), else the publisher's timestamp property.
 */
export function fromBrowsedMessage(message: BrowsedMessage): RawDlqMessage {
  const entries: [string, Uint8Array | null][] = Object.entries(message.headers).map(([name, value]) => [name, headerBytes(value)]);
  const published = typeof message.properties.timestamp === "number" ? message.properties.timestamp * 1000 : null;
  const deadAt = message.failure?.deaths[0]?.timeMs ?? message.failure?.deathTimeMs ?? null;
  return {
    id: message.key,
    partition: null,
    offset: message.streamOffset ?? message.position,
    timestampMs: deadAt ?? published ?? 0,
    // RabbitMQ messages have no key; the message-id property names them where the publisher set one.
    key: typeof message.properties.messageId === "string" ? Buffer.from(message.properties.messageId, "utf8") : null,
    value: message.body,
    headers: new Map(entries),
    headerEntries: entries,
    failure: rabbitFailureInfo(message.failure),
  };
}

export interface RabbitPage {
  messages: RawDlqMessage[];
  reachedEnd: boolean;
  /** What this read changed on the queue, in words for the page. */
  effects: string;
}

/** One page of a RabbitMQ DLQ, read losslessly by the adapter (or refused, as a domain refusal). */
export async function rabbitPage(adapter: RabbitMqAdapter, queue: string, limit: number, streamOffset?: number): Promise<RabbitPage> {
  const page = await refusalsAsDomain(() => adapter.browse(queue, limit, streamOffset));
  return { messages: page.messages.map(fromBrowsedMessage), reachedEnd: page.reachedEnd, effects: page.effects };
}

/** One message by its browse key, looked for in the first RABBIT_FIND_WINDOW messages (a browse: same effects). */
export async function rabbitMessage(adapter: RabbitMqAdapter, queue: string, key: string): Promise<RawDlqMessage | null> {
  const page = await rabbitPage(adapter, queue, RABBIT_FIND_WINDOW);
  return page.messages.find((m) => m.id === key) ?? null;
}

/**
 * Failure groups over one browsed window of the DLQ (at most RABBIT_FIND_WINDOW messages): a browse holds what
 * it reads until it returns it all, so a deeper read would keep more messages from the queue's consumers.
 */
export async function rabbitFailureGroups(adapter: RabbitMqAdapter, queue: string, maxMessages: number): Promise<{ groups: FailureGroup[]; scanned: number; retained: number }> {
  const page = await rabbitPage(adapter, queue, Math.min(maxMessages, RABBIT_FIND_WINDOW));
  const aggregator = new FailureGroupAggregator(Date.now());
  for (const message of page.messages) aggregator.add(message);
  const depth = (await adapter.management.queue(queue))?.messages ?? page.messages.length;
  return { groups: aggregator.result(), scanned: page.messages.length, retained: Math.max(depth, page.messages.length) };
}

/** How many messages a bulk replay's dry run reads at most (they are all held until the read ends). */
export const RABBIT_SCAN_LIMIT = 100_000;

/**
 * Every message of a RabbitMQ DLQ, read once and all returned (a bulk replay's dry run), in the broker-neutral
 * shape, with how many times Redrive replayed each before; refusals as for a browse. `effects`: what the read changed.
 */
export async function rabbitScan(
  adapter: RabbitMqAdapter,
  queue: string,
  visit: (message: RawDlqMessage, replayCount: number) => void,
): Promise<{ read: number; effects: string }> {
  const result = await refusalsAsDomain(() => adapter.scan(queue, (message, replayCount) => visit(fromBrowsedMessage(message), replayCount), { maxMessages: RABBIT_SCAN_LIMIT }));
  return { read: result.read, effects: result.effects };
}

export { refusalsAsDomain as rabbitRefusalsAsDomain };
