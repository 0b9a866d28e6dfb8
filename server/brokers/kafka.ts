import { AssignerProtocol, Kafka, logLevel, Partitioners, type Admin, type IHeaders, type KafkaConfig, type Message, type PartitionMetadata, type Producer, type SASLOptions } from "kafkajs";
import pLimit from "p-limit";
import type { KafkaConnectionConfig } from "~/server/config/schema";
import { kafkaConnectionError, securityContext } from "./kafka-errors";
import { kafkaTlsOptions, kafkaTokenProvider } from "./kafka-security";
import { KafkaCluster, type FetchedRecord, type PartitionOffsets } from "./kafka-cluster";
import type { BrokerAdapter, KafkaOverview } from "./types";

export interface KafkaGroupMember {
  memberId: string;
  clientId: string;
  host: string;
  assignments: { topic: string; partitions: number[] }[];
}

export interface KafkaGroupSnapshot {
  groupId: string;
  state: string;
  protocolType: string;
  protocol: string;
  members: KafkaGroupMember[];
  /** Committed offsets; partitions without a commit are absent. */
  offsets: { topic: string; partition: number; offset: number }[];
}

export interface KafkaClusterSnapshot {
  takenAt: Date;
  partitions: PartitionOffsets[];
  groups: KafkaGroupSnapshot[];
}

// Describe this many groups per DescribeGroups request.
const DESCRIBE_CHUNK = 50;

// One partition's records in a produce request stay under this many bytes: brokers refuse a record batch
// above message.max.bytes (1 MiB by default), and kafkajs does not split batches itself.
const PRODUCE_CHUNK_BYTES = 900 * 1024;
// And one request stays well under the broker's socket.request.max.bytes (100 MiB by default).
const PRODUCE_REQUEST_BYTES = 16 * 1024 * 1024;
// How long a topic's partition metadata is trusted when partitioning replayed records.
const PARTITION_METADATA_TTL_MS = 60_000;

export interface ProducedRecord {
  topic: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: ReadonlyMap<string, Uint8Array | null>;
}

function toKafkajsHeaders(headers: ReadonlyMap<string, Uint8Array | null>): IHeaders {
  const result: IHeaders = {};
  // kafkajs writes a null header value as Kafka's null; its types just do not say so.
  for (const [name, value] of headers) result[name] = (value === null ? null : Buffer.from(value)) as Buffer;
  return result;
}

/** UNKNOWN_TOPIC_OR_PARTITION, also when kafkajs wraps it after its own retries. */
function isUnknownTopicError(error: unknown): boolean {
  for (let current = error as { type?: string; message?: string; originalError?: unknown; cause?: unknown } | undefined, depth = 0; current && depth < 4; depth += 1) {
    if (current.type === "UNKNOWN_TOPIC_OR_PARTITION" || current.message?.includes("does not host this topic-partition")) return true;
    current = (current.originalError ?? current.cause) as typeof current;
  }
  return false;
}

const recordBytes = (record: ProducedRecord) =>
  (record.key?.length ?? 0) + (record.value?.length ?? 0) + [...record.headers].reduce((sum, [name, value]) => sum + name.length + (value?.length ?? 0), 0) + 64;

function decodeAssignments(protocolType: string, raw: Buffer): KafkaGroupMember["assignments"] {
  if (protocolType !== "consumer" || raw.length === 0) return [];
  try {
    const decoded = AssignerProtocol.MemberAssignment.decode(raw);
    return Object.entries(decoded?.assignment ?? {}).map(([topic, partitions]) => ({ topic, partitions }));
  } catch {
    return []; // a client with a custom assignment encoding
  }
}

