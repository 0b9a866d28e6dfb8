import { isFailureHeader, isFailureHeaderBytes } from "~/server/dlq/messages";

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
 * The headers of the replayed copy, in their original order (a repeated name stays repeated): without the
 * DLQ's error headers unless asked to keep them, and with Redrive's replay id, count and origin
 * (replacing those of an earlier replay).
 */
export function replayHeaders(
  original: Iterable<readonly [string, Uint8Array | null]>,
  replay: { replayId: string; count: number; from: string; keepErrorHeaders: boolean },
): [string, Uint8Array | null][] {
  const headers: [string, Uint8Array | null][] = [];
  for (const [name, value] of original) {
    if (name === REPLAY_ID || name === REPLAY_COUNT || name === REPLAYED_FROM) continue;
    if (!replay.keepErrorHeaders && isFailureHeader(name)) continue;
    headers.push([name, value]);
  }
  headers.push([REPLAY_ID, Buffer.from(replay.replayId)], [REPLAY_COUNT, Buffer.from(String(replay.count))], [REPLAYED_FROM, Buffer.from(replay.from)]);
  return headers;
}

const REPLAY_ID_BYTES = Buffer.from(REPLAY_ID);
const REPLAY_COUNT_BYTES = Buffer.from(REPLAY_COUNT);
const REPLAYED_FROM_BYTES = Buffer.from(REPLAYED_FROM);

/**
 * replayCountOf and replayHeaders for a record whose header names are still bytes (a bulk copy): the same
 * result, comparing names as bytes instead of decoding them, and the kept names written as the same bytes.
 */
export function rawReplayHeaders(
  original: readonly (readonly [Buffer | null, Buffer | null])[],
  replay: { replayId: string; from: string; keepErrorHeaders: boolean },
): { previousCount: number; headers: [string | Buffer, Uint8Array | null][] } {
  const headers: [string | Buffer, Uint8Array | null][] = [];
  let countBytes: Buffer | null | undefined;
  for (const [name, value] of original) {
    if (name === null) {
      headers.push(["", value]);
      continue;
    }
    if (name.equals(REPLAY_COUNT_BYTES)) {
      countBytes = value; // the last one counts, as lastHeader() gives it
      continue;
    }
    if (name.equals(REPLAY_ID_BYTES) || name.equals(REPLAYED_FROM_BYTES)) continue;
    if (!replay.keepErrorHeaders && isFailureHeaderBytes(name)) continue;
    headers.push([name, value]);
  }
  const parsed = countBytes ? Number(countBytes.toString("utf8")) : 0; // as replayCountOf reads it
  const previousCount = Number.isFinite(parsed) ? parsed : 0;
  headers.push([REPLAY_ID, Buffer.from(replay.replayId)], [REPLAY_COUNT, Buffer.from(String(previousCount + 1))], [REPLAYED_FROM, Buffer.from(replay.from)]);
  return { previousCount, headers };
}

/** SQS allows ten message attributes, so the replay metadata travels as one JSON attribute. */
export const SQS_REPLAY_ATTRIBUTE = "redrive";

export interface SqsReplayMetadata {
  replayId: string | null;
  count: number;
}

export function sqsReplayMetadata(attributes: Record<string, { dataType: string; value: string }>): SqsReplayMetadata {
  const packed = attributes[SQS_REPLAY_ATTRIBUTE]?.value;
  if (!packed) return { replayId: null, count: 0 };
  try {
    const parsed = JSON.parse(packed) as Record<string, unknown>;
    const count = Number(parsed[REPLAY_COUNT]);
    return { replayId: typeof parsed[REPLAY_ID] === "string" ? parsed[REPLAY_ID] : null, count: Number.isFinite(count) ? count : 0 };
  } catch {
    return { replayId: null, count: 0 };
  }
}

/** The attributes of an SQS copy: the original ones plus the packed replay metadata (replacing an earlier one). */
export function sqsReplayAttributes(
  original: Record<string, { dataType: string; value: string }>,
  replay: { replayId: string; count: number; from: string },
): Record<string, { dataType: string; value: string }> {
  const attributes = { ...original };
  delete attributes[SQS_REPLAY_ATTRIBUTE];
  if (Object.keys(attributes).length >= 10) {
    throw new Error("the message already has 10 attributes (SQS's limit): there is no room for the replay metadata");
  }
  attributes[SQS_REPLAY_ATTRIBUTE] = {
    dataType: "String",
    value: JSON.stringify({ [REPLAY_ID]: replay.replayId, [REPLAY_COUNT]: replay.count, [REPLAYED_FROM]: replay.from }),
  };
  return attributes;
}
