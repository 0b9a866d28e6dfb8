import { Admin, Consumer, murmur2, ProduceAcks, Producer, type BaseOptions } from "@platformatic/kafka";
import type { KafkaConnectionConfig } from "./config";
import { committedOffsets, describeAllGroups, listAllGroups, type KafkaGroupDescription } from "./kafka-groups";
import { KafkaReader, type PartitionOffsets, type ReadOptions } from "./kafka-reader";
import { explainKafkaError, type FetchedRecord } from "./kafka-records";
import { kafkaConnectionError, securityContext } from "./kafka-errors";
import { kafkaConnectionOptions } from "./kafka-security";
import { kafkaMissingTarget, kafkaReplayAudience, topicRetentionMs } from "./kafka-targets";
import { expiringFromOffsets } from "../shared/retention";
import type { BrokerAdapter, ExpiringSoon, KafkaOverview, ReplayAudience, ReplayCapabilities } from "../types";

export type { KafkaGroupMember } from "./kafka-groups";

export interface KafkaGroupSnapshot extends KafkaGroupDescription {
  /** Committed offsets; partitions without a commit are absent. */
  offsets: { topic: string; partition: number; offset: number }[];
}

export interface KafkaClusterSnapshot {
  takenAt: Date;
  partitions: PartitionOffsets[];
  groups: KafkaGroupSnapshot[];
}

// One partition's records in a produce request stay under this many bytes: brokers refuse a record batch
// above message.max.bytes (1 MiB by default).
const PRODUCE_CHUNK_BYTES = 900 * 1024;
// And one request stays well under the broker's socket.request.max.bytes (100 MiB by default).
const PRODUCE_REQUEST_BYTES = 16 * 1024 * 1024;
// How long a topic's partition count is trusted when partitioning replayed records.
const PARTITION_METADATA_TTL_MS = 60_000;

export interface ProducedRecord {
  topic: string;
  key: Buffer | null;
  value: Buffer | null;
  /** In order; a name may repeat, and each occurrence is written. A name given as bytes is written as it is. */
  headers: Iterable<readonly [string | Buffer, Uint8Array | null]>;
}

/** A Buffer over the same bytes (no copy: what is produced is not changed afterwards). */
const asBuffer = (bytes: Uint8Array) => (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));

/**
 * Headers as the client writes them, and the record's size: a Map keyed by distinct Buffer objects keeps
 * repeated names, in order.
 */
function wireRecord(record: ProducedRecord): { headers: Map<Buffer, Buffer>; bytes: number } {
  const headers = new Map<Buffer, Buffer>();
  let bytes = (record.key?.length ?? 0) + (record.value?.length ?? 0) + 64;
  for (const [name, value] of record.headers) {
    // A name passed as bytes is one fetched header's own slice; the same Buffer twice is copied, or the Map would keep one.
    const wireName = typeof name === "string" || headers.has(name) ? Buffer.from(name) : name;
    // A null header value is written as Kafka's null (length -1); the client's types only say Buffer.
    headers.set(wireName, (value === null ? null : asBuffer(value)) as Buffer);
    bytes += wireName.length + (value?.length ?? 0);
  }
  return { headers, bytes };
}

/** The one place Redrive's Kafka connection config becomes client options. */
function clientOptions(config: KafkaConnectionConfig, role: string): BaseOptions {
  return {
    clientId: `${config.clientId}-${role}`,
    bootstrapBrokers: config.brokers,
    ...kafkaConnectionOptions(config),
    connectTimeout: 3_000,
    requestTimeout: 10_000,
    timeout: 10_000,
    // Fail fast: an operator console must report a broken connection, not hang retrying it.
    retries: 1,
    retryDelay: 200,
    autocreateTopics: false,
  };
}

/** Runs a client call, turning the client's nested errors into one that names the root cause. */
async function explained<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw explainKafkaError(error);
  }
}

export const isInternalTopic = (topic: string) => topic.startsWith("__");

