import { randomUUID } from "node:crypto";
import type { NatsAdapter } from "~/server/brokers/nats/adapter";
import type { ControlDb } from "~/server/db/control-store";
import { replayJobItems } from "~/server/db/schema";
import { fromDeadLetter, natsPage } from "~/server/dlq/nats-dlq";
import { captureSeqIds } from "~/server/brokers/nats/names";
import { DEFAULT_REPLAY_LIMIT, REPLAY_ID, replayCountOf } from "~/server/replay/headers";
import { and, eq, inArray } from "drizzle-orm";
import type { ReplayJob } from "./dry-run";
import type { BatchOutcome, ReplayExecutor } from "./executor";
import { addCounters, markCameBack, nextItems, updateItems, writeLedger, type ItemUpdate, type ReplayItem } from "./items";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Dead letters read at most per came-back check. */
const WATCH_PAGE = 500;

/**
 * Replays a NATS consumer's dead letters (items named by their capture-stream sequence) one by one: each item is
 * marked "sending" with its replay id before its copy is published, the copy carries Nats-Msg-Id = that replay id,
 * and the item is done (and ledgered) only after the PubAck. An item a dead worker left "sending" is published
 * again with the same replay id: inside the stream's duplicate window the server drops the second copy (its
 * PubAck says duplicate), so a crash mid-batch sends nothing twice; a retry after the window may (counted as a
 * possible duplicate then, as the other executors count theirs). Dead letters are records, not a queue: nothing
 * is taken from or returned to anything, so a failed run leaves only unpublished items pending.
 */
export class NatsReplayExecutor implements ReplayExecutor {
  private recovered = new Set<number>();
  /** Capture-stream sequence from which dead letters are new since this slice began (copies that died again). */
  private watchFrom: number | null = null;

  constructor(
    private readonly db: ControlDb,
    private readonly adapter: NatsAdapter,
    private readonly job: ReplayJob,
  ) {}

  async prepare(): Promise<void> {
    if (this.job.action !== "replay") throw new Error(`NATS jobs can only replay (not ${this.job.action}).`);
    const last = await this.adapter.captureLastSeq();
    this.watchFrom = last === null ? null : last + 1;
  }

  async recover(): Promise<number> {
    const sending = await nextItems(this.db, this.job.id, ["sending", "sent"], 10_000_000);
    for (const item of sending) this.recovered.add(item.seq);
    return sending.length;
  }

  async runBatch(limit: number): Promise<BatchOutcome> {
    const batch = await nextItems(this.db, this.job.id, ["pending", "sending", "sent"], limit);
    if (batch.length === 0) return { processed: 0, finished: true };
    const replayIds = new Map(batch.map((item) => [item.seq, item.replayId ?? randomUUID()]));
    await updateItems(this.db, this.job.id, batch.map((item) => ({ seq: item.seq, state: "sending" as const, replayId: replayIds.get(item.seq)!, attempt: true })));
    const pace = this.job.options.ratePerSecond ? 1_000 / this.job.options.ratePerSecond : 0;
    let done = 0;
    let skipped = 0;
    let failed = 0;
    let duplicates = 0;
    let failure: unknown = null;
    const updates: ItemUpdate[] = [];
    const ledger: Parameters<typeof writeLedger>[2] = [];
    for (const item of batch) {
      try {
        const outcome = await this.replayItem(item, replayIds.get(item.seq)!);
        updates.push(outcome.update);
        if (outcome.update.state === "done") {
          done += 1;
          ledger.push(outcome.ledger!);
          // A recovered item the stream did not recognise as a duplicate: its first copy either never landed, or landed
          // longer ago than the duplicate window (then there may be two). Counted as possible only in the second case.
          const since = item.updatedAt ? Date.now() - item.updatedAt.getTime() : Number.POSITIVE_INFINITY;
          if (this.recovered.has(item.seq) && !outcome.duplicate && (outcome.windowMs == null || since > outcome.windowMs)) duplicates += 1;
        } else if (outcome.update.state === "skipped") skipped += 1;
        else failed += 1;
        this.recovered.delete(item.seq);
      } catch (error) {
        // No PubAck (or the server went away): this item and the rest stay "sending", retried with the same replay id.
        failure = error;
        break;
      }
      if (pace > 0) await sleep(pace);
    }
    await this.db.transaction(async (tx) => {
      await updateItems(tx, this.job.id, updates);
      await writeLedger(tx, this.job, ledger);
      await addCounters(tx, this.job.id, { done, skipped, failed, duplicates });
    });
    if (failure) throw failure instanceof Error ? failure : new Error(String(failure));
    return { processed: updates.length, finished: batch.length < limit && updates.length === batch.length };
  }