/** The resolved TLS and SASL settings (kafka-security.ts) in kafkajs' shape; kafkajs' OAUTHBEARER sends no SASL extensions. */
export function kafkajsConnectionOptions(config: KafkaConnectionConfig): Pick<KafkaConfig, "ssl" | "sasl"> {
  const tls = kafkaTlsOptions(config.ssl);
  const sasl = config.sasl;
  if (!sasl) return { ssl: tls };
  const token = kafkaTokenProvider(sasl);
  const saslOptions: SASLOptions =
    sasl.mechanism === "oauthbearer" || sasl.mechanism === "aws-msk-iam"
      ? { mechanism: "oauthbearer", oauthBearerProvider: async () => ({ value: await token!() }) }
      : ({ mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } as SASLOptions);
  return { ssl: tls, sasl: saslOptions };
}

export function kafkaClientConfig(config: KafkaConnectionConfig): KafkaConfig {
  return {
    clientId: config.clientId,
    brokers: config.brokers,
    ...kafkajsConnectionOptions(config),
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    // Fail fast: an operator console must report a broken connection, not hang retrying it.
    retry: { retries: 1, initialRetryTime: 200, maxRetryTime: 1_000 },
    logLevel: logLevel.NOTHING,
  };
}

export const isInternalTopic = (topic: string) => topic.startsWith("__");

export class KafkaAdapter implements BrokerAdapter<KafkaOverview> {
  readonly kind = "kafka" as const;
  readonly name: string;
  readonly config: KafkaConnectionConfig;
  private readonly kafka: Kafka;
  private readonly cluster: KafkaCluster;
  private admin: Promise<Admin> | null = null;
  private producer: Promise<Producer> | null = null;

  constructor(config: KafkaConnectionConfig) {
    this.name = config.name;
    this.config = config;
    this.kafka = new Kafka(kafkaClientConfig(config));
    this.cluster = new KafkaCluster(this.kafka);
  }

