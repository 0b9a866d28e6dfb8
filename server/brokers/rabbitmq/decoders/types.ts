/** AMQP headers as amqplib decodes them: strings, numbers, booleans, Buffers, arrays, nested tables, typed values. */
export type RabbitHeaders = Record<string, unknown>;

export type DeathReason = "rejected" | "expired" | "maxlen" | "delivery_limit";

/** One entry of x-death: the broker keeps one per (queue, reason) and counts repeats. */
export interface XDeathEntry {
  queue: string;
  reason: DeathReason | string;
  count: number;
  exchange: string;
  routingKeys: string[];
  /** When the message was dead-lettered from that queue the first time (epoch ms; AMQP timestamps have whole seconds). */
  timeMs: number | null;
  /** The per-message TTL the message had, for reason "expired" on a message with an expiration. */
  originalExpiration: string | null;
}

/** What the headers tell about why a message is in a DLQ and where it came from. */
export interface RabbitFailure {
  /** Which conventions were found, most specific first. */
  conventions: ("spring-amqp" | "x-death" | "x-first-death")[];
  exceptionClass: string | null;
  /** The innermost "Caused by:" class of a Spring stack trace. */
  causeClass: string | null;
  message: string | null;
  stacktrace: string | null;
  /** Where the message was first published to: replaying there returns it to its original consumers. */
  originalExchange: string | null;
  originalRoutingKey: string | null;
  /** The queue it was first dead-lettered from. */
  sourceQueue: string | null;
  deathReason: DeathReason | string | null;
  /** How many times it was dead-lettered from the source queue for that reason. */
  deathCount: number | null;
  deathTimeMs: number | null;
  deaths: XDeathEntry[];
}

/** A failure decoder: one header convention, recognised by canDecode and read by decode. */
export interface FailureDecoder {
  readonly name: RabbitFailure["conventions"][number];
  canDecode(headers: RabbitHeaders): boolean;
  decode(headers: RabbitHeaders): Partial<RabbitFailure>;
}

/** Header values as text: amqplib gives long strings as strings, byte arrays as Buffers. */
export function headerText(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (Buffer.isBuffer(value)) return value.toString("utf8");
  if (value instanceof Uint8Array) return Buffer.from(value).toString("utf8");
  return null;
}
