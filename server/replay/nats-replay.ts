import { randomUUID } from "node:crypto";
import type { NatsAdapter } from "~/server/brokers/nats/adapter";
import type { ControlDb } from "~/server/db/control-store";
import { replayLedger } from "~/server/db/schema";
import { fromDeadLetter, natsMessage } from "~/server/dlq/nats-dlq";
import { refuseMissingTarget } from "./audience";
import { DEFAULT_REPLAY_LIMIT, replayCountOf } from "./headers";
import { ReplayRefused } from "./refused";
import type { ReplayResult } from "./replay-one";

/**
 * Replays one JetStream dead letter (by its capture-stream sequence): republishes the original message (its
 * subject, or the chosen one; its headers; its payload) with Nats-Msg-Id = a new replay id, so the stream's
 * duplicate window drops a second copy of the same attempt, and Redrive's replay id and count headers. Waits for
 * the PubAck; only then writes the ledger row. Refused before publishing: a message gone from its stream, the
 * loop guard, a subject no stream stores. The dead letter itself stays (an advisory is a record, not a queue).
 */
export async function replayNatsMessage(
  db: ControlDb,
  adapter: NatsAdapter,
  dlq: string,
  id: string,
  options: { subject?: string; overrideLoopGuard?: boolean; replayedBy: string },
): Promise<ReplayResult> {
  const dead = await natsMessage(adapter, dlq, id);
  if (!dead) throw new ReplayRefused(`No dead letter ${id} of ${dlq} (its advisory aged out of the capture stream?).`);
  if (dead.original.state === "gone") {
    const why = dead.original.reason === "stream-deleted" ? "its stream was deleted" : "the stream's retention or limits removed it";
    throw new ReplayRefused(`Nothing to republish: message ${dead.advisory.stream}:${dead.advisory.streamSeq} is no longer in its stream (${why}).`);
  }
  const subject = options.subject ?? dead.original.subject;
  const count = replayCountOf(fromDeadLetter(dead).headers);
  if (count >= DEFAULT_REPLAY_LIMIT && !options.overrideLoopGuard) {
    throw new ReplayRefused(`Quarantined: this message was already replayed ${count} times and died again. Replay it again only with an explicit override.`);
  }
  await refuseMissingTarget(adapter, subject);
  const replayId = randomUUID();
  const result = await adapter.replayOne(dead, { replayId, replayCount: count + 1, subject });
  if (result.outcome !== "replayed" && result.outcome !== "duplicate") throw new ReplayRefused(`Nothing was recorded as replayed: ${result.reason}.`);
  const targetPosition = `${result.pubAck.stream}:${result.pubAck.seq}`;
  await db.insert(replayLedger).values({
    replayId,
    kind: "nats",
    connection: adapter.name,
    dlq,
    messageId: id,
    target: result.subject,
    targetPosition,
    replayCount: count + 1,
    replayedBy: options.replayedBy,
  });
  return { replayId, target: result.subject, targetPosition, replayCount: count + 1 };
}
