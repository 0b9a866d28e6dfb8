import { randomUUID } from "node:crypto";
import { and, eq, inArray } from "drizzle-orm";
import { batchReplay, type BatchReplayRecord } from "~/server/brokers/rabbitmq";
import type { RabbitMqAdapter } from "~/server/brokers/rabbitmq/adapter";
import { REPLAY_ID_HEADER } from "~/server/brokers/rabbitmq/replay-copy";
import { formatRabbitTarget, parseRabbitTarget } from "~/server/brokers/rabbitmq/targets";
import type { ControlDb } from "~/server/db/control-store";
import { replayJobItems, replayJobs } from "~/server/db/schema";
import { DEFAULT_REPLAY_LIMIT } from "~/server/replay/headers";
import type { ReplayJob } from "./dry-run";
import type { BatchOutcome, ReplayExecutor } from "./executor";
import { addCounters, markCameBack, nextItems, updateItems, writeLedger, type ItemUpdate, type ReplayItem } from "./items";

// Copies whose original could still come back after a crash (batchReplay's bound on duplicates).
const CONFIRM_WINDOW = 256;
// How far ahead of the publishes the in-flight note is written (items): about two writes' worth of publishes at the
// run's pace, so a publish rarely waits for the write, and no further (the note's slack widens the duplicate bound).
const LEASE_MIN = 16;
const LEASE_MAX = 128;
/** The outcome of an item counted in the job's duplicates. */
export const POSSIBLE_DUPLICATE = "replayed again after its worker died: the copy published before may exist too (a possible duplicate)";

/**
 * Replays RabbitMQ dead letters with batchReplay: each batch marks its next items "sending" (replay id stored),
 * then one run reads the DLQ (at most its depth) and replays exactly those items' messages (by messageKey),
 * publishing each copy mandatory behind a confirm and acknowledging the original only after it. What the run
 * took and did not replay goes back to the DLQ when it ends. A worker that dies mid-run loses its channels:
 * RabbitMQ requeues every unacknowledged original by itself, so recover() has nothing to put back.
 *
 * Duplicates: before a copy is published, the job's in-flight note (written a little ahead of the publishes, in
 * snapshot order) covers its item, so after a crash the items that may have a copy are the ones the note covers
 * (and those left "sent", which an earlier crash may have published). Of those, one whose original is gone from
 * the DLQ was acknowledged, which batchReplay does only after its copy's confirm: it was replayed once, before
 * the crash (done). One whose original is back is replayed again, and its first copy may exist: counted as a
 * duplicate and named so in its outcome. Which of those the broker had really received no client can know (a
 * publish whose confirm was lost with the process may or may not have been routed), so the count is an upper
 * bound (the job shows "up to N": no "exact-duplicate-count" capability): the covered items replayed again,
 * at most batchReplay's confirm window of them per crash (the copies that can be unconfirmed, or confirmed with
 * their ack not yet known to the broker). Items the note did not cover were never published: no duplicate. A message is named by its messageKey (message-id, else a
 * content hash); two identical messages without a message-id share a key, and one item replays one of them.
 */
export class RabbitReplayExecutor implements ReplayExecutor {
  private open = new Map<number, ReplayItem>();
  /** Items a crashed or failed run may have published: replayed again, each may be a duplicate. */
  private recovered = new Set<number>();
  /** Of those, the ones the crashed run's note covered: at most a confirm window of them are duplicates (`budget`). */
  private covered = new Set<number>();
  private budget = 0;
  /** Copies seen back in the DLQ, by their x-redrive-replay-id (which the item keeps as its target position). */
  private returns: { copyId: string; where: string }[] = [];

  constructor(
    private readonly db: ControlDb,
    private readonly adapter: RabbitMqAdapter,
    private readonly job: ReplayJob,
  ) {}