  /** One long-lived admin client; dropped after a failure so the next call reconnects. */
  private async withAdmin<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
    this.admin ??= (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      return admin;
    })();
    const pending = this.admin;
    try {
      return await work(await pending);
    } catch (error) {
      if (this.admin === pending) {
        this.admin = null;
        pending.then((admin) => admin.disconnect()).catch(() => undefined);
      }
      throw error;
    }
  }

  async ping(): Promise<{ version: string | null }> {
    // A wrong CA, certificate or password reads as such on Settings, with the connection's name.
    await this.withAdmin((admin) => admin.describeCluster()).catch((error: unknown) => {
      throw kafkaConnectionError(this.name, error, securityContext(this.config));
    });
    // Kafka's wire protocol does not report the broker's release version.
    return { version: null };
  }

  overview(): Promise<KafkaOverview> {
    return this.withAdmin(async (admin) => {
      const [cluster, metadata, groups] = await Promise.all([
        admin.describeCluster(),
        admin.fetchTopicMetadata(),
        admin.listGroups(),
      ]);
      let topicCount = 0;
      let internalTopicCount = 0;
      let partitionCount = 0;
      for (const topic of metadata.topics) {
        if (isInternalTopic(topic.name)) {
          internalTopicCount += 1;
          continue;
        }
        topicCount += 1;
        partitionCount += topic.partitions.length;
      }
      return {
        brokers: cluster.brokers.map(({ nodeId, host, port }) => ({ nodeId, host, port })),
        controllerId: cluster.controller,
        clusterId: cluster.clusterId,
        topicCount,
        internalTopicCount,
        partitionCount,
        consumerGroupCount: groups.groups.length,
      };
    });
  }

  /**
   * Everything needed for consumer lag in a few batched round trips: topic metadata, every partition's
   * log-start and log-end offset (one ListOffsets per leader), every group's description (batched per
   * coordinator) and committed offsets (one OffsetFetch per group, `concurrency` at a time).
   */
  lagSnapshot(concurrency: number): Promise<KafkaClusterSnapshot> {
    return this.withAdmin(async (admin) => {
      const takenAt = new Date();
      const [metadata, listed] = await Promise.all([admin.fetchTopicMetadata(), admin.listGroups()]);
      const topics = metadata.topics
        .filter((topic) => !isInternalTopic(topic.name))
        .map((topic) => ({ topic: topic.name, partitions: topic.partitions.map((p) => p.partitionId) }));
      const groupIds = listed.groups.map((group) => group.groupId).sort();
      const chunks: string[][] = [];
      for (let i = 0; i < groupIds.length; i += DESCRIBE_CHUNK) chunks.push(groupIds.slice(i, i + DESCRIBE_CHUNK));
      const limit = pLimit(concurrency);
      const [partitions, described, offsets] = await Promise.all([
        this.cluster.listOffsets(topics),
        Promise.all(chunks.map((chunk) => limit(() => admin.describeGroups(chunk)))),
        Promise.all(groupIds.map((groupId) => limit(async () => ({ groupId, topics: await admin.fetchOffsets({ groupId }) })))),
      ]);
      const offsetsByGroup = new Map(offsets.map((entry) => [entry.groupId, entry.topics]));
      const groups = described.flatMap((response) =>
        response.groups.map((group): KafkaGroupSnapshot => ({
          groupId: group.groupId,
          state: group.state,
          protocolType: group.protocolType,
          protocol: group.protocol,
          members: group.members.map((member) => ({
            memberId: member.memberId,
            clientId: member.clientId,
            host: member.clientHost,
            assignments: decodeAssignments(group.protocolType, member.memberAssignment),
          })),
          offsets: (offsetsByGroup.get(group.groupId) ?? []).flatMap(({ topic, partitions: committed }) =>
            committed
              .filter((p) => Number(p.offset) >= 0)
              .map((p) => ({ topic, partition: p.partition, offset: Number(p.offset) })),
          ),
        })),
      );
      return { takenAt, partitions, groups };
    });
  }

  /** Log-start and log-end offsets of every partition of one topic. */
  async topicOffsets(topic: string): Promise<PartitionOffsets[]> {
    const metadata = await this.withAdmin((admin) => admin.fetchTopicMetadata({ topics: [topic] }));
    const partitions = metadata.topics[0]?.partitions.map((p) => p.partitionId) ?? [];
    return (await this.cluster.listOffsets([{ topic, partitions }])).sort((a, b) => a.partition - b.partition);
  }

  /** The first offset of each partition whose record timestamp is at or after the given time. */
  offsetsForTimestamp(topic: string, timestampMs: number): Promise<{ partition: number; offset: number }[]> {
    return this.withAdmin(async (admin) =>
      (await admin.fetchTopicOffsetsByTimestamp(topic, timestampMs)).map((p) => ({ partition: p.partition, offset: Number(p.offset) })),
    );
  }

  readPartitions(topic: string, positions: { partition: number; offset: number }[], maxBytesPerPartition: number) {
    return this.cluster.readPartitions(topic, positions, maxBytesPerPartition);
  }

  /**
   * Produces one record and resolves once the broker acknowledged it from all in-sync replicas.
   * Idempotent producer: a retried send is not written twice. The key decides the partition, as for
   * the original producer, so per-key order holds.
   */
  async produce(topic: string, record: { key: Buffer | null; value: Buffer | null; headers: Map<string, Uint8Array | null> }): Promise<{ partition: number; offset: number }> {
    const [position] = await this.produceBatch([{ topic, ...record }]);
    if (!position) throw new Error(`no acknowledgement from ${topic}`);
    return position;
  }

  /** One long-lived idempotent producer; dropped after a failure so the next call reconnects. */
  private async idempotentProducer(): Promise<Producer> {
    const pending = (this.producer ??= (async () => {
      const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      await producer.connect();
      return producer;
    })());
    try {
      return await pending;
    } catch (error) {
      if (this.producer === pending) this.producer = null;
      throw error;
    }
  }

  private resetProducer(): void {
    const stale = this.producer;
    this.producer = null;
    stale?.then((p) => p.disconnect()).catch(() => undefined);
  }

  private readonly partitionMetadata = new Map<string, { at: number; partitions: PartitionMetadata[] }>();

  private async partitionsOf(topic: string): Promise<PartitionMetadata[]> {
    const cached = this.partitionMetadata.get(topic);
    if (cached && Date.now() - cached.at < PARTITION_METADATA_TTL_MS) return cached.partitions;
    const metadata = await this.withAdmin((admin) => admin.fetchTopicMetadata({ topics: [topic] }));
    const partitions = metadata.topics[0]?.partitions ?? [];
    if (partitions.length === 0) throw new Error(`topic "${topic}" does not exist`);
    this.partitionMetadata.set(topic, { at: Date.now(), partitions });
    return partitions;
  }

  private readonly partitioner = Partitioners.DefaultPartitioner();

  /**
   * Produces records idempotently with acks=all and resolves, in input order, with where each landed once
   * the broker acknowledged it from all in-sync replicas. The partition is chosen up front with Kafka's
   * default (murmur2) partitioner, as the original producer would, so per-key order holds and each
   * record's offset is known from its partition's base offset. Requests are cut below 1 MiB.
   */
  async produceBatch(records: ProducedRecord[]): Promise<{ partition: number; offset: number }[]> {
    if (records.length === 0) return [];
    const partitions = new Map<string, PartitionMetadata[]>();
    for (const topic of new Set(records.map((r) => r.topic))) {
      // The admin client has kafkajs' deleted-topic problem too; withAdmin rebuilds it after a failure.
      partitions.set(topic, await this.partitionsOf(topic).catch((error: unknown) => (isUnknownTopicError(error) ? this.partitionsOf(topic) : Promise.reject(error))));
    }
    const assigned = records.map((record) => {
      const message: Message = { key: record.key, value: record.value, headers: toKafkajsHeaders(record.headers) };
      const partition = this.partitioner({ topic: record.topic, partitionMetadata: partitions.get(record.topic)!, message });
      return { ...message, topic: record.topic, partition, bytes: recordBytes(record) };
    });
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
      const byTopic = new Map<string, Message[]>();
      for (const { topic, partition, key, value, headers } of chunk) {
        let list = byTopic.get(topic);
        if (!list) byTopic.set(topic, (list = []));
        list.push({ key, value, headers, partition });
      }
      let acknowledged;
      const topicMessages = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
      try {
        try {
          acknowledged = await (await this.idempotentProducer()).sendBatch({ acks: -1, topicMessages });
        } catch (error) {
          // kafkajs keeps refreshing metadata for every topic it ever produced to; once one of them is
          // deleted, its refresh fails with UNKNOWN_TOPIC_OR_PARTITION before anything is sent. A new
          // producer knows only today's topics: retry once with it.
          if (!isUnknownTopicError(error)) throw error;
          this.resetProducer();
          this.partitionMetadata.clear();
          acknowledged = await (await this.idempotentProducer()).sendBatch({ acks: -1, topicMessages });
        }
      } catch (error) {
        // A producer that lost its broker is rebuilt for the next attempt rather than trusted again.
        this.resetProducer();
        this.partitionMetadata.clear();
        throw error;
      }
      const base = new Map(acknowledged.map((meta) => [`${meta.topicName}:${meta.partition}`, Number(meta.baseOffset ?? meta.offset)]));
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

  /** Records of a partition from an offset, read without a consumer group. */
  readRecords(topic: string, partition: number, offset: number, maxBytes?: number): Promise<FetchedRecord[]> {
    return this.cluster.readRecords(topic, partition, offset, maxBytes);
  }

  async close(): Promise<void> {
    const producer = this.producer;
    this.producer = null;
    if (producer) await producer.then((p) => p.disconnect()).catch(() => undefined);
    await this.cluster.close();
    const pending = this.admin;
    this.admin = null;
    if (pending) await pending.then((admin) => admin.disconnect()).catch(() => undefined);
  }
}