export class KafkaAdapter implements BrokerAdapter<KafkaOverview>, ReplayCapabilities {
  readonly kind = "kafka" as const;
  readonly name: string;
  readonly config: KafkaConnectionConfig;
  private readonly admin: Admin;
  private readonly consumer: Consumer;
  private readonly reader: KafkaReader;
  private producer: Producer | null = null;

  constructor(config: KafkaConnectionConfig) {
    this.name = config.name;
    this.config = config;
    this.admin = new Admin(clientOptions(config, "admin"));
    // Only its group-less Fetch is used: this consumer never joins its group.
    this.consumer = new Consumer({ ...clientOptions(config, "reader"), groupId: `${config.clientId}-reader` });
    this.reader = new KafkaReader(this.admin, this.consumer);
  }

  async ping(): Promise<{ version: string | null }> {
    // A wrong CA, certificate or password reads as such on Settings, with the connection's name.
    await this.admin.metadata({ topics: [], forceUpdate: true }).catch((error: unknown) => {
      throw kafkaConnectionError(this.name, error, securityContext(this.config));
    });
    // Kafka's wire protocol does not report the broker's release version.
    return { version: null };
  }

  overview(): Promise<KafkaOverview> {
    return explained(() => this.overviewOnce());
  }

  private async overviewOnce(): Promise<KafkaOverview> {
    const [names, groups] = await Promise.all([this.admin.listTopics({ includeInternals: true }), listAllGroups(this.admin)]);
    const metadata = await this.admin.metadata({ topics: names, forceUpdate: true });
    let topicCount = 0;
    let internalTopicCount = 0;
    let partitionCount = 0;
    for (const [name, topic] of metadata.topics) {
      if (isInternalTopic(name)) {
        internalTopicCount += 1;
        continue;
      }
      topicCount += 1;
      partitionCount += topic.partitionsCount;
    }
    return {
      brokers: [...metadata.brokers].map(([nodeId, { host, port }]) => ({ nodeId, host, port })),
      controllerId: metadata.controllerId,
      clusterId: metadata.id,
      topicCount,
      internalTopicCount,
      partitionCount,
      consumerGroupCount: groups.size,
    };
  }

  /**
   * Everything needed for consumer lag in a few batched round trips: topic metadata, every partition's
   * log-start and log-end offset (one ListOffsets per leader), every group's description (classic groups
   * through DescribeGroups, consumer-protocol groups through ConsumerGroupDescribe, batched per
   * coordinator) and committed offsets (OffsetFetch, `concurrency` requests at a time).
   */
  lagSnapshot(concurrency: number): Promise<KafkaClusterSnapshot> {
    return explained(() => this.lagSnapshotOnce(concurrency));
  }

  private async lagSnapshotOnce(concurrency: number): Promise<KafkaClusterSnapshot> {
    const takenAt = new Date();
    const [names, listed] = await Promise.all([this.admin.listTopics(), listAllGroups(this.admin)]);
    const metadata = names.length ? await this.admin.metadata({ topics: names, forceUpdate: true }) : null;
    const topics = [...(metadata?.topics ?? [])]
      .filter(([name]) => !isInternalTopic(name))
      .map(([topic, info]) => ({ topic, partitions: Array.from({ length: info.partitionsCount }, (_, i) => i) }));
    const groupIds = [...listed.keys()].sort();
    const [partitions, described, offsets] = await Promise.all([
      this.reader.listOffsets(topics),
      describeAllGroups(this.admin, listed, concurrency),
      committedOffsets(this.admin, groupIds, concurrency),
    ]);
    const groups = described.map((group): KafkaGroupSnapshot => ({ ...group, offsets: offsets.get(group.groupId) ?? [] }));
    return { takenAt, partitions, groups };
  }

  /** Log-start and log-end offsets of every partition of one topic. */
  async topicOffsets(topic: string): Promise<PartitionOffsets[]> {
    return explained(async () => {
      const partitions = await this.reader.partitionsOf(topic, true);
      return (await this.reader.listOffsets([{ topic, partitions }])).sort((a, b) => a.partition - b.partition);
    });
  }

