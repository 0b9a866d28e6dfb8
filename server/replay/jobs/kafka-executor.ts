import { createHash, randomUUID } from "node:crypto";
import { and, asc, eq, gt, gte, inArray, lte } from "drizzle-orm";
import type { KafkaAdapter, ProducedRecord } from "~/server/brokers/kafka/kafka";
import { lastHeader, type RawRecord } from "~/server/brokers/kafka/kafka-records";
import type { ControlDb } from "~/server/db/control-store";
import { replayJobItems, replayJobs } from "~/server/db/schema";
import { DEFAULT_REPLAY_LIMIT, rawReplayHeaders, REPLAY_COUNT, REPLAY_ID } from "~/server/replay/headers";
import type { ReplayJob } from "./dry-run";
import type { BatchOutcome, ReplayExecutor } from "./executor";
import { addCounters, markCameBack, updateItems, writeLedger, type ItemUpdate, type LedgerEntry, type ReplayItem } from "./items";
import { formatLogPosition } from "~/server/lib/message-id";

const FETCH_BYTES = 4 * 1024 * 1024;
// Records read past a batch are kept for the next ones (the DLQ is read once, not once per batch).
const READ_AHEAD_LIMIT = 50_000;
// Acknowledged batches whose done-record may still be waiting to be written while the next batches are read
// and sent; the in-flight note covers them all. One writer records every batch waiting at once, in one
// transaction of multi-row statements (fewer commits and round trips than a transaction per batch).
const MAX_PENDING_WRITES = 4;
// An in-flight note covers this many batch sizes of items past the batch that wrote it, so the next batches
// need no note of their own (a recovery looks at the pending items of the range: those not sent yet stay pending).
const NOTE_WINDOW_BATCHES = 8;

/**
 * The replay id of a job's item: derived from the job and the item, so it is known before the send
 * without writing it first, and the same when the item is sent again after a crash.
 */
