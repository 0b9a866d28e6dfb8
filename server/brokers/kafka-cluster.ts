import type { Kafka } from "kafkajs";

/**
 * kafkajs' Admin API asks ListOffsets one topic at a time and cannot read a record without joining a
 * consumer group. Its internal Cluster can do both: one ListOffsets per leader broker for any number
 * of topics, and a group-less Fetch at an exact offset. kafkajs 2.2.4 is the final release, so this
 * internal surface is frozen; it is reached only from this file.
 */

interface InternalBroker {
  fetch(request: {
    replicaId?: number;
    isolationLevel?: number;
    maxWaitTime?: number;
    minBytes?: number;
    maxBytes?: number;
    topics: { topic: string; partitions: { partition: number; fetchOffset: string; maxBytes: number }[] }[];
  }): Promise<{
    responses: {
      topicName: string;
      partitions: { partition: number; errorCode: number; highWatermark: string; messages: FetchedRecord[] }[];
    }[];
  }>;
}

export interface FetchedRecord {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, Buffer | Buffer[] | undefined>;
}

interface InternalCoordinator {
  offsetCommit(request: {
    groupId: string;
    groupGenerationId: number;
    memberId: string;
    retentionTime?: number;
    topics: { topic: string; partitions: { partition: number; offset: string }[] }[];
  }): Promise<unknown>;
}

interface InternalCluster {
  findGroupCoordinator(options: { groupId: string }): Promise<InternalCoordinator>;
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  refreshMetadata(): Promise<void>;
  addMultipleTargetTopics(topics: string[]): Promise<void>;
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(options: { nodeId: string }): Promise<InternalBroker>;
  fetchTopicsOffset(
    topics: { topic: string; partitions: { partition: number }[]; fromBeginning: boolean }[],
  ): Promise<{ topic: string; partitions: { partition: number; offset: string }[] }[]>;
}

type ClusterFactory = (options: { allowAutoTopicCreation: boolean }) => InternalCluster;

function clusterFactory(kafka: Kafka): ClusterFactory {
  const symbol = Object.getOwnPropertySymbols(kafka).find((s) => s.description === "private:Kafka:createCluster");
  const factory = symbol ? (kafka as unknown as Record<symbol, unknown>)[symbol] : undefined;
  if (typeof factory !== "function") throw new Error("this kafkajs version does not expose its cluster factory");
  return factory as ClusterFactory;
}

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

const READ_UNCOMMITTED = 0;

export class KafkaCluster {
  private readonly create: () => InternalCluster;
  private cluster: InternalCluster;
  private connected: Promise<void> | null = null;

  constructor(kafka: Kafka) {
    const factory = clusterFactory(kafka);
    this.create = () => factory({ allowAutoTopicCreation: false });
    this.cluster = this.create();
  }

  private async connect(): Promise<void> {
    this.connected ??= this.cluster.connect().catch((error: unknown) => {
      this.connected = null;
      throw error;
    });
    await this.connected;
  }

  /**
   * kafkajs' cluster keeps every topic it was ever asked about and refreshes metadata for all of them:
   * once one is deleted, every refresh fails. So when adding topics fails, start over with a fresh
   * cluster that knows only the topics asked for now (a topic that is really gone fails again, rightly).
   */
  private async ready(topics: string[]): Promise<void> {
    await this.connect();
    try {
      await this.cluster.addMultipleTargetTopics(topics);
    } catch {
      const stale = this.cluster;
      this.cluster = this.create();
      this.connected = null;
      await stale.disconnect().catch(() => undefined);
      await this.connect();
      await this.cluster.addMultipleTargetTopics(topics);
    }
  }

  /** Log-start and log-end offsets of every given partition, in one ListOffsets request per leader and direction. */
  async listOffsets(topics: TopicPartitions[]): Promise<PartitionOffsets[]> {
    if (topics.length === 0) return [];
    await this.ready(topics.map((t) => t.topic));
    const request = (fromBeginning: boolean) =>
      this.cluster.fetchTopicsOffset(
        topics.map(({ topic, partitions }) => ({ topic, fromBeginning, partitions: partitions.map((partition) => ({ partition })) })),
      );
    const [earliest, latest] = await Promise.all([request(true), request(false)]);
    const start = new Map<string, number>();
    for (const { topic, partitions } of earliest) {
      for (const { partition, offset } of partitions) start.set(`${topic}\u0000${partition}`, Number(offset));
    }
    return latest.flatMap(({ topic, partitions }) =>
      partitions.map(({ partition, offset }) => ({
        topic,
        partition,
        logStartOffset: start.get(`${topic}\u0000${partition}`) ?? 0,
        logEndOffset: Number(offset),
      })),
    );
  }

