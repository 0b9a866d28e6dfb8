import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import type { KafkaAdapter, ProducedRecord } from "~/server/brokers/kafka";
import type { FetchedRecord } from "~/server/brokers/kafka-cluster";
import type { ControlDb } from "~/server/db/control-store";
import { replayJobs } from "~/server/db/schema";
import { fromKafkaRecord, type RawDlqMessage } from "~/server/dlq/messages";
import { DEFAULT_REPLAY_LIMIT, REPLAY_COUNT, REPLAY_ID, replayCountOf, replayHeaders } from "~/server/replay/headers";
import type { ReplayJob } from "./dry-run";
import { addCounters, markCameBack, nextItems, updateItems, writeLedger, type ItemUpdate, type LedgerEntry, type ReplayItem } from "./items";
import type { BatchOutcome, ReplayExecutor } from "./executor";

const FETCH_BYTES = 4 * 1024 * 1024;

/** Reads the records at the given offsets of a topic, fetching each partition forward from its lowest wanted offset. */
async function readAt(adapter: KafkaAdapter, topic: string, wanted: { partition: number; offset: number }[]): Promise<Map<string, RawDlqMessage>> {
  const found = new Map<string, RawDlqMessage>();
  const remaining = new Map<number, Set<number>>();
  for (const { partition, offset } of wanted) {
    let set = remaining.get(partition);
    if (!set) remaining.set(partition, (set = new Set()));
    set.add(offset);
  }
  const position = new Map([...remaining].map(([partition, offsets]) => [partition, Math.min(...offsets)]));
  const end = new Map([...remaining].map(([partition, offsets]) => [partition, Math.max(...offsets)]));
  while (position.size > 0) {
    const batch = await adapter.readPartitions(topic, [...position].map(([partition, offset]) => ({ partition, offset })), FETCH_BYTES);
    for (const [partition, { records }] of batch) {
      const want = remaining.get(partition)!;
      let next = position.get(partition)!;
      for (const record of records as FetchedRecord[]) {
        const offset = Number(record.offset);
        if (want.has(offset)) found.set(`${partition}:${offset}`, fromKafkaRecord(partition, record));
        next = Math.max(next, offset + 1);
      }
      // Past the last wanted offset, or nothing more to read (deleted by retention or compaction): done.
      if (records.length === 0 || next > end.get(partition)!) position.delete(partition);
      else position.set(partition, next);
    }
  }
  return found;
}

/**
 * Replays Kafka dead letters batch by batch. For each batch: read the records, note the targets' end
 * offsets, mark the items "sending" with their replay ids, produce (idempotent, acks=all), and only then
 * mark them done and write the ledger. After a crash, a batch left "sending" is verified against the
 * targets (by replay id, from the noted offsets): what landed is marked done, the rest is sent again.
 */
export class KafkaReplayExecutor implements ReplayExecutor {
  constructor(
    private readonly db: ControlDb,
    private readonly adapter: KafkaAdapter,
    private job: ReplayJob,
  ) {}

  async prepare(): Promise<void> {
    if (this.job.action === "replay" && !this.job.watchFrom) {
      const offsets = await this.adapter.topicOffsets(this.job.dlq);
      const watchFrom = Object.fromEntries(offsets.map((p) => [String(p.partition), p.logEndOffset]));
      await this.db.update(replayJobs).set({ watchFrom }).where(eq(replayJobs.id, this.job.id));
      this.job = { ...this.job, watchFrom };
    }
  }

  async recover(): Promise<number> {
    const inFlight = await nextItems(this.db, this.job.id, ["sending"], 100_000);
    if (inFlight.length === 0) return 0;
    const [current] = await this.db.select({ inFlight: replayJobs.inFlight }).from(replayJobs).where(eq(replayJobs.id, this.job.id));
    const byReplayId = new Map(inFlight.map((item) => [item.replayId!, item]));
    const landed = new Map<string, { position: string; count: number }>();
    for (const [topic, partitions] of Object.entries(current?.inFlight ?? {})) {
      const offsets = await this.adapter.topicOffsets(topic);
      const positions = offsets
        .map((p) => ({ partition: p.partition, from: Math.max(p.logStartOffset, partitions[String(p.partition)] ?? p.logStartOffset), to: p.logEndOffset }))
        .filter((p) => p.from < p.to);
      for (const { partition, from, to } of positions) {
        let offset = from;
        while (offset < to) {
          const records = await this.adapter.readRecords(topic, partition, offset, FETCH_BYTES);
          if (records.length === 0) break;
          for (const record of records) {
            const id = record.headers?.[REPLAY_ID];
            const replayId = id ? String(Array.isArray(id) ? id.at(-1) : id) : null;
            if (replayId && byReplayId.has(replayId)) {
              const count = record.headers?.[REPLAY_COUNT];
              landed.set(replayId, { position: `${partition}:${record.offset}`, count: Number(count ? String(Array.isArray(count) ? count.at(-1) : count) : 0) || 0 });
            }
          }
          offset = Number(records.at(-1)!.offset) + 1;
        }
      }
    }
    const updates: ItemUpdate[] = [];
    const ledger: LedgerEntry[] = [];
    for (const item of inFlight) {
      const copy = landed.get(item.replayId!);
      if (copy) {
        updates.push({ seq: item.seq, state: "done", targetPosition: copy.position, outcome: "verified in the target after an interrupted send" });
        ledger.push({ replayId: item.replayId!, messageId: item.messageId, target: item.target, targetPosition: copy.position, replayCount: copy.count, action: "replay" });
      } else {
        // Not in the target: send again, with the same replay id.
        updates.push({ seq: item.seq, state: "pending" });
      }
    }
    await this.db.transaction(async (tx) => {
      await updateItems(tx, this.job.id, updates);
      await writeLedger(tx, this.job, ledger);
      await addCounters(tx, this.job.id, { done: ledger.length, recoveries: 1 }, { inFlight: null });
    });
    return inFlight.length;
  }