  async prepare(): Promise<void> {
    if (this.job.action !== "replay") throw new Error(`RabbitMQ jobs can only replay (not ${this.job.action}).`);
    const open = await nextItems(this.db, this.job.id, ["pending", "sending", "sent"], 10_000_000);
    this.open = new Map(open.map((item) => [item.seq, item]));
  }

  async recover(): Promise<number> {
    // The broker already returned the crashed batch's unacknowledged originals. Those that may have a copy: the ones
    // the crashed run's in-flight note covered, and the ones still "sent" from an earlier crash.
    const note = this.job.inFlight;
    const inFlight = [...this.open.values()].filter((item) => item.state === "sending" || item.state === "sent");
    for (const item of inFlight) {
      if (item.state === "sent") this.recovered.add(item.seq);
      else if (note && item.seq >= note.fromSeq && item.seq <= note.toSeq) {
        this.recovered.add(item.seq);
        this.covered.add(item.seq);
      }
    }
    // Copies whose originals can come back after one crash: at most batchReplay's confirm window.
    if (this.covered.size > 0) this.budget = CONFIRM_WINDOW;
    return inFlight.length;
  }

  async runBatch(limit: number): Promise<BatchOutcome> {
    if (this.open.size === 0) return { processed: 0, finished: true };
    // The DLQ and the connection first: failing here leaves every item as it was.
    const connection = await this.adapter.amqp();
    const dlq = await this.adapter.management.queue(this.job.dlq);
    if (!dlq) throw new Error(`Queue "${this.job.dlq}" does not exist on "${this.adapter.name}".`);
    const batch = [...this.open.values()].sort((a, b) => a.seq - b.seq).slice(0, limit);
    const replayIds = new Map(batch.map((item) => [item.seq, item.replayId ?? randomUUID()]));
    // An item a crash may have published stays "sent" until it is settled: another crash must still count it.
    const stateOf = (seq: number) => (this.recovered.has(seq) ? ("sent" as const) : ("pending" as const));
    await updateItems(this.db, this.job.id, batch.map((item) => ({ seq: item.seq, state: this.recovered.has(item.seq) ? ("sent" as const) : ("sending" as const), replayId: replayIds.get(item.seq)!, attempt: true })));

    // The write-ahead: before an item's copy is published, the job's in-flight note says the batch's items up to it
    // (in snapshot order, the DLQ's order as the run reads it) may be published. One row, written ahead while the
    // run publishes (how far: the publishes two writes take), so a publish rarely waits for it.
    const position = new Map(batch.map((item, i) => [item.seq, i]));
    let marked = 0; // batch[0, marked) are in a note written or being written
    let written = 0; // batch[0, written) are in a note written
    let marking: Promise<void> = Promise.resolve();
    let writeMs = 10; // a note write's time, smoothed
    let firstPublishAt = 0;
    let publishes = 0;
    const ahead = () => {
      const perMs = publishes > 1 ? publishes / Math.max(1, performance.now() - firstPublishAt) : 0;
      return Math.min(LEASE_MAX, Math.max(LEASE_MIN, Math.ceil(perMs * writeMs * 2)));
    };
    const markUpTo = (end: number) => {
      const upTo = Math.min(end, batch.length);
      if (upTo <= marked) return;
      marked = upTo;
      const note = { fromSeq: batch[0]!.seq, toSeq: batch[upTo - 1]!.seq, offsets: {} };
      marking = marking.then(async () => {
        const started = performance.now();
        await this.db.update(replayJobs).set({ inFlight: note }).where(eq(replayJobs.id, this.job.id));
        writeMs = 0.7 * writeMs + 0.3 * (performance.now() - started);
        written = Math.max(written, upTo);
      });
      marking.catch(() => undefined); // a failed note is rethrown to the publish that waits for it
    };
    const lease = async (item: ReplayItem) => {
      const at = position.get(item.seq)!;
      if (publishes++ === 0) firstPublishAt = performance.now();
      if (at >= marked) markUpTo(at + ahead());
      if (at >= written) await marking;
      if (at >= marked - ahead()) markUpTo(marked + ahead());
    };
    const leased = (item: ReplayItem) => position.get(item.seq)! < written;

    // Which item a message is, by key: the first unmatched item with that key takes it.
    const wanted = new Map<string, ReplayItem[]>();
    for (const item of batch) wanted.set(item.messageId, [...(wanted.get(item.messageId) ?? []), item]);
    const matchedBy = new Map<string, { item: ReplayItem; replayCount: number }[]>();
    const records: { item: ReplayItem; replayCount: number; record: BatchReplayRecord }[] = [];
    const run = batchReplay(connection, {
      dlq,
      match: ({ key, replayCount, headers }) => {
        this.noteReturn(headers, key);
        const item = wanted.get(key)?.shift();
        if (!item) return false;
        matchedBy.set(key, [...(matchedBy.get(key) ?? []), { item, replayCount }]);
        return true;
      },
      onRecord: (record) => {
        const matched = matchedBy.get(record.key)?.shift();
        if (matched) records.push({ ...matched, record });
      },
      destination: this.job.target ? parseRabbitTarget(this.job.target) : undefined,
      limit: batch.length,
      ratePerSecond: this.job.options.ratePerSecond,
      maxReplays: DEFAULT_REPLAY_LIMIT,
      force: this.job.options.overrideLoopGuard,
      confirmWindow: CONFIRM_WINDOW,
      // The message being published is the last one matched with its key (the run handles one message at a time).
      beforePublish: ({ key }) => lease(matchedBy.get(key)!.at(-1)!.item),
    });
    // A run that fails (refused up front, or the connection lost) still settles what it did before rethrowing.
    let failure: unknown = null;
    const result = await run.catch((error: unknown) => {
      failure = error;
      return null;
    });
    // The marks written ahead land before the outcomes are written over them.
    await marking.catch(() => undefined);

    const updates: ItemUpdate[] = [];
    const ledger: Parameters<typeof writeLedger>[2] = [];
    let done = 0;
    let skipped = 0;
    let failed = 0;
    // Recovered items replayed again: their first copies may exist. Each is named a possible duplicate in its outcome;
    // the job counts them, those the crashed run's note covered up to a confirm window (an upper bound either way).
    let replayedAgain = 0;
    let coveredAgain = 0;
    for (const { item, replayCount, record } of records) {
      this.open.delete(item.seq);
      const wasRecovered = this.recovered.delete(item.seq);
      const target = record.destination ? formatRabbitTarget(record.destination) : item.target;
      if (record.outcome === "replayed") {
        done += 1;
        if (wasRecovered && this.covered.delete(item.seq)) coveredAgain += 1;
        else if (wasRecovered) replayedAgain += 1;
        updates.push({ seq: item.seq, state: "done", targetPosition: record.replayId, outcome: wasRecovered ? POSSIBLE_DUPLICATE : null });
        ledger.push({ replayId: replayIds.get(item.seq)!, messageId: item.messageId, target, targetPosition: record.replayId, replayCount: replayCount + 1, action: "replay" });
      } else if (record.outcome === "loop-guard") {
        skipped += 1;
        updates.push({ seq: item.seq, state: "skipped", outcome: `quarantined: ${record.reason ?? `already replayed ${DEFAULT_REPLAY_LIMIT} times`}` });
      } else {
        failed += 1;
        updates.push({ seq: item.seq, state: "failed", outcome: `${record.outcome}: ${record.reason ?? "no reason given"}` });
      }
    }
    // Matched without a fate recorded: taken again. One the note covered may have been published without a confirm
    // (the run failed, or its last confirms timed out): it is left "sent", a possible duplicate when replayed again.
    for (const list of matchedBy.values()) {
      for (const { item } of list) {
        if (leased(item)) this.recovered.add(item.seq);
        updates.push({ seq: item.seq, state: stateOf(item.seq) });
      }
    }
    // A run that read the whole DLQ without finding an item's message: it left the DLQ (consumed, purged, expired).
    const readAll = result?.stop === "drained";
    for (const list of wanted.values()) {
      for (const item of list) {
        if (readAll && this.recovered.delete(item.seq)) {
          // Taken by the run that died, and its original acknowledged: only after its copy's confirm. Replayed, once.
          this.open.delete(item.seq);
          done += 1;
          updates.push({ seq: item.seq, state: "done", outcome: "replayed before its worker died (its DLQ message was acknowledged after its copy's confirm)" });
          ledger.push({ replayId: item.replayId ?? replayIds.get(item.seq)!, messageId: item.messageId, target: item.target, targetPosition: null, replayCount: 1, action: "replay" });
        } else if (readAll) {
          this.open.delete(item.seq);
          skipped += 1;
          updates.push({ seq: item.seq, state: "skipped", outcome: "no longer in the DLQ (replayed, consumed, expired or moved elsewhere)" });
        } else {
          updates.push({ seq: item.seq, state: stateOf(item.seq) });
        }
      }
    }
    for (const seq of [...this.covered]) if (!this.recovered.has(seq)) this.covered.delete(seq);
    const duplicates = replayedAgain + Math.min(coveredAgain, this.budget);
    this.budget -= Math.min(coveredAgain, this.budget);
    await this.db.transaction(async (tx) => {
      await updateItems(tx, this.job.id, updates);
      await writeLedger(tx, this.job, ledger);
      // The items the note covered are settled, or "sent" when they may have been published.
      await addCounters(tx, this.job.id, { done, skipped, failed, duplicates }, { inFlight: null });
    });
    if (failure) throw failure instanceof Error ? failure : new Error(String(failure));
    if (result?.stop === "error") throw new Error(`RabbitMQ replay of "${this.job.dlq}" stopped: ${result.reason ?? "unknown error"}`);
    const processed = records.length + (readAll ? [...wanted.values()].flat().length : 0);
    // Nothing found and the DLQ not read to its end (idle, held limit): look again in a moment.
    if (processed === 0) await new Promise((resolve) => setTimeout(resolve, 1_000));
    return { processed, finished: this.open.size === 0 };
  }

