import type { KafkaAdapter } from "~/server/brokers/kafka/kafka";
import type { FetchedRecord } from "~/server/brokers/kafka/kafka-records";
import { fromKafkaRecord, type RawDlqMessage } from "./messages";

/** Per partition, the next offset to read: oldest-first reads forward from it, newest-first reads back before it. */
export type KafkaCursor = Record<string, number>;

const PAGE_FETCH_BYTES = 1024 * 1024;

export interface KafkaPage {
  messages: RawDlqMessage[];
  cursor: KafkaCursor;
  /** False when every chosen partition has been read to its end (or start). */
  hasMore: boolean;
  partitions: { partition: number; logStartOffset: number; logEndOffset: number }[];
}

/** Records of one partition in [from, to), read forward, at most `limit`. */
async function readRange(adapter: KafkaAdapter, topic: string, partition: number, from: number, to: number, limit: number, includeAborted: boolean): Promise<RawDlqMessage[]> {
  const out: RawDlqMessage[] = [];
  let next = from;
  while (next < to && out.length < limit) {
    const records = await adapter.readRecords(topic, partition, next, PAGE_FETCH_BYTES, { includeAborted });
    const inRange = records.filter((r) => Number(r.offset) < to);
    if (inRange.length === 0) {
      // Offsets can have gaps (compaction, transaction markers): step over an empty read.
      if (records.length === 0) break;
      next = Number(records.at(-1)!.offset) + 1;
      continue;
    }
    for (const record of inRange) {
      if (out.length >= limit) break;
      out.push(fromKafkaRecord(partition, record));
    }
    next = Number(inRange.at(-1)!.offset) + 1;
  }
  return out;
}

/**
 * One page of a DLQ topic, never more than `limit` records in memory: oldest or newest first across the
 * chosen partitions (merged by timestamp), from a cursor, an offset or a timestamp. Records of aborted
 * transactions are left out unless `includeAborted` (then they are listed, marked).
 */
export async function kafkaPage(
  adapter: KafkaAdapter,
  topic: string,
  options: { order: "oldest" | "newest"; partition?: number; seekOffset?: number; seekTimestampMs?: number; cursor?: KafkaCursor; limit: number; includeAborted?: boolean },
): Promise<KafkaPage> {
  const offsets = (await adapter.topicOffsets(topic)).filter((p) => options.partition === undefined || p.partition === options.partition);
  const byTimestamp = options.seekTimestampMs !== undefined && !options.cursor ? new Map((await adapter.offsetsForTimestamp(topic, options.seekTimestampMs)).map((p) => [p.partition, p.offset])) : null;
  const start = (p: (typeof offsets)[number]): number => {
    const fromCursor = options.cursor?.[String(p.partition)];
    if (fromCursor !== undefined) return fromCursor;
    if (byTimestamp) return byTimestamp.get(p.partition) ?? p.logEndOffset;
    if (options.seekOffset !== undefined) return Math.min(Math.max(options.seekOffset, p.logStartOffset), p.logEndOffset);
    return options.order === "oldest" ? p.logStartOffset : p.logEndOffset;
  };

  const perPartition = await Promise.all(
    offsets.map(async (p) => {
      const position = start(p);
      if (options.order === "oldest") return { p, messages: await readRange(adapter, topic, p.partition, position, p.logEndOffset, options.limit, options.includeAborted ?? false) };
      // Newest first: read the `limit` offsets before the position (gaps may return fewer: fine for one page).
      const from = Math.max(p.logStartOffset, position - options.limit);
      return { p, messages: (await readRange(adapter, topic, p.partition, from, position, options.limit, options.includeAborted ?? false)).reverse() };
    }),
  );

  const merged = perPartition
    .flatMap(({ messages }) => messages)
    .sort((a, b) => (options.order === "oldest" ? a.timestampMs - b.timestampMs || (a.offset ?? 0) - (b.offset ?? 0) : b.timestampMs - a.timestampMs || (b.offset ?? 0) - (a.offset ?? 0)))
    .slice(0, options.limit);

  const cursor: KafkaCursor = {};
  let hasMore = false;
  for (const { p, messages } of perPartition) {
    const taken = merged.filter((m) => m.partition === p.partition);
    const position = start(p);
    let next: number;
    if (options.order === "oldest") {
      next = taken.length ? Math.max(...taken.map((m) => m.offset ?? 0)) + 1 : position;
      if (taken.length === 0 && messages.length === 0) next = p.logEndOffset;
      if (next < p.logEndOffset) hasMore = true;
    } else {
      next = taken.length ? Math.min(...taken.map((m) => m.offset ?? 0)) : position;
      if (taken.length === 0 && messages.length === 0) next = p.logStartOffset;
      if (next > p.logStartOffset) hasMore = true;
    }
    cursor[String(p.partition)] = next;
  }
  return { messages: merged, cursor, hasMore, partitions: offsets.map(({ partition, logStartOffset, logEndOffset }) => ({ partition, logStartOffset, logEndOffset })) };
}

