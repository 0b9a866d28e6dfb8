import { randomUUID } from "node:crypto";
import { and, eq, inArray } from "drizzle-orm";
import { batchReplay, type BatchReplayRecord } from "~/server/brokers/rabbitmq";
import type { RabbitMqAdapter } from "~/server/brokers/rabbitmq/adapter";
import { REPLAY_ID_HEADER } from "~/server/brokers/rabbitmq/replay-copy";
import { formatRabbitTarget, parseRabbitTarget } from "~/server/brokers/rabbitmq/targets";
import type { ControlDb } from "~/server/db/control-store";
import { replayJobItems } from "~/server/db/schema";
import { DEFAULT_REPLAY_LIMIT } from "~/server/replay/headers";
import type { ReplayJob } from "./dry-run";
import type { BatchOutcome, ReplayExecutor } from "./executor";
import { addCounters, markCameBack, nextItems, updateItems, writeLedger, type ItemUpdate, type ReplayItem } from "./items";

// Copies whose original could still come back after a crash (batchReplay's bound on duplicates).
const CONFIRM_WINDOW = 256;

/**
 * Replays RabbitMQ dead letters with batchReplay: each batch marks its next items "sending" (replay id stored),
 * then one run reads the DLQ (at most its depth) and replays exactly those items' messages (by messageKey),
 * publishing each copy mandatory behind a confirm and acknowledging the original only after it. What the run
 * took and did not replay goes back to the DLQ when it ends. A worker that dies mid-run loses its channels:
 * RabbitMQ requeues every unacknowledged original by itself, so recover() has nothing to put back; a copy
 * confirmed before the crash may then be sent again, so items left "sending" count as possible duplicates
 * (as the SQS executor counts them). A message is named by its messageKey (message-id, else a content hash);
 * two identical messages without a message-id share a key, and one item replays one of them.
 */
export class RabbitReplayExecutor implements ReplayExecutor {
  private open = new Map<number, ReplayItem>();
  private recovered = new Set<number>();
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
    // The broker already returned the crashed batch's unacknowledged originals; only their copies may exist twice.
    const sending = [...this.open.values()].filter((item) => item.state === "sending" || item.state === "sent");
    for (const item of sending) this.recovered.add(item.seq);
    return sending.length;
  }

  async runBatch(limit: number): Promise<BatchOutcome> {
    if (this.open.size === 0) return { processed: 0, finished: true };
    // The DLQ and the connection first: failing here leaves every item as it was.
    const connection = await this.adapter.amqp();
    const dlq = await this.adapter.management.queue(this.job.dlq);
    if (!dlq) throw new Error(`Queue "${this.job.dlq}" does not exist on "${this.adapter.name}".`);
    const batch = [...this.open.values()].sort((a, b) => a.seq - b.seq).slice(0, limit);
    const replayIds = new Map(batch.map((item) => [item.seq, item.replayId ?? randomUUID()]));
    const duplicates = batch.filter((item) => this.recovered.has(item.seq)).length;
    await updateItems(this.db, this.job.id, batch.map((item) => ({ seq: item.seq, state: "sending" as const, replayId: replayIds.get(item.seq)!, attempt: true })));
    if (duplicates > 0) await addCounters(this.db, this.job.id, { duplicates });
    for (const item of batch) this.recovered.delete(item.seq);

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
    });
    // A run that fails (refused up front, or the connection lost) still settles what it did before rethrowing.
    let failure: unknown = null;
    const result = await run.catch((error: unknown) => {
      failure = error;
      return null;
    });

    const updates: ItemUpdate[] = [];
    const ledger: Parameters<typeof writeLedger>[2] = [];
    let done = 0;
    let skipped = 0;
    let failed = 0;
    for (const { item, replayCount, record } of records) {
      this.open.delete(item.seq);
      const target = record.destination ? formatRabbitTarget(record.destination) : item.target;
      if (record.outcome === "replayed") {
        done += 1;
        updates.push({ seq: item.seq, state: "done", targetPosition: record.replayId });
        ledger.push({ replayId: replayIds.get(item.seq)!, messageId: item.messageId, target, targetPosition: record.replayId, replayCount: replayCount + 1, action: "replay" });
      } else if (record.outcome === "loop-guard") {
        skipped += 1;
        updates.push({ seq: item.seq, state: "skipped", outcome: `quarantined: ${record.reason ?? `already replayed ${DEFAULT_REPLAY_LIMIT} times`}` });
      } else {
        failed += 1;
        updates.push({ seq: item.seq, state: "failed", outcome: `${record.outcome}: ${record.reason ?? "no reason given"}` });
      }
    }
    // Matched without a fate recorded: after a finished run nothing was published for it, so it is taken again; after a
    // failed one its copy may have been published unconfirmed, so it stays "sending" (a possible duplicate when retried).
    if (result) for (const list of matchedBy.values()) for (const { item } of list) updates.push({ seq: item.seq, state: "pending" });
    else for (const list of matchedBy.values()) for (const { item } of list) this.recovered.add(item.seq);
    // A run that read the whole DLQ without finding an item's message: it left the DLQ (consumed, purged, expired).
    const readAll = result?.stop === "drained";
    for (const list of wanted.values()) {
      for (const item of list) {
        if (readAll) {
          this.open.delete(item.seq);
          skipped += 1;
          updates.push({ seq: item.seq, state: "skipped", outcome: "no longer in the DLQ (replayed, consumed, expired or moved elsewhere)" });
        } else {
          updates.push({ seq: item.seq, state: "pending" });
        }
      }
    }
    await this.db.transaction(async (tx) => {
      await updateItems(tx, this.job.id, updates);
      await writeLedger(tx, this.job, ledger);
      await addCounters(tx, this.job.id, { done, skipped, failed });
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