export function itemReplayId(jobId: string, seq: number): string {
  const hex = createHash("sha1").update(`${jobId}:${seq}`).digest("hex");
  // Laid out as a version-5 (name-based, SHA-1) UUID.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}

const headerText = (value: Buffer | null | undefined) => (value === undefined || value === null ? null : value.toString("utf8"));

/**
 * Reads DLQ records at wanted offsets, partition by partition, keeping what it read ahead for later batches.
 * Records stay as the client decoded them (RawRecord): a copy needs their bytes, not a message object.
 */
class DlqReader {
  private readonly ahead = new Map<number, Map<number, RawRecord>>();
  private aheadCount = 0;

  constructor(
    private readonly adapter: KafkaAdapter,
    private readonly topic: string,
  ) {}

  async readAt(wanted: { partition: number; offset: number }[]): Promise<Map<string, RawRecord>> {
    const found = new Map<string, RawRecord>();
    const missing = new Map<number, Set<number>>();
    for (const { partition, offset } of wanted) {
      const cached = this.ahead.get(partition)?.get(offset);
      if (cached) {
        found.set(formatLogPosition({ partition, offset }), cached);
        continue;
      }
      let set = missing.get(partition);
      if (!set) missing.set(partition, (set = new Set()));
      set.add(offset);
    }
    this.forget(wanted);
    if (missing.size === 0) return found;
    const position = new Map([...missing].map(([partition, offsets]) => [partition, Math.min(...offsets)]));
    const end = new Map([...missing].map(([partition, offsets]) => [partition, Math.max(...offsets)]));
    while (position.size > 0) {
      const batch = await this.adapter.readRawPartitions(this.topic, [...position].map(([partition, offset]) => ({ partition, offset })), FETCH_BYTES);
      for (const [partition, { records }] of batch) {
        const want = missing.get(partition)!;
        let next = position.get(partition)!;
        for (const record of records) {
          const offset = record.offset;
          if (want.has(offset)) found.set(formatLogPosition({ partition, offset }), record);
          else if (offset > end.get(partition)! && this.aheadCount < READ_AHEAD_LIMIT) this.keep(partition, offset, record);
          next = Math.max(next, offset + 1);
        }
        // Past the last wanted offset, or nothing more to read (deleted by retention or compaction): done.
        if (records.length === 0 || next > end.get(partition)!) position.delete(partition);
        else position.set(partition, next);
      }
    }
    return found;
  }

  private keep(partition: number, offset: number, record: RawRecord): void {
    let map = this.ahead.get(partition);
    if (!map) this.ahead.set(partition, (map = new Map()));
    if (!map.has(offset)) this.aheadCount += 1;
    map.set(offset, record);
  }

  /** Drops what this batch used and everything before it (batches go forward through each partition). */
  private forget(wanted: { partition: number; offset: number }[]): void {
    const highest = new Map<number, number>();
    for (const { partition, offset } of wanted) highest.set(partition, Math.max(highest.get(partition) ?? -1, offset));
    for (const [partition, upTo] of highest) {
      const map = this.ahead.get(partition);
      if (!map) continue;
      for (const offset of map.keys()) {
        if (offset <= upTo) {
          map.delete(offset);
          this.aheadCount -= 1;
        }
      }
    }
  }
}

/** What a batch needs of an item (fewer columns to read and map than the whole row). */
type BatchItem = Pick<ReplayItem, "seq" | "messageId" | "partition" | "offset" | "target" | "replayId">;

interface Loaded {
  items: BatchItem[];
  records: Map<string, RawRecord>;
}

interface Unconfirmed {
  fromSeq: number;
  toSeq: number;
  /** Lower bounds of where this batch's copies landed, per topic and partition. */
  offsets: Record<string, Record<string, number>>;
}

/** An acknowledged batch's done-record, waiting for the writer. */
interface DoneRecord {
  batch: Unconfirmed;
  updates: ItemUpdate[];
  ledger: LedgerEntry[];
  done: number;
  skipped: number;
  settle: (error?: unknown) => void;
}

/**
 * Replays Kafka dead letters batch by batch: read the records, note on the job which items are in flight
 * and where in the targets they will land at the earliest, produce (idempotent, acks=all), and only after
 * the broker's acknowledgement mark them done and write the ledger. That write overlaps the next batches'
 * reads and sends (up to MAX_PENDING_WRITES of them); the in-flight note always covers every batch not yet
 * recorded. After a crash those items
 * are looked for in the targets by their (derived) replay id: what landed is marked done, the rest is sent
 * again with the same id.
 */
export class KafkaReplayExecutor implements ReplayExecutor {
  private readonly reader: DlqReader;
  /** Per target topic and partition: an offset at or below the next copy's (the log only grows). */
  private readonly targetFloor = new Map<string, Record<string, number>>();
  private lastSeq = 0;
  private unconfirmed: Unconfirmed[] = [];
  /** The next batch, read while the last one was being sent. */
  private prefetched: { afterSeq: number; limit: number; loaded: Promise<Loaded> } | null = null;
  /** Done-records waiting or being written, oldest first (at most MAX_PENDING_WRITES). */
  private pendingWrites: Promise<void>[] = [];
  /** Done-records the writer has not taken yet. */
  private waitingRecords: DoneRecord[] = [];
  private writer: Promise<void> | null = null;
  /** The in-flight note last written: a batch inside it needs no new one. */
  private note: Unconfirmed | null = null;

  constructor(
    private readonly db: ControlDb,
    private readonly adapter: KafkaAdapter,
    private job: ReplayJob,
  ) {
    this.reader = new DlqReader(adapter, job.dlq);
  }

  async prepare(): Promise<void> {
    if (this.job.action === "replay" && !this.job.watchFrom) {
      const offsets = await this.adapter.topicOffsets(this.job.dlq);
      const watchFrom = Object.fromEntries(offsets.map((p) => [String(p.partition), p.logEndOffset]));
      await this.db.update(replayJobs).set({ watchFrom }).where(eq(replayJobs.id, this.job.id));
      this.job = { ...this.job, watchFrom };
    }
  }

  async recover(): Promise<number> {
    const [current] = await this.db.select({ inFlight: replayJobs.inFlight }).from(replayJobs).where(eq(replayJobs.id, this.job.id));
    const note = current?.inFlight;
    if (!note) return 0;
    const inFlight = await this.db
      .select()
      .from(replayJobItems)
      .where(and(eq(replayJobItems.jobId, this.job.id), inArray(replayJobItems.state, ["pending", "sending"]), gte(replayJobItems.seq, note.fromSeq), lte(replayJobItems.seq, note.toSeq)));
    if (inFlight.length === 0) return 0; // the note is about items recorded as done already
    const byReplayId = new Map(inFlight.map((item) => [item.replayId ?? itemReplayId(this.job.id, item.seq), item]));
    const landed = new Map<string, { position: string; count: number }>();
    for (const [topic, partitions] of Object.entries(note.offsets)) {
      const offsets = await this.adapter.topicOffsets(topic);
      for (const p of offsets) {
        let offset = Math.max(p.logStartOffset, partitions[String(p.partition)] ?? p.logStartOffset);
        while (offset < p.logEndOffset) {
          const records = await this.adapter.readRecords(topic, p.partition, offset, FETCH_BYTES);
          if (records.length === 0) break;
          for (const record of records) {
            const replayId = headerText(lastHeader(record, REPLAY_ID));
            if (replayId && byReplayId.has(replayId)) {
              landed.set(replayId, { position: formatLogPosition({ partition: p.partition, offset: record.offset }), count: Number(headerText(lastHeader(record, REPLAY_COUNT)) ?? 0) || 0 });
            }
          }
          offset = Number(records.at(-1)!.offset) + 1;
        }
      }
    }
    const updates: ItemUpdate[] = [];
    const ledger: LedgerEntry[] = [];
    for (const [replayId, item] of byReplayId) {
      const copy = landed.get(replayId);
      if (copy) {
        updates.push({ seq: item.seq, state: "done", replayId, targetPosition: copy.position, outcome: "verified in the target after an interrupted send" });
        ledger.push({ replayId, messageId: item.messageId, target: item.target, targetPosition: copy.position, replayCount: copy.count, action: "replay" });
      } else if (item.state === "sending") {
        updates.push({ seq: item.seq, state: "pending" }); // not in the target: sent again, with the same replay id
      }
    }
    await this.db.transaction(async (tx) => {
      await updateItems(tx, this.job.id, updates);
      await writeLedger(tx, this.job, ledger);
      await addCounters(tx, this.job.id, { done: ledger.length }, { inFlight: null });
    });
    return inFlight.length;
  }

  private async pendingAfter(seq: number, limit: number): Promise<BatchItem[]> {
    return this.db
      .select({
        seq: replayJobItems.seq,
        messageId: replayJobItems.messageId,
        partition: replayJobItems.partition,
        offset: replayJobItems.offset,
        target: replayJobItems.target,
        replayId: replayJobItems.replayId,
      })
      .from(replayJobItems)
      .where(and(eq(replayJobItems.jobId, this.job.id), eq(replayJobItems.state, "pending"), gt(replayJobItems.seq, seq)))
      .orderBy(asc(replayJobItems.seq))
      .limit(limit);
  }

  private async floorsFor(topics: Set<string>): Promise<Record<string, Record<string, number>>> {
    const result: Record<string, Record<string, number>> = {};
    for (const topic of topics) {
      let floor = this.targetFloor.get(topic);
      if (!floor) {
        const offsets = await this.adapter.topicOffsets(topic);
        floor = Object.fromEntries(offsets.map((p) => [String(p.partition), p.logEndOffset]));
        this.targetFloor.set(topic, floor);
      }
      result[topic] = { ...floor };
    }
    return result;
  }

  /** Whether the last note covers this batch: its seq range, its targets, and every batch not yet recorded. */
  private noted(batch: Unconfirmed): boolean {
    const note = this.note;
    if (!note || note.fromSeq > this.unconfirmed[0]!.fromSeq || note.toSeq < batch.toSeq) return false;
    // The note's offsets are older floors: lower bounds still (a log only grows), if they name every target.
    return Object.keys(batch.offsets).every((topic) => topic in note.offsets);
  }

  /**
   * Notes on the job what is in flight: from the oldest batch not yet recorded to NOTE_WINDOW_BATCHES batch
   * sizes past this one, and for each target partition an offset at or below where any of them lands.
   */
  private async writeNote(batch: Unconfirmed, limit: number): Promise<void> {
    const offsets: Record<string, Record<string, number>> = {};
    for (const entry of this.unconfirmed) {
      for (const [topic, partitions] of Object.entries(entry.offsets)) {
        const merged = (offsets[topic] ??= {});
        for (const [partition, offset] of Object.entries(partitions)) merged[partition] = Math.min(merged[partition] ?? offset, offset);
      }
    }
    const note: Unconfirmed = { fromSeq: this.unconfirmed[0]!.fromSeq, toSeq: batch.toSeq + limit * NOTE_WINDOW_BATCHES, offsets };
    await this.db.update(replayJobs).set({ inFlight: note }).where(eq(replayJobs.id, this.job.id));
    this.note = note;
  }

  /**
   * The writer: records every acknowledged batch waiting, in one transaction, until none waits. The in-flight
   * note is left as it is: the next note replaces it, and a note on items that are done already costs a recovery
   * nothing (it only looks at items still pending). Clearing it here could race with the next batch's note.
   */
  private async writeDone(): Promise<void> {
    while (this.waitingRecords.length > 0) {
      const group = this.waitingRecords.splice(0);
      try {
        await this.db.transaction(async (tx) => {
          await updateItems(tx, this.job.id, group.flatMap((r) => r.updates));
          await writeLedger(tx, this.job, group.flatMap((r) => r.ledger));
          await addCounters(tx, this.job.id, { done: group.reduce((n, r) => n + r.done, 0), skipped: group.reduce((n, r) => n + r.skipped, 0) });
        });
      } catch (error) {
        for (const record of group) record.settle(error ?? new Error("recording replayed items failed"));
        continue;
      }
      const recorded = new Set(group.map((r) => r.batch));
      this.unconfirmed = this.unconfirmed.filter((entry) => !recorded.has(entry));
      for (const record of group) record.settle();
    }
    this.writer = null;
  }

  /** Waits until at most `keep` done-records are still waiting or being written; raises the first failed write. */
  private async settlePrevious(keep = 0): Promise<void> {
    while (this.pendingWrites.length > keep) await this.pendingWrites.shift();
  }

  /** The pending items after `afterSeq` and, for a replay, their DLQ records. */
  private async load(afterSeq: number, limit: number): Promise<Loaded> {
    const items = await this.pendingAfter(afterSeq, limit);
    if (items.length === 0 || this.job.action !== "replay") return { items, records: new Map() };
    return { items, records: await this.reader.readAt(items.map((item) => ({ partition: item.partition!, offset: item.offset! }))) };
  }

  /** This batch: what was read while the previous batch was being sent, if it is the same slice of items. */
  private async take(limit: number): Promise<Loaded> {
    const ahead = this.prefetched;
    this.prefetched = null;
    if (ahead && ahead.afterSeq === this.lastSeq && ahead.limit === limit) return ahead.loaded;
    // Another limit (canary, rate): read again, after the read ahead is done with the shared reader.
    if (ahead) await ahead.loaded.catch(() => undefined);
    return this.load(this.lastSeq, limit);
  }

  async runBatch(limit: number): Promise<BatchOutcome> {
    const { items, records } = await this.take(limit);
    if (items.length === 0) {
      await this.settlePrevious();
      return { processed: 0, finished: true };
    }
    if (this.job.action === "discard") return this.discard(items);

    const skipped: ItemUpdate[] = [];
    const sending: { item: BatchItem; record: ProducedRecord; replayId: string; count: number }[] = [];
    for (const item of items) {
      const message = records.get(item.messageId);
      if (!message) {
        skipped.push({ seq: item.seq, state: "skipped", outcome: "no longer in the DLQ (removed by retention or compaction)" });
        continue;
      }
      const replayId = item.replayId ?? itemReplayId(this.job.id, item.seq);
      // The fetched bytes as they are: key, value and the kept headers' names and values are produced without a copy.
      const { previousCount, headers } = rawReplayHeaders(message.headers, { replayId, from: `${this.job.dlq}/${item.messageId}`, keepErrorHeaders: this.job.options.keepErrorHeaders });
      if (previousCount >= DEFAULT_REPLAY_LIMIT && !this.job.options.overrideLoopGuard) {
        skipped.push({ seq: item.seq, state: "skipped", outcome: `quarantined: already replayed ${previousCount} times` });
        continue;
      }
      sending.push({ item, replayId, count: previousCount + 1, record: { topic: item.target!, key: message.key, value: message.value, headers } });
    }

    // Before the send: note what is in flight (this batch and any not yet recorded) and where it lands at the earliest.
    const batch: Unconfirmed = { fromSeq: items[0]!.seq, toSeq: items.at(-1)!.seq, offsets: await this.floorsFor(new Set(sending.map((s) => s.record.topic))) };
    this.unconfirmed.push(batch);
    if (!this.noted(batch)) await this.writeNote(batch, limit);
    this.lastSeq = batch.toSeq;

    // The next batch is read while this one waits for its acknowledgement. Only this worker changes the
    // job's items, so items pending now are still pending then.
    const loaded = this.load(batch.toSeq, limit);
    loaded.catch(() => undefined); // raised by the next batch that takes it
    this.prefetched = { afterSeq: batch.toSeq, limit, loaded };

    const positions = await this.adapter.produceBatch(sending.map((s) => s.record));
    for (const [index, s] of sending.entries()) {
      const floor = this.targetFloor.get(s.record.topic)!;
      const key = String(positions[index]!.partition);
      floor[key] = Math.max(floor[key] ?? 0, positions[index]!.offset + 1);
    }

    // Acknowledged by the broker: recorded as done while the next batches are read and sent.
    await this.settlePrevious(MAX_PENDING_WRITES - 1);
    const write = new Promise<void>((resolve, reject) => {
      this.waitingRecords.push({
        batch,
        updates: [
          ...skipped,
          ...sending.map((s, index) => ({ seq: s.item.seq, state: "done" as const, replayId: s.replayId, targetPosition: `${positions[index]!.partition}:${positions[index]!.offset}` })),
        ],
        ledger: sending.map((s, index) => ({
          replayId: s.replayId,
          messageId: s.item.messageId,
          target: s.record.topic,
          targetPosition: `${positions[index]!.partition}:${positions[index]!.offset}`,
          replayCount: s.count,
          action: "replay" as const,
        })),
        done: sending.length,
        skipped: skipped.length,
        settle: (error) => (error === undefined ? resolve() : reject(error)),
      });
    });
    this.writer ??= this.writeDone();
    this.pendingWrites.push(write);
    write.catch(() => undefined); // awaited (and its error raised) by a later batch or close()
    return { processed: items.length, finished: false };
  }

  /** Discard: resolved in the ledger with the job's reason; the DLQ record stays (Kafka cannot delete one record). */
  private async discard(items: BatchItem[]): Promise<BatchOutcome> {
    this.lastSeq = items.at(-1)!.seq;
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
  async checkCameBack(_thorough: boolean): Promise<number> {
    if (this.job.action !== "replay" || !this.job.watchFrom) return 0;
    const offsets = await this.adapter.topicOffsets(this.job.dlq);
    const watchFrom = { ...this.job.watchFrom };
    const returns: { replayId: string; where: string }[] = [];
    let moved = false;
    for (const p of offsets) {
      let offset = Math.max(p.logStartOffset, watchFrom[String(p.partition)] ?? p.logStartOffset);
      while (offset < p.logEndOffset) {
        const records = await this.adapter.readRecords(this.job.dlq, p.partition, offset, FETCH_BYTES);
        if (records.length === 0) break;
        for (const record of records) {
          const replayId = headerText(lastHeader(record, REPLAY_ID));
          if (replayId) returns.push({ replayId, where: `${this.job.dlq}/${formatLogPosition({ partition: p.partition, offset: record.offset })}` });
        }
        offset = Number(records.at(-1)!.offset) + 1;
      }
      if (offset !== watchFrom[String(p.partition)]) moved = true;
      watchFrom[String(p.partition)] = offset;
    }
    if (!moved) return 0;
    const marked = await markCameBack(this.db, this.job.id, returns);
    await this.db.update(replayJobs).set({ watchFrom }).where(eq(replayJobs.id, this.job.id));
    this.job = { ...this.job, watchFrom };
    return marked;
  }

  async close(): Promise<void> {
    const ahead = this.prefetched;
    this.prefetched = null;
    await ahead?.loaded.catch(() => undefined);
    await this.settlePrevious();
  }
}
