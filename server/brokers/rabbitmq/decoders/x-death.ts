import { headerText, type FailureDecoder, type RabbitHeaders, type XDeathEntry } from "./types";

/** AMQP timestamps are whole seconds: amqplib decodes them as { "!": "timestamp", value: seconds }. */
export function amqpTimestampMs(value: unknown): number | null {
  if (value instanceof Date) return value.getTime();
  if (typeof value === "number" && Number.isFinite(value)) return value * 1000;
  if (value && typeof value === "object" && "value" in value) return amqpTimestampMs((value as { value: unknown }).value);
  return null;
}

function count(value: unknown): number {
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "number") return value;
  if (value && typeof value === "object" && "value" in value) return count((value as { value: unknown }).value);
  return 0;
}

function entry(raw: unknown): XDeathEntry | null {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return null;
  const table = raw as Record<string, unknown>;
  const queue = headerText(table.queue);
  if (queue === null) return null;
  const keys = Array.isArray(table["routing-keys"]) ? table["routing-keys"].map(headerText).filter((k): k is string => k !== null) : [];
  return {
    queue,
    reason: headerText(table.reason) ?? "unknown",
    count: count(table.count),
    exchange: headerText(table.exchange) ?? "",
    routingKeys: keys,
    timeMs: amqpTimestampMs(table.time),
    originalExpiration: headerText(table["original-expiration"]),
  };
}

/** The deaths the broker recorded, most recent first (the order it keeps them in). */
export function xDeathEntries(headers: RabbitHeaders): XDeathEntry[] {
  const raw = headers["x-death"];
  return Array.isArray(raw) ? raw.map(entry).filter((e): e is XDeathEntry => e !== null) : [];
}

/**
 * RabbitMQ's own record of dead-lettering. The origin is the oldest death (the last entry): the exchange
 * and routing key the message was published with before it first died.
 */
export const xDeathDecoder: FailureDecoder = {
  name: "x-death",
  canDecode: (headers) => xDeathEntries(headers).length > 0,
  decode(headers) {
    const deaths = xDeathEntries(headers);
    const first = deaths[deaths.length - 1]!;
    return {
      deaths,
      sourceQueue: first.queue,
      deathReason: first.reason,
      deathCount: first.count,
      deathTimeMs: first.timeMs,
      originalExchange: first.exchange,
      originalRoutingKey: first.routingKeys[0] ?? null,
    };
  },
};