  private async replayItem(item: ReplayItem, replayId: string): Promise<{ update: ItemUpdate; ledger?: Parameters<typeof writeLedger>[2][number]; duplicate?: boolean; windowMs?: number | null }> {
    const seq = captureSeqIds.parse(item.messageId);
    const dead = seq === null ? null : await this.adapter.deadLetter(this.job.dlq, seq);
    if (!dead) return { update: { seq: item.seq, state: "skipped", outcome: "no longer recorded (its advisory aged out of the capture stream)" } };
    if (dead.original.state === "gone") return { update: { seq: item.seq, state: "skipped", outcome: `the original is no longer in its stream (${dead.original.reason})` } };
    const count = replayCountOf(fromDeadLetter(dead).headers);
    if (count >= DEFAULT_REPLAY_LIMIT && !this.job.options.overrideLoopGuard) {
      return { update: { seq: item.seq, state: "skipped", outcome: `quarantined: already replayed ${count} times` } };
    }
    const result = await this.adapter.replayOne(dead, { replayId, replayCount: count + 1, subject: this.job.target ?? undefined });
    if (result.outcome === "not-acknowledged") throw new Error(`no PubAck for ${this.job.dlq} dead letter ${item.messageId}: ${result.reason}`);
    if (result.outcome !== "replayed" && result.outcome !== "duplicate") return { update: { seq: item.seq, state: "failed", outcome: `${result.outcome}: ${result.reason}` } };
    const position = `${result.pubAck.stream}:${result.pubAck.seq}`;
    return {
      update: { seq: item.seq, state: "done", targetPosition: position },
      ledger: { replayId, messageId: item.messageId, target: result.subject, targetPosition: position, replayCount: count + 1, action: "replay" },
      duplicate: result.outcome === "duplicate",
      windowMs: result.pubAck.duplicateWindowMs,
    };
  }

  /** Copies that died again are new dead letters of the set carrying redrive-replay-id: read from where this slice began. */
  async checkCameBack(): Promise<number> {
    if (this.job.action !== "replay" || this.watchFrom === null) return 0;
    const page = await natsPage(this.adapter, this.job.dlq, this.watchFrom, WATCH_PAGE).catch(() => null);
    if (!page) return 0;
    const returns = page.messages.flatMap((m) => {
      const raw = m.headers.get(REPLAY_ID);
      return raw ? [{ replayId: Buffer.from(raw).toString("utf8"), where: `${this.job.dlq}/${m.id}` }] : [];
    });
    if (page.nextSeq !== null) this.watchFrom = page.nextSeq;
    else if (page.messages.length > 0) this.watchFrom = Number(page.messages.at(-1)!.id) + 1;
    if (returns.length === 0) return 0;
    const known = await this.db
      .select({ replayId: replayJobItems.replayId })
      .from(replayJobItems)
      .where(and(eq(replayJobItems.jobId, this.job.id), inArray(replayJobItems.replayId, [...new Set(returns.map((r) => r.replayId))].filter((id) => /^[0-9a-f-]{36}$/i.test(id)))));
    const ids = new Set(known.map((k) => k.replayId));
    return markCameBack(this.db, this.job.id, returns.filter((r) => ids.has(r.replayId)));
  }

  async close(): Promise<void> {
    // The adapter's connection belongs to the connection registry.
  }
}