  private noteReturn(headers: Record<string, unknown>, key: string): void {
    const copyId = headers[REPLAY_ID_HEADER];
    if (typeof copyId === "string") this.returns.push({ copyId, where: `${this.job.dlq}/${key}` });
  }

  /**
   * Copies that died again are back in the DLQ with their x-redrive-replay-id: the runs see them in passing; the
   * canary's watch (thorough) also browses the DLQ's first page (read and returned, as the DLQ page does).
   */
  async checkCameBack(thorough: boolean): Promise<number> {
    if (this.job.action !== "replay") return 0;
    if (thorough && this.returns.length === 0) {
      // A DLQ a browse refuses (e.g. a quorum queue with a delivery limit) is only watched in passing.
      const page = await this.adapter.browse(this.job.dlq, 100).catch(() => null);
      for (const message of page?.messages ?? []) this.noteReturn(message.headers, message.key);
    }
    const returns = this.returns;
    this.returns = [];
    if (returns.length === 0) return 0;
    const items = await this.db
      .select({ replayId: replayJobItems.replayId, copyId: replayJobItems.targetPosition })
      .from(replayJobItems)
      .where(and(eq(replayJobItems.jobId, this.job.id), inArray(replayJobItems.targetPosition, [...new Set(returns.map((r) => r.copyId))])));
    const byCopy = new Map(items.map((item) => [item.copyId, item.replayId]));
    return markCameBack(
      this.db,
      this.job.id,
      returns.flatMap((r) => {
        const replayId = byCopy.get(r.copyId);
        return replayId ? [{ replayId, where: r.where }] : [];
      }),
    );
  }

  async close(): Promise<void> {
    // batchReplay closes its own channels; the adapter's connection belongs to the connection registry.
  }
}
