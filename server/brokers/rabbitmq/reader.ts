import { createHash } from "node:crypto";
import type { Channel, ChannelModel, ConsumeMessage, GetMessage, Message } from "amqplib";
import { browseSafety, type BrowsableQueue } from "./browse-safety";
import { decodeRabbitFailure, type RabbitFailure } from "./decoders";

export interface BrowsedMessage {
  /** The publisher's message-id when it set one, else a hash of body and properties (RabbitMQ gives messages no id of its own). */
  key: string;
  /** Position in this page (0: the head at the time of the read). */
  position: number;
  /** Stream queues only: the message's offset in the stream. */
  streamOffset: number | null;
  body: Buffer;
  exchange: string;
  routingKey: string;
  redelivered: boolean;
  properties: Omit<Message["properties"], "headers">;
  headers: Record<string, unknown>;
  /** Quorum queues: how many times the message was returned to the queue (by anyone, including browses). */
  deliveryCount: number | null;
  failure: RabbitFailure | null;
}

export interface BrowsePage {
  queue: string;
  messages: BrowsedMessage[];
  /** True when the read reached the end of the queue (fewer messages than the page size). */
  reachedEnd: boolean;
  /** What this browse changed, in words for the UI. */
  effects: string;
}

export class BrowseRefusedError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "BrowseRefusedError";
  }
}

// Headers the broker rewrites on every return: not part of a message's identity.
const VOLATILE_HEADERS = new Set(["x-delivery-count", "x-stream-offset"]);

/** A stable key for a message: its message-id, or a hash of what its publisher wrote. */
export function messageKey(message: Message): string {
  const id = message.properties.messageId as unknown;
  if (typeof id === "string" && id !== "") return `id:${id}`;
  const { headers = {}, ...properties } = message.properties;
  const stableHeaders = Object.fromEntries(Object.entries(headers as Record<string, unknown>).filter(([name]) => !VOLATILE_HEADERS.has(name)).sort(([a], [b]) => a.localeCompare(b)));
  const hash = createHash("sha256");
  hash.update(message.content);
  hash.update(JSON.stringify([properties, stableHeaders]));
  return `sha256:${hash.digest("hex").slice(0, 32)}`;
}

export function toBrowsed(message: Message, position: number): BrowsedMessage {
  const { headers = {}, ...properties } = message.properties;
  const h = headers as Record<string, unknown>;
  const count = h["x-delivery-count"];
  const offset = h["x-stream-offset"];
  return {
    key: messageKey(message),
    position,
    streamOffset: typeof offset === "number" ? offset : null,
    body: message.content,
    exchange: message.fields.exchange,
    routingKey: message.fields.routingKey,
    redelivered: message.fields.redelivered,
    properties,
    headers: h,
    deliveryCount: typeof count === "number" ? count : null,
    failure: decodeRabbitFailure(h),
  };
}

/** A channel whose broker-side errors reject the pending operation instead of crashing the process as an unhandled 'error' event. */
export async function openChannel(connection: ChannelModel): Promise<Channel> {
  const channel = await connection.createChannel();
  channel.on("error", () => undefined);
  return channel;
}

/**
 * Takes up to `limit` messages with basic.get, none acknowledged, all held on one channel. The caller
 * decides what to do with them; closing the channel returns every one not acknowledged.
 */
export async function takeMessages(channel: Channel, queue: string, limit: number, stop?: (message: GetMessage) => boolean): Promise<GetMessage[]> {
  const taken: GetMessage[] = [];
  while (taken.length < limit) {
    const message = await channel.get(queue, { noAck: false });
    if (message === false) break;
    taken.push(message);
    if (stop?.(message)) break;
  }
  return taken;
}

/**
 * Browses a classic or quorum queue: basic.get without ack until the page is full, then one channel close
 * returns them all at once. Holding the whole page (rather than nack-requeueing one by one) is what keeps the
 * read complete: a message returned early would be handed out again by the next basic.get and the page would
 * show it twice and miss others.
 * Refused where a return could remove a message (see browseSafety).
 */
export async function browseQueue(connection: ChannelModel, queue: BrowsableQueue, limit: number, streamOffset = 0): Promise<BrowsePage> {
  const safety = browseSafety(queue);
  if (!safety.allowed) throw new BrowseRefusedError(safety.reason);
  if (safety.method === "stream-offset") return browseStream(connection, queue.name, limit, streamOffset, safety.effects);
  const channel = await openChannel(connection);
  try {
    const taken = await takeMessages(channel, queue.name, limit);
    return { queue: queue.name, messages: taken.map(toBrowsed), reachedEnd: taken.length < limit, effects: safety.effects };
  } finally {
    // Returns every unacknowledged message to the queue. Should the close fail, the connection's end returns them.
    await channel.close().catch(() => undefined);
  }
}

// A stream consumer that received nothing for this long has read what there is.
const STREAM_IDLE_MS = 1_000;

/** Reads a stream from `offset` with a consumer (streams keep messages; acks only pace delivery). */
async function browseStream(connection: ChannelModel, queue: string, limit: number, offset: number, effects: string): Promise<BrowsePage> {
  const channel = await openChannel(connection);
  try {
    // Streams require a prefetch for consumers.
    await channel.prefetch(Math.min(Math.max(limit, 1), 1000));
    const messages: BrowsedMessage[] = [];
    let idle: NodeJS.Timeout | undefined;
    const done = new Promise<void>((resolve, reject) => {
      const arm = () => {
        clearTimeout(idle);
        idle = setTimeout(resolve, STREAM_IDLE_MS);
      };
      arm();
      void channel
        .consume(
          queue,
          (message: ConsumeMessage | null) => {
            if (!message) return resolve();
            if (messages.length < limit) messages.push(toBrowsed(message, messages.length));
            channel.ack(message);
            if (messages.length >= limit) resolve();
            else arm();
          },
          { noAck: false, arguments: { "x-stream-offset": offset } },
        )
        .catch(reject);
    });
    await done;
    clearTimeout(idle);
    return { queue, messages, reachedEnd: messages.length < limit, effects };
  } finally {
    await channel.close().catch(() => undefined);
  }
}
