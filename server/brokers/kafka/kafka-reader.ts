import { FetchIsolationLevels, type Admin, type Consumer, ListOffsetTimestamps, type ClusterTopicMetadata } from "@platformatic/kafka";
import pLimit, { type LimitFunction } from "p-limit";
import { decodePartition, toRawRecord, withAbortedRecords, type FetchedRecord, type RawRecord, type RecordBuilder } from "./kafka-records";

export interface TopicPartitions {
  topic: string;
  partitions: number[];
}

export interface PartitionOffsets {
  topic: string;
  partition: number;
  logStartOffset: number;
  logEndOffset: number;
}

export interface ReadOptions {
  /** Keep records of aborted transactions (marked `aborted`) instead of dropping them. */
  includeAborted?: boolean;
}

// Per partition and per response: larger responses make the client rescan received chunks (see bench/README.md).
const MAX_PARTITION_BYTES = 1024 * 1024;
const MAX_RESPONSE_BYTES = 10 * 1024 * 1024;
// A fetch whose records were all hidden (aborted, markers) is followed up to this many times.
const MAX_HIDDEN_ROUNDS = 64;
// Errors after which the topic's metadata (leader, topic id) is refreshed and the read retried once.
const STALE_METADATA_ERRORS = new Set([3, 6, 74, 75, 100]); // UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER, FENCED/UNKNOWN_LEADER_EPOCH, UNKNOWN_TOPIC_ID

export class KafkaFetchError extends Error {
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly code: number,
  ) {
    super(`reading ${topic} partition ${partition} failed with Kafka error code ${code}`);
    this.name = "KafkaFetchError";
  }
}

export interface PartitionRead<R> {
  records: R[];
  highWatermark: number;
  /** The offset after the last batch the broker returned (null: none), records the read hides included. */
  nextOffset: number | null;
}

/** How a read turns the client's records into the caller's: FetchedRecords (aborted ones on request) or RawRecords. */
type Decoding<R> = { includeAborted: boolean; build?: undefined } | { includeAborted: false; build: RecordBuilder<R> };

/**
 * Group-less reads and offset lookups through @platformatic/kafka's public API: Fetch requests at exact
 * offsets (read_committed, so nothing is committed and no group appears on the cluster), and one
 * ListOffsets per leader for any number of topics.
 */
export class KafkaReader {
  constructor(
    private readonly admin: Admin,
    private readonly consumer: Consumer,
  ) {}

  // The client keeps one incremental fetch session (KIP-227) per broker: concurrent fetches to the same
  // broker would race on its epoch, so they are sent one at a time per broker.
  private readonly perBroker = new Map<number, LimitFunction>();

  private fetchFrom(node: number, isolationLevel: number, maxBytes: number, topicId: string, partitions: { partition: number; offset: number }[], partitionBytes: number) {
    let queue = this.perBroker.get(node);
    if (!queue) this.perBroker.set(node, (queue = pLimit(1)));
    return queue(() =>
      this.consumer.fetch({
        node,
        maxWaitTime: 0,
        minBytes: 1,
        maxBytes,
        isolationLevel,
        topics: [{ topicId, partitions: partitions.map(({ partition, offset }) => ({ partition, fetchOffset: BigInt(offset), partitionMaxBytes: partitionBytes, currentLeaderEpoch: -1, lastFetchedEpoch: -1 })) }],
      }),
    );
  }

  private async topicMetadata(topic: string, forceUpdate = false): Promise<ClusterTopicMetadata> {
    const metadata = await this.admin.metadata({ topics: [topic], forceUpdate });
    const found = metadata.topics.get(topic);
    if (!found) throw new Error(`topic "${topic}" does not exist`);
    return found;
  }

  async partitionsOf(topic: string, forceUpdate = false): Promise<number[]> {
    return (await this.topicMetadata(topic, forceUpdate)).partitions.map((_, index) => index);
  }

  /** Log-start and log-end offsets of every given partition, in one ListOffsets request per leader and direction. */
  async listOffsets(topics: TopicPartitions[]): Promise<PartitionOffsets[]> {
    const wanted = topics.filter((t) => t.partitions.length > 0);
    if (wanted.length === 0) return [];
    const request = (timestamp: bigint) =>
      this.admin.listOffsets({ topics: wanted.map(({ topic, partitions }) => ({ name: topic, partitions: partitions.map((partitionIndex) => ({ partitionIndex, timestamp })) })) });
    const [earliest, latest] = await Promise.all([request(ListOffsetTimestamps.EARLIEST), request(ListOffsetTimestamps.LATEST)]);
    const start = new Map<string, number>();
    for (const { name, partitions } of earliest) for (const p of partitions) start.set(`${name}\u0000${p.partitionIndex}`, Number(p.offset));
    return latest.flatMap(({ name, partitions }) =>
      partitions.map((p) => ({ topic: name, partition: p.partitionIndex, logStartOffset: start.get(`${name}\u0000${p.partitionIndex}`) ?? 0, logEndOffset: Number(p.offset) })),
    );
  }

  /** Per partition, the first offset whose timestamp is at or after the given time (-1: none is). */
  async offsetsForTimestamp(topic: string, timestampMs: number): Promise<{ partition: number; offset: number }[]> {
    const partitions = await this.partitionsOf(topic);
    const [listed] = await this.admin.listOffsets({
      topics: [{ name: topic, partitions: partitions.map((partitionIndex) => ({ partitionIndex, timestamp: BigInt(timestampMs) })) }],
    });
    return (listed?.partitions ?? []).map((p) => ({ partition: p.partitionIndex, offset: Number(p.offset) }));
  }

