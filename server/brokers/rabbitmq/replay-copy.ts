import type { Message, Options } from "amqplib";

/** The DLQ a copy was replayed from (also set by replayOne). */
export const REPLAYED_FROM_HEADER = "x-redrive-replayed-from";
/** How many times Redrive replayed this message (its copies carry the count + 1): the loop guard reads it. */
export const REPLAY_COUNT_HEADER = "x-redrive-replay-count";
/** `<run id>:<publish sequence>`: ties a copy (and a basic.return of it) to one publish of one run, for a ledger. */
export const REPLAY_ID_HEADER = "x-redrive-replay-id";

// Headers the broker owns on the DLQ side: a copy starts without them.
const BROKER_HEADERS = new Set(["x-delivery-count", "x-stream-offset"]);

/** How many times a message was replayed by Redrive already (0 when never, or when the header is not a count). */
export function replayCountOf(message: Message): number {
  const value = (message.properties.headers as Record<string, unknown> | undefined)?.[REPLAY_COUNT_HEADER];
  const count = typeof value === "number" ? value : typeof value === "string" ? Number(value) : NaN;
  return Number.isInteger(count) && count > 0 ? count : 0;
}

/** The publish options of a replayed copy: every property of the original, its headers minus the broker's, and Redrive's three. */
export function copyOptions(message: Message, replayedFrom: string, replayId: string): Options.Publish {
  const original = (message.properties.headers ?? {}) as Record<string, unknown>;
  const headers = Object.fromEntries(Object.entries(original).filter(([name]) => !BROKER_HEADERS.has(name)));
  const { headers: _dropped, ...properties } = message.properties;
  return {
    ...(Object.fromEntries(Object.entries(properties).filter(([, value]) => value !== undefined)) as Options.Publish),
    headers: { ...headers, [REPLAYED_FROM_HEADER]: replayedFrom, [REPLAY_COUNT_HEADER]: replayCountOf(message) + 1, [REPLAY_ID_HEADER]: replayId },
    // Unroutable copies come back as basic.return (before their confirm) instead of vanishing.
    mandatory: true,
  };
}