  /** The first offset of each partition whose record timestamp is at or after the given time (the log end when none is). */
  async offsetsForTimestamp(topic: string, timestampMs: number): Promise<{ partition: number; offset: number }[]> {
    const [byTime, ends] = await explained(() => Promise.all([this.reader.offsetsForTimestamp(topic, timestampMs), this.topicOffsets(topic)]));
    const end = new Map(ends.map((p) => [p.partition, p.logEndOffset]));
    return byTime.map((p) => ({ partition: p.partition, offset: p.offset >= 0 ? p.offset : (end.get(p.partition) ?? 0) }));
  }

  missingTarget(topic: string): Promise<string | null> {
    return explained(() => kafkaMissingTarget(this.admin, this.name, topic));
  }

  replayAudience(topic: string): Promise<ReplayAudience> {
    return explained(() => kafkaReplayAudience(this.admin, this.name, topic));
  }

  /** Retention counts from the record timestamp; the broker tells how many records are past a time. */
  async expiringSoon(topic: string, withinMs: number): Promise<ExpiringSoon> {
    const retentionMs = await explained(() => topicRetentionMs(this.admin, topic));
    const base = { retentionMs, countsFrom: "record timestamp" as const, withinMs, firstAtMs: null };
    if (retentionMs === null) return { ...base, count: 0 };
    const [ends, cutoff] = await Promise.all([this.topicOffsets(topic), this.offsetsForTimestamp(topic, Date.now() - retentionMs + withinMs)]);
    const at = new Map(cutoff.map((p) => [p.partition, p.offset]));
    return { ...base, ...expiringFromOffsets(ends.map((p) => ({ logStartOffset: p.logStartOffset, cutoffOffset: at.get(p.partition) ?? p.logStartOffset }))) };
  }

  readPartitions(topic: string, positions: { partition: number; offset: number }[], maxBytesPerPartition: number, options?: ReadOptions) {
    return explained(() => this.reader.readPartitions(topic, positions, maxBytesPerPartition, options));
  }

  /** readPartitions for a bulk copy: committed records as the client decoded them, and where each partition goes on. */
  readRawPartitions(topic: string, positions: { partition: number; offset: number }[], maxBytesPerPartition: number) {
    return explained(() => this.reader.readRawPartitions(topic, positions, maxBytesPerPartition));
  }

  /** Records of a partition from an offset, read without a consumer group. */
  readRecords(topic: string, partition: number, offset: number, maxBytes?: number, options?: ReadOptions): Promise<FetchedRecord[]> {
    return explained(() => this.reader.readRecords(topic, partition, offset, maxBytes, options));
  }

  /**
   * Produces one record and resolves once the broker acknowledged it from all in-sync replicas.
   * Idempotent producer: a retried send is not written twice. The key decides the partition, as for
   * the original producer, so per-key order holds.
   */
  async produce(topic: string, record: { key: Buffer | null; value: Buffer | null; headers: ProducedRecord["headers"] }): Promise<{ partition: number; offset: number }> {
    const [position] = await this.produceBatch([{ topic, ...record }]);
    if (!position) throw new Error(`no acknowledgement from ${topic}`);
    return position;
  }

  /** One long-lived idempotent producer (acks=all, the connection's replay compression). */
  private idempotentProducer(): Producer {
    this.producer ??= new Producer({
      ...clientOptions(this.config, "replay"),
      idempotent: true,
      acks: ProduceAcks.ALL,
      compression: this.config.replay.compression,
    });
    return this.producer;
  }

  private resetProducer(): void {
    const stale = this.producer;
    this.producer = null;
    stale?.close().catch(() => undefined);
  }

  private readonly partitionCounts = new Map<string, { at: number; count: number }>();
  private readonly roundRobin = new Map<string, number>();