  async runBatch(limit: number): Promise<BatchOutcome> {
    const items = await nextItems(this.db, this.job.id, ["pending"], limit);
    if (items.length === 0) return { processed: 0, finished: true };
    if (this.job.action === "discard") return this.discard(items);

    const records = await readAt(
      this.adapter,
      this.job.dlq,
      items.map((item) => ({ partition: item.partition!, offset: item.offset! })),
    );
    const skipped: ItemUpdate[] = [];
    const sending: { item: ReplayItem; record: ProducedRecord; replayId: string; count: number }[] = [];
    for (const item of items) {
      const message = records.get(item.messageId);
      if (!message) {
        skipped.push({ seq: item.seq, state: "skipped", outcome: "no longer in the DLQ (removed by retention or compaction)" });
        continue;
      }
      const previous = replayCountOf(message.headers);
      if (previous >= DEFAULT_REPLAY_LIMIT && !this.job.options.overrideLoopGuard) {
        skipped.push({ seq: item.seq, state: "skipped", outcome: `quarantined: already replayed ${previous} times` });
        continue;
      }
      const replayId = item.replayId ?? randomUUID();
      sending.push({
        item,
        replayId,
        count: previous + 1,
        record: {
          topic: item.target!,
          key: message.key ? Buffer.from(message.key) : null,
          value: message.value ? Buffer.from(message.value) : null,
          headers: replayHeaders(message.headers, { replayId, count: previous + 1, from: `${this.job.dlq}/${item.messageId}`, keepErrorHeaders: this.job.options.keepErrorHeaders }),
        },
      });
    }

    // Where the targets end now: after a crash, the batch is looked for from here.
    const inFlight: Record<string, Record<string, number>> = {};
    for (const topic of new Set(sending.map((s) => s.record.topic))) {
      const offsets = await this.adapter.topicOffsets(topic);
      inFlight[topic] = Object.fromEntries(offsets.map((p) => [String(p.partition), p.logEndOffset]));
    }
    await this.db.transaction(async (tx) => {
      await updateItems(tx, this.job.id, [...skipped, ...sending.map((s) => ({ seq: s.item.seq, state: "sending" as const, replayId: s.replayId, attempt: true }))]);
      await addCounters(tx, this.job.id, { skipped: skipped.length }, { inFlight });
    });

    const positions = await this.adapter.produceBatch(sending.map((s) => s.record));

    // Acknowledged by the broker: only now are they done.
    await this.db.transaction(async (tx) => {
      await updateItems(
        tx,
        this.job.id,
        sending.map((s, index) => ({ seq: s.item.seq, state: "done" as const, targetPosition: `${positions[index]!.partition}:${positions[index]!.offset}` })),
      );
      await writeLedger(
        tx,
        this.job,
        sending.map((s, index) => ({
          replayId: s.replayId,
          messageId: s.item.messageId,
          target: s.record.topic,
          targetPosition: `${positions[index]!.partition}:${positions[index]!.offset}`,
          replayCount: s.count,
          action: "replay",
        })),
      );
      await addCounters(tx, this.job.id, { done: sending.length }, { inFlight: null });
    });
    return { processed: items.length, finished: false };
  }

  /** Discard: resolved in the ledger with the job's reason; the DLQ record stays (Kafka cannot delete one record). */
  private async discard(items: ReplayItem[]): Promise<BatchOutcome> {
    await this.db.transaction(async (tx) => {
      const entries = items.map((item) => ({ item, replayId: randomUUID() }));
      await updateItems(tx, this.job.id, entries.map(({ item, replayId }) => ({ seq: item.seq, state: "done" as const, replayId, outcome: "discarded" })));
      await writeLedger(
        tx,
        this.job,
        entries.map(({ item, replayId }) => ({ replayId, messageId: item.messageId, target: null, targetPosition: null, replayCount: 0, action: "discard", reason: this.job.reason })),
      );
      await addCounters(tx, this.job.id, { done: items.length });
    });
    return { processed: items.length, finished: false };
  }

  /** Finds replayed copies of this job that died again: new DLQ records carrying one of its replay ids. */
  async checkCameBack(): Promise<number> {
    if (this.job.action !== "replay" || !this.job.watchFrom) return 0;
    const offsets = await this.adapter.topicOffsets(this.job.dlq);
    const watchFrom = { ...this.job.watchFrom };
    const returns: { replayId: string; where: string }[] = [];
    for (const p of offsets) {
      let offset = Math.max(p.logStartOffset, watchFrom[String(p.partition)] ?? p.logStartOffset);
      while (offset < p.logEndOffset) {
        const records = await this.adapter.readRecords(this.job.dlq, p.partition, offset, FETCH_BYTES);
        if (records.length === 0) break;
        for (const record of records) {
          const id = record.headers?.[REPLAY_ID];
          if (id) returns.push({ replayId: String(Array.isArray(id) ? id.at(-1) : id), where: `${this.job.dlq}/${p.partition}:${record.offset}` });
        }
        offset = Number(records.at(-1)!.offset) + 1;
      }
      watchFrom[String(p.partition)] = offset;
    }
    const marked = await markCameBack(this.db, this.job.id, returns);
    await this.db.update(replayJobs).set({ watchFrom }).where(eq(replayJobs.id, this.job.id));
    this.job = { ...this.job, watchFrom };
    return marked;
  }

  async close(): Promise<void> {}
}