  /** One Fetch per leader broker for the given partitions of one topic, each from its own offset. */
  private async fetchOnce<R>(topic: string, positions: { partition: number; offset: number }[], maxBytesPerPartition: number, decoding: Decoding<R>, forceUpdate: boolean) {
    const metadata = await this.topicMetadata(topic, forceUpdate);
    const byLeader = new Map<number, { partition: number; offset: number }[]>();
    for (const position of positions) {
      const leader = metadata.partitions[position.partition]?.leader;
      if (leader === undefined) throw new KafkaFetchError(topic, position.partition, 3);
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), position]);
    }
    const partitionBytes = Math.min(maxBytesPerPartition, MAX_PARTITION_BYTES);
    const result = new Map<number, PartitionRead<R | FetchedRecord>>();
    await Promise.all(
      [...byLeader].map(async ([node, mine]) => {
        const maxBytes = Math.min(MAX_RESPONSE_BYTES, partitionBytes * mine.length);
        const response = await this.fetchFrom(node, FetchIsolationLevels.READ_COMMITTED, maxBytes, metadata.id, mine, partitionBytes);
        // Aborted records are asked for rarely (browsing with them shown, one record's detail): a second,
        // read_uncommitted fetch of the same range supplies them.
        const everything = decoding.includeAborted ? await this.fetchFrom(node, FetchIsolationLevels.READ_UNCOMMITTED, maxBytes, metadata.id, mine, partitionBytes) : null;
        const from = new Map(mine.map((p) => [p.partition, p.offset]));
        for (const topicResponse of response.responses) {
          for (const p of topicResponse.partitions) {
            if (p.errorCode !== 0) throw new KafkaFetchError(topic, p.partitionIndex, p.errorCode);
            const start = from.get(p.partitionIndex) ?? 0;
            if (decoding.build) {
              const raw = decodePartition(p, start, false, decoding.build);
              result.set(p.partitionIndex, { records: raw.records, nextOffset: raw.nextOffset, highWatermark: Number(p.highWatermark) });
              continue;
            }
            let decoded = decodePartition(p, start);
            const uncommitted = everything?.responses.flatMap((t) => t.partitions).find((q) => q.partitionIndex === p.partitionIndex);
            if (uncommitted) decoded = withAbortedRecords(decoded, uncommitted, start);
            result.set(p.partitionIndex, { records: decoded.records, nextOffset: decoded.nextOffset, highWatermark: Number(p.highWatermark) });
          }
        }
      }),
    );
    return result as Map<number, PartitionRead<R>>;
  }

  private async fetch<R>(topic: string, positions: { partition: number; offset: number }[], maxBytesPerPartition: number, decoding: Decoding<R>) {
    try {
      return await this.fetchOnce(topic, positions, maxBytesPerPartition, decoding, false);
    } catch (error) {
      // A moved leader or a re-created topic (new topic id): refresh the metadata and try once more.
      if (!(error instanceof KafkaFetchError) || !STALE_METADATA_ERRORS.has(error.code)) throw error;
      return this.fetchOnce(topic, positions, maxBytesPerPartition, decoding, true);
    }
  }

  /**
   * Reads several partitions of one topic, each from its own offset. A partition whose fetched batches were
   * all hidden (transaction markers, aborted records) is read on from after them, so every partition either
   * returns records or has been read to its end.
   */
  private async readEach<R>(topic: string, positions: { partition: number; offset: number }[], maxBytesPerPartition: number, decoding: Decoding<R>): Promise<Map<number, PartitionRead<R>>> {
    const result = new Map<number, PartitionRead<R>>();
    let open = positions;
    for (let round = 0; open.length > 0 && round < MAX_HIDDEN_ROUNDS; round += 1) {
      const read = await this.fetch(topic, open, maxBytesPerPartition, decoding);
      const again: { partition: number; offset: number }[] = [];
      for (const [partition, partitionRead] of read) {
        result.set(partition, partitionRead);
        const { records, highWatermark, nextOffset } = partitionRead;
        if (records.length === 0 && nextOffset !== null && nextOffset < highWatermark) again.push({ partition, offset: nextOffset });
      }
      open = again;
    }
    return result;
  }

  readPartitions(topic: string, positions: { partition: number; offset: number }[], maxBytesPerPartition: number, options: ReadOptions = {}): Promise<Map<number, PartitionRead<FetchedRecord>>> {
    return this.readEach<FetchedRecord>(topic, positions, maxBytesPerPartition, { includeAborted: options.includeAborted ?? false });
  }

  /**
   * readPartitions for a bulk copy: committed records only, as the client decoded them (RawRecord), with
   * each partition's next offset to read from.
   */
  readRawPartitions(topic: string, positions: { partition: number; offset: number }[], maxBytesPerPartition: number): Promise<Map<number, PartitionRead<RawRecord>>> {
    return this.readEach(topic, positions, maxBytesPerPartition, { includeAborted: false, build: toRawRecord });
  }

  /** Records of one partition from an offset (at most about maxBytes of them). */
  async readRecords(topic: string, partition: number, offset: number, maxBytes = 64 * 1024, options: ReadOptions = {}): Promise<FetchedRecord[]> {
    return (await this.readPartitions(topic, [{ partition, offset }], maxBytes, options)).get(partition)?.records ?? [];
  }
}