  private async partitionCount(topic: string): Promise<number> {
    const cached = this.partitionCounts.get(topic);
    if (cached && Date.now() - cached.at < PARTITION_METADATA_TTL_MS) return cached.count;
    const count = (await this.reader.partitionsOf(topic, true)).length;
    if (count === 0) throw new Error(`topic "${topic}" does not exist`);
    this.partitionCounts.set(topic, { at: Date.now(), count });
    return count;
  }

  /** Kafka's default partitioner for keyed records (Java's toPositive(murmur2(key)) % partitions); keyless ones round-robin. */
  private partitionFor(topic: string, key: Buffer | null, partitions: number): number {
    if (key !== null) return (murmur2(key, false) & 0x7fffffff) % partitions;
    const next = this.roundRobin.get(topic) ?? 0;
    this.roundRobin.set(topic, next + 1);
    return next % partitions;
  }

  /**
   * Produces records idempotently with acks=all and resolves, in input order, with where each landed once
   * the broker acknowledged it from all in-sync replicas. The partition is chosen up front with Kafka's
   * default (murmur2) partitioner, as the original producer would, so per-key order holds and each
   * record's offset is known from its partition's base offset. Requests are cut below 1 MiB per partition.
   */
  async produceBatch(records: ProducedRecord[]): Promise<{ partition: number; offset: number }[]> {
    if (records.length === 0) return [];
    const counts = new Map<string, number>();
    for (const topic of new Set(records.map((r) => r.topic))) counts.set(topic, await explained(() => this.partitionCount(topic)));
    const assigned = records.map((record) => ({
      topic: record.topic,
      partition: this.partitionFor(record.topic, record.key, counts.get(record.topic)!),
      key: record.key,
      value: record.value,
      ...wireRecord(record),
    }));
    const positions: { partition: number; offset: number }[] = new Array(records.length);
    let start = 0;
    while (start < assigned.length) {
      // A request holds one record batch per partition: each stays under the broker's per-batch limit.
      let end = start;
      let total = 0;
      const perPartition = new Map<string, number>();
      while (end < assigned.length) {
        const next = assigned[end]!;
        const slot = `${next.topic}:${next.partition}`;
        const slotBytes = perPartition.get(slot) ?? 0;
        if (end > start && (slotBytes + next.bytes > PRODUCE_CHUNK_BYTES || total + next.bytes > PRODUCE_REQUEST_BYTES)) break;
        perPartition.set(slot, slotBytes + next.bytes);
        total += next.bytes;
        end += 1;
      }
      const chunk = assigned.slice(start, end);
      let acknowledged;
      try {
        acknowledged = await this.idempotentProducer().send({
          // The client's types say Buffer; a null key or value is written as Kafka's null (a tombstone).
          messages: chunk.map(({ topic, partition, key, value, headers }) => ({ topic, partition, key: key ?? undefined, value: value as Buffer, headers })),
        });
      } catch (error) {
        // A producer that lost its broker is rebuilt for the next attempt rather than trusted again.
        this.resetProducer();
        this.partitionCounts.clear();
        throw explainKafkaError(error);
      }
      const base = new Map((acknowledged.offsets ?? []).map((meta) => [`${meta.topic}:${meta.partition}`, Number(meta.offset)]));
      const seen = new Map<string, number>();
      chunk.forEach(({ topic, partition }, index) => {
        const slot = `${topic}:${partition}`;
        const baseOffset = base.get(slot);
        if (baseOffset === undefined || Number.isNaN(baseOffset)) throw new Error(`no acknowledgement from ${topic} partition ${partition}`);
        const nth = seen.get(slot) ?? 0;
        seen.set(slot, nth + 1);
        positions[start + index] = { partition, offset: baseOffset + nth };
      });
      start = end;
    }
    return positions;
  }

  async close(): Promise<void> {
    const producer = this.producer;
    this.producer = null;
    await Promise.all([producer?.close(), this.consumer.close(), this.admin.close()].map((closing) => Promise.resolve(closing).catch(() => undefined)));
  }
}
