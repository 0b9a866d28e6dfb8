import { randomUUID } from "node:crypto";
import type { ChannelModel, ConfirmChannel, GetMessage } from "amqplib";
import { browseSafety, type BrowsableQueue } from "./browse-safety";
import { decodeRabbitFailure } from "./decoders";
import { BrowseRefusedError, messageKey, openChannel, takeMessages } from "./reader";
import { copyOptions, replayCountOf } from "./replay-copy";

/** Where a replayed copy is published: an exchange and routing key ("" is the default exchange: key = queue name). */
export interface ReplayDestination {
  exchange: string;
  routingKey: string;
}

export type ReplayOneResult =
  /** `replayCount`: the copy's x-redrive-replay-count; `replayId`: its x-redrive-replay-id. */
  | { outcome: "replayed"; key: string; destination: ReplayDestination; replayId: string; replayCount: number }
  /** Nothing was published, and the DLQ message is still there. */
  | { outcome: "not-found"; key: string; scanned: number }
  | { outcome: "no-destination"; key: string; reason: string }
  /** The broker returned the copy (mandatory): no queue is bound for it. The DLQ message stays. */
  | { outcome: "unroutable"; key: string; destination: ReplayDestination; reason: string }
  /** The broker refused (nack) or did not confirm in time: the DLQ message stays; a copy may exist if the confirm was only late. */
  | { outcome: "not-confirmed"; key: string; destination: ReplayDestination; reason: string };

export interface ReplayOneOptions {
  dlq: BrowsableQueue;
  /** The message's key from a browse (messageKey). */
  key: string;
  /** Publish here instead of the origin the headers name. */
  destination?: ReplayDestination;
  /** How deep into the DLQ to look for the message. */
  maxScan?: number;
  confirmTimeoutMs?: number;
  /** Carried by the copy (x-redrive-replay-id), so a copy that dies again links back to this replay; a new UUID by default. */
  replayId?: string;
  /**
   * Called with the message found and where it would go, before anything is published: throwing refuses the
   * replay (the loop guard, a missing destination) and returns the message untouched.
   */
  check?: (found: { destination: ReplayDestination; replayedBefore: number }) => void | Promise<void>;
}

/** The origin from the headers: Spring's x-original-* first, then the first death's exchange and routing key. */
export function originOf(message: GetMessage): ReplayDestination | null {
  const failure = decodeRabbitFailure(message.properties.headers as Record<string, unknown> | undefined);
  if (!failure || failure.originalExchange === null || failure.originalRoutingKey === null) return null;
  return { exchange: failure.originalExchange, routingKey: failure.originalRoutingKey };
}

type PublishOutcome = { ok: true } | { ok: false; returned: boolean; reason: string };

/**
 * Publishes one copy on its own confirm channel, mandatory. RabbitMQ sends basic.return before the
 * confirm of an unroutable message, so a return seen by the time the confirm arrives is this copy's.
 */
async function publishConfirmed(connection: ChannelModel, destination: ReplayDestination, message: GetMessage, replayedFrom: string, replayId: string, timeoutMs: number): Promise<PublishOutcome> {
  const channel: ConfirmChannel = await connection.createConfirmChannel();
  channel.on("error", () => undefined);
  let returned = false;
  channel.on("return", () => {
    returned = true;
  });
  // Every property and header of the original (minus the broker's), the replayed-from DLQ, the replay count and id.
  const options = copyOptions(message, replayedFrom, replayId);
  try {
    const confirmed = new Promise<PublishOutcome>((resolve) => {
      channel.publish(destination.exchange, destination.routingKey, message.content, options, (error: unknown) => {
        // A nack, or the channel closed by the broker (e.g. the exchange does not exist): either way, no confirm.
        if (error) resolve({ ok: false, returned: false, reason: `the broker did not confirm the copy: ${error instanceof Error ? error.message : String(error)}` });
        else if (returned) resolve({ ok: false, returned: true, reason: `no queue is bound to exchange "${destination.exchange || "(default)"}" for routing key "${destination.routingKey}"` });
        else resolve({ ok: true });
      });
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<PublishOutcome>((resolve) => {
      timer = setTimeout(() => resolve({ ok: false, returned: false, reason: `no confirm within ${timeoutMs} ms` }), timeoutMs);
    });
    const outcome = await Promise.race([confirmed, timeout]);
    clearTimeout(timer);
    return outcome;
  } finally {
    await channel.close().catch(() => undefined);
  }
}

/**
 * Replays one DLQ message: finds it by key, publishes a copy (to its origin or a chosen destination) on a
 * confirm channel, and acknowledges the DLQ message only after the broker confirmed the copy and did not
 * return it. Every other message read on the way is returned untouched by the channel close, as in a browse
 * (so the same queues are refused: a return there could remove a message).
 */
export async function replayOne(connection: ChannelModel, options: ReplayOneOptions): Promise<ReplayOneResult> {
  const safety = browseSafety(options.dlq);
  if (!safety.allowed) throw new BrowseRefusedError(safety.reason);
  if (safety.method === "stream-offset") throw new BrowseRefusedError(`"${options.dlq.name}" is a stream: messages cannot be removed from it one by one.`);
  const { key } = options;
  const channel = await openChannel(connection);
  try {
    const taken = await takeMessages(channel, options.dlq.name, options.maxScan ?? 10_000, (m) => messageKey(m) === key);
    const message = taken.find((m) => messageKey(m) === key);
    if (!message) return { outcome: "not-found", key, scanned: taken.length };
    const destination = options.destination ?? originOf(message);
    if (!destination) return { outcome: "no-destination", key, reason: "the message names no original exchange and routing key (no x-death, x-first-death or Spring headers): choose a destination" };
    await options.check?.({ destination, replayedBefore: replayCountOf(message) });
    const replayId = options.replayId ?? randomUUID();
    const published = await publishConfirmed(connection, destination, message, options.dlq.name, replayId, options.confirmTimeoutMs ?? 10_000);
    if (!published.ok) return published.returned ? { outcome: "unroutable", key, destination, reason: published.reason } : { outcome: "not-confirmed", key, destination, reason: published.reason };
    // Only now, with the copy confirmed: remove the original.
    channel.ack(message);
    return { outcome: "replayed", key, destination, replayId, replayCount: replayCountOf(message) + 1 };
  } finally {
    // The ack travels before the close; the close returns every other message read.
    await channel.close().catch(() => undefined);
  }
}