  /**
   * Reads records of one partition from an offset, without a consumer group (so nothing is committed and
   * no group appears on the cluster). Returns at most about maxBytes of records at or after the offset.
   */
  async readRecords(topic: string, partition: number, offset: number, maxBytes = 64 * 1024): Promise<FetchedRecord[]> {
    await this.ready([topic]);
    const leaders = this.cluster.findLeaderForPartitions(topic, [partition]);
    const nodeId = Object.keys(leaders)[0];
    if (nodeId === undefined) throw new Error(`no leader for ${topic}/${partition}`);
    const broker = await this.cluster.findBroker({ nodeId });
    const response = await broker.fetch({
      isolationLevel: READ_UNCOMMITTED,
      maxWaitTime: 0,
      minBytes: 1,
      maxBytes,
      topics: [{ topic, partitions: [{ partition, fetchOffset: String(offset), maxBytes }] }],
    });
    const records = response.responses.flatMap((r) => r.partitions.flatMap((p) => p.messages));
    // A fetch returns whole batches: drop records before the requested offset.
    return records.filter((record) => Number(record.offset) >= offset);
  }

  /**
   * Reads several partitions of one topic in one Fetch per leader broker, each from its own offset:
   * how scans get through a topic quickly. Returns the records per partition (at or after each offset)
   * and each partition's high watermark.
   */
  async readPartitions(
    topic: string,
    positions: { partition: number; offset: number }[],
    maxBytesPerPartition: number,
  ): Promise<Map<number, { records: FetchedRecord[]; highWatermark: number }>> {
    await this.ready([topic]);
    const leaders = this.cluster.findLeaderForPartitions(topic, positions.map((p) => p.partition));
    const result = new Map<number, { records: FetchedRecord[]; highWatermark: number }>();
    const from = new Map(positions.map((p) => [p.partition, p.offset]));
    await Promise.all(
      Object.entries(leaders).map(async ([nodeId, partitions]) => {
        const broker = await this.cluster.findBroker({ nodeId });
        const response = await broker.fetch({
          isolationLevel: READ_UNCOMMITTED,
          maxWaitTime: 0,
          minBytes: 1,
          maxBytes: maxBytesPerPartition * partitions.length,
          topics: [
            {
              topic,
              partitions: partitions.map((partition) => ({ partition, fetchOffset: String(from.get(partition) ?? 0), maxBytes: maxBytesPerPartition })),
            },
          ],
        });
        for (const topicResponse of response.responses) {
          for (const p of topicResponse.partitions) {
            const start = from.get(p.partition) ?? 0;
            result.set(p.partition, {
              records: p.messages.filter((record) => Number(record.offset) >= start),
              highWatermark: Number(p.highWatermark),
            });
          }
        }
      }),
    );
    return result;
  }

  /**
   * Commits offsets for a group that has no members, as a standalone ("simple") consumer does: generation
   * -1 and no member id. Unlike kafkajs' admin.setOffsets it does not join the group first, so it takes
   * one round trip. The broker refuses it while the group has members.
   */
  async commitOffsets(groupId: string, offsets: { topic: string; partition: number; offset: number }[]): Promise<void> {
    await this.ready([...new Set(offsets.map((o) => o.topic))]);
    const byTopic = new Map<string, { partition: number; offset: string }[]>();
    for (const o of offsets) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), { partition: o.partition, offset: String(o.offset) }]);
    const coordinator = await this.cluster.findGroupCoordinator({ groupId });
    await coordinator.offsetCommit({
      groupId,
      groupGenerationId: -1,
      memberId: "",
      topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
    });
  }

  async close(): Promise<void> {
    const connected = this.connected;
    this.connected = null;
    if (connected) await connected.then(() => this.cluster.disconnect()).catch(() => undefined);
  }
}
