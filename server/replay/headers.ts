import { isFailureHeader } from "~/server/dlq/messages";

/** Headers Redrive adds to every replayed copy. */
export const REPLAY_ID = "redrive-replay-id";
export const REPLAY_COUNT = "redrive-replay-count";
export const REPLAYED_FROM = "redrive-replayed-from";

/** A message replayed this many times is quarantined: shown, not replayed again without an override. */
export const DEFAULT_REPLAY_LIMIT = 3;

export function replayCountOf(headers: ReadonlyMap<string, Uint8Array | null>): number {
  const raw = headers.get(REPLAY_COUNT);
  const count = raw ? Number(Buffer.from(raw).toString("utf8")) : 0;
  return Number.isFinite(count) ? count : 0;
}

/**
 * The headers of the replayed copy: the original ones, without the DLQ's error headers unless asked to
 * keep them, and with Redrive's replay id, count and origin (replacing those of an earlier replay).
 */
export function replayHeaders(
  original: ReadonlyMap<string, Uint8Array | null>,
  replay: { replayId: string; count: number; from: string; keepErrorHeaders: boolean },
): Map<string, Uint8Array | null> {
  const headers = new Map<string, Uint8Array | null>();
  for (const [name, value] of original) {
    if (name === REPLAY_ID || name === REPLAY_COUNT || name === REPLAYED_FROM) continue;
    if (!replay.keepErrorHeaders && isFailureHeader(name)) continue;
    headers.set(name, value);
  }
  headers.set(REPLAY_ID, Buffer.from(replay.replayId));
  headers.set(REPLAY_COUNT, Buffer.from(String(replay.count)));
  headers.set(REPLAYED_FROM, Buffer.from(replay.from));
  return headers;
}