/** One record by position; a record of an aborted transaction is returned too, marked (replay refuses it). */
export async function kafkaMessage(adapter: KafkaAdapter, topic: string, partition: number, offset: number): Promise<RawDlqMessage | null> {
  const records = await adapter.readRecords(topic, partition, offset, PAGE_FETCH_BYTES, { includeAborted: true });
  const record = records.find((r) => Number(r.offset) === offset);
  return record ? fromKafkaRecord(partition, record) : null;
}

export interface ScanOptions {
  fetchBytesPerPartition?: number;
  fromOffsets?: Map<number, number>;
  onTotal?: (total: number) => void;
  /** Awaited after each fetched batch is visited (e.g. to filter it in the workers): the next read waits for it. */
  afterBatch?: () => Promise<void>;
}

/**
 * Reads a whole topic (or what a bound allows) in large multi-partition fetches, from log start to the
 * end offsets taken when the scan began, calling `visit` for each record. Stops when `shouldStop` says so.
 */
export async function scanKafkaTopic(
  adapter: KafkaAdapter,
  topic: string,
  visit: (message: RawDlqMessage) => void,
  shouldStop: () => boolean,
  options: ScanOptions = {},
): Promise<{ total: number }> {
  return scanKafkaRecords(
    adapter,
    topic,
    (partition, records) => {
      for (const record of records) visit(fromKafkaRecord(partition, record));
    },
    shouldStop,
    options,
  );
}

/** scanKafkaTopic with the records as read, a partition's run of them at a time (a search builds messages only for its matches). */
export async function scanKafkaRecords(
  adapter: KafkaAdapter,
  topic: string,
  visit: (partition: number, records: FetchedRecord[]) => void,
  shouldStop: () => boolean,
  options: ScanOptions = {},
): Promise<{ total: number }> {
  const offsets = await adapter.topicOffsets(topic);
  const end = new Map(offsets.map((p) => [p.partition, p.logEndOffset]));
  const position = new Map(offsets.map((p) => [p.partition, Math.max(p.logStartOffset, options.fromOffsets?.get(p.partition) ?? 0)]));
  const total = offsets.reduce((sum, p) => sum + (p.logEndOffset - (position.get(p.partition) ?? p.logStartOffset)), 0);
  options.onTotal?.(total);
  const fetchBytes = options.fetchBytesPerPartition ?? 4 * 1024 * 1024;
  // The next fetch is requested while this one is visited, so the broker and the filter work in parallel.
  const fetchNext = () => {
    const open = [...position].filter(([partition, offset]) => offset < (end.get(partition) ?? 0)).map(([partition, offset]) => ({ partition, offset }));
    return open.length ? adapter.readPartitions(topic, open, fetchBytes) : null;
  };
  let pending = fetchNext();
  while (pending && !shouldStop()) {
    const batch = await pending;
    const visible: { partition: number; limit: number; records: FetchedRecord[] }[] = [];
    let progressed = false;
    for (const [partition, { records }] of batch) {
      const limit = end.get(partition) ?? 0;
      if (records.length > 0) {
        position.set(partition, Math.min(limit, Number(records.at(-1)!.offset) + 1));
        progressed = true;
      }
      visible.push({ partition, limit, records });
    }
    if (!progressed) break;
    // Prefetch before visiting, so the broker reads the next batch while the filter runs on this one.
    pending = shouldStop() ? null : fetchNext();
    for (const { partition, limit, records } of visible) {
      if (records.length === 0) continue;
      visit(partition, Number(records.at(-1)!.offset) < limit ? records : records.filter((record) => Number(record.offset) < limit));
    }
    if (options.afterBatch) await options.afterBatch();
  }
  return { total };
}
