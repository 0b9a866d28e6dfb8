import { JetStreamApiError, type PubAck } from "@nats-io/jetstream";
import { headers as newHeaders, RequestError, TimeoutError, type MsgHdrs } from "@nats-io/transport-node";
import type { DeadLetter } from "./capture";
import type { NatsSession } from "./connection";
import { streamInfo } from "./jetstream";

/** The header naming where a replayed copy came from: "<stream>:<seq>". */
export const REPLAYED_FROM_HEADER = "Redrive-Replayed-From";
/** Redrive's replay id and count on every copy (the names server/replay/headers.ts gives Kafka copies): a copy that dies again is linked back, and counted for the loop guard. */
export const REPLAY_ID_HEADER = "redrive-replay-id";
export const REPLAY_COUNT_HEADER = "redrive-replay-count";

/**
 * Headers that would change what the server does with the copy: the original's Nats-Msg-Id (replaced by the
 * replay id), optimistic-concurrency expectations (the copy would be refused) and a rollup (it would purge).
 */
const DROPPED_HEADERS = new Set(["nats-msg-id", "nats-expected-stream", "nats-expected-last-msg-id", "nats-expected-last-sequence", "nats-expected-last-subject-sequence", "nats-rollup"]);

export interface ReplayOneOptions {
  deadLetter: DeadLetter;
  /** Sent as Nats-Msg-Id: a second publish with the same id inside the stream's duplicate window is dropped. */
  replayId: string;
  /** Publish here instead of the original subject. */
  subject?: string;
  /** This copy's replay count (1 for the first replay of the message), written as redrive-replay-count. */
  replayCount?: number;
  /** Delete the original from its work-queue stream once the copy is acknowledged. */
  deleteOriginal?: boolean;
  ackTimeoutMs?: number;
}

export interface PubAckSummary {
  stream: string;
  seq: number;
  /** The acknowledging stream's duplicate window (ms): a replay repeated after it is not deduplicated. */
  duplicateWindowMs: number | null;
}

export type ReplayOneResult =
  | { outcome: "replayed"; key: string; subject: string; pubAck: PubAckSummary; originalDeleted: boolean }
  /** The stream already held this replay id (an earlier attempt landed): no second copy; seq is the earlier copy's. */
  | { outcome: "duplicate"; key: string; subject: string; pubAck: PubAckSummary; originalDeleted: boolean }
  /** The original is no longer in its stream: there is nothing to republish. */
  | { outcome: "gone"; key: string; reason: string }
  /** Refused before publishing anything. */
  | { outcome: "refused"; key: string; reason: string }
  /** No stream captures the subject: nothing was stored. */
  | { outcome: "no-stream"; key: string; subject: string; reason: string }
  /** No PubAck (timeout or an API error). A copy may exist if only the ack was late: retry with the same replay id. */
  | { outcome: "not-acknowledged"; key: string; subject: string; reason: string };

/** The original headers for the copy, without the ones the server acts on, plus replay provenance. */
export function replayHeaders(original: Record<string, string[]>, replayedFrom: string, replay?: { replayId: string; count: number }): MsgHdrs {
  const out = newHeaders();
  const own = new Set([REPLAYED_FROM_HEADER, REPLAY_ID_HEADER, REPLAY_COUNT_HEADER].map((h) => h.toLowerCase()));
  for (const [name, values] of Object.entries(original)) {
    if (DROPPED_HEADERS.has(name.toLowerCase()) || own.has(name.toLowerCase())) continue;
    for (const value of values) out.append(name, value);
  }
  out.set(REPLAYED_FROM_HEADER, replayedFrom);
  if (replay) {
    out.set(REPLAY_ID_HEADER, replay.replayId);
    out.set(REPLAY_COUNT_HEADER, String(replay.count));
  }
  return out;
}

/** The client wraps "no responders" as JetStreamNotEnabled (not exported) with the RequestError as its cause. */
function isNoResponders(error: unknown): boolean {
  const cause = error instanceof Error ? error.cause : undefined;
  return (cause instanceof RequestError && cause.isNoResponders()) || (error instanceof RequestError && error.isNoResponders());
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Replays one dead letter: publishes its original message (subject, headers, payload) with Nats-Msg-Id = the
 * replay id, waits for the PubAck, and only then reports it replayed and, when asked, deletes the original
 * from its work-queue stream. A duplicate PubAck means an earlier attempt with this id landed: the copy exists.
 */
export async function replayOne(session: Pick<NatsSession, "js" | "jsm" | "config">, options: ReplayOneOptions): Promise<ReplayOneResult> {
  const { deadLetter, replayId } = options;
  const { key, advisory, original } = deadLetter;
  if (!replayId.trim()) return { outcome: "refused", key, reason: "a replay id is required (it is the Nats-Msg-Id that makes a repeat harmless)" };
  if (original.state === "gone") return { outcome: "gone", key, reason: `message ${advisory.stream}:${advisory.streamSeq} is no longer in its stream (${original.reason})` };
  if (options.deleteOriginal) {
    // Checked before publishing so a refusal leaves nothing half done.
    const source = await streamInfo(session.jsm, advisory.stream);
    if (source.retention !== "workqueue") return { outcome: "refused", key, reason: `"${advisory.stream}" has ${source.retention} retention: only work-queue originals are deleted on replay` };
  }
  const subject = options.subject ?? original.subject;
  if (!/^[^\s*>.]+(\.[^\s*>.]+)*$/.test(subject)) return { outcome: "refused", key, reason: `"${subject}" is not a publishable subject (no wildcards, spaces or empty tokens)` };
  let ack: PubAck;
  try {
    ack = await session.js.publish(subject, original.payload, {
      msgID: replayId,
      headers: replayHeaders(original.headers, `${advisory.stream}:${advisory.streamSeq}`, options.replayCount === undefined ? undefined : { replayId, count: options.replayCount }),
      timeout: options.ackTimeoutMs ?? session.config.timeouts.publishAckMs,
    });
  } catch (error) {
    // No responders on a JetStream publish: no stream listens on the subject (the client calls it "not enabled").
    if (isNoResponders(error)) return { outcome: "no-stream", key, subject, reason: `no stream captures subject "${subject}"` };
    if (error instanceof TimeoutError) return { outcome: "not-acknowledged", key, subject, reason: `no PubAck: ${reasonOf(error)}` };
    if (error instanceof JetStreamApiError) return { outcome: "not-acknowledged", key, subject, reason: `the stream refused the copy: ${reasonOf(error)}` };
    throw error;
  }
  const window = await streamInfo(session.jsm, ack.stream).then(
    (s) => s.duplicateWindowMs,
    () => null,
  );
  const pubAck = { stream: ack.stream, seq: ack.seq, duplicateWindowMs: window };
  // Only now, with the copy acknowledged (now or by an earlier attempt): remove the original.
  const originalDeleted = options.deleteOriginal ? await deleteOriginal(session, advisory.stream, advisory.streamSeq) : false;
  return { outcome: ack.duplicate ? "duplicate" : "replayed", key, subject, pubAck, originalDeleted };
}

/** Deletes by sequence; a message already gone (work-queue ack, limits) counts as deleted. */
async function deleteOriginal(session: Pick<NatsSession, "jsm">, stream: string, seq: number): Promise<boolean> {
  try {
    return await session.jsm.streams.deleteMessage(stream, seq, false);
  } catch (error) {
    // 10037: no message found.
    if (error instanceof JetStreamApiError && error.code === 10037) return true;
    throw error;
  }
}
