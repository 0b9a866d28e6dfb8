import { Kafka, logLevel, type Admin } from "kafkajs";
import pLimit from "p-limit";
import { Admin as OffsetsAdmin, ListOffsetTimestamps } from "@platformatic/kafka";
import { log, timed } from "./stats";

export interface FixtureShape {
  topics: number;
  partitionsPerTopic: number;
  groups: number;
  messagesPerPartition: number;
}

export interface Fixture {
  prefix: string;
  topics: string[];
  groups: string[];
  /** Partitions each group committed on. */
  groupPartitions: Map<string, number>;
  /** Sum of (log end - committed) over every committed partition of the bench groups. */
  expectedLag: number;
  expectedRows: number;
  timings: { createTopicsMs: number; produceMs: number; commitMs: number; totalMs: number };
}

const TOPIC_BATCH = 50;
const PRODUCE_TOPICS_PER_BATCH = 10;
const PRODUCE_ATTEMPTS = 10;
const COMMIT_CONCURRENCY = 16;
const DELETE_BATCH = 50;

function shuffled<T>(items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

export function benchKafka(brokers: string[]): Kafka {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = "1";
  return new Kafka({ clientId: "redrive-bench", brokers, logLevel: logLevel.NOTHING, requestTimeout: 60_000 });
}

async function waitForLeaders(admin: Admin, topics: string[], partitions: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      const { topics: described } = await admin.fetchTopicMetadata({ topics });
      const ready = described.every((t) => t.partitions.length === partitions && t.partitions.every((p) => p.leader >= 0));
      if (described.length === topics.length && ready) return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error(`no leaders for ${topics[0]}.. after 120 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Topics with messages on every partition, and member-less groups with committed offsets on 2-3 topics each. */
export async function buildFixture(kafka: Kafka, admin: Admin, prefix: string, shape: FixtureShape, brokers = [process.env.KAFKA_BROKER ?? "127.0.0.1:9092"]): Promise<Fixture> {
  const topics = Array.from({ length: shape.topics }, (_, i) => `${prefix}-topic-${String(i).padStart(3, "0")}`);
  const groups = Array.from({ length: shape.groups }, (_, i) => `${prefix}-group-${String(i).padStart(3, "0")}`);
  const started = performance.now();

  const created = await timed(async () => {
    for (let i = 0; i < topics.length; i += TOPIC_BATCH) {
      const batch = topics.slice(i, i + TOPIC_BATCH);
      // kafkajs' own waitForLeaders gives up on UNKNOWN_TOPIC_OR_PARTITION, which KRaft answers right after
      // the create while the metadata propagates: wait here instead.
      await admin.createTopics({
        waitForLeaders: false,
        timeout: 120_000,
        topics: batch.map((topic) => ({ topic, numPartitions: shape.partitionsPerTopic, replicationFactor: 1 })),
      });
      await waitForLeaders(admin, batch, shape.partitionsPerTopic);
    }
  });
  log(`created ${topics.length} topics x ${shape.partitionsPerTopic} partitions in ${(created.ms / 1000).toFixed(1)} s`);

  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const produced = await timed(async () => {
    const payload = Buffer.alloc(100, "x");
    for (let i = 0; i < topics.length; i += PRODUCE_TOPICS_PER_BATCH) {
      const batch = {
        acks: 1,
        topicMessages: topics.slice(i, i + PRODUCE_TOPICS_PER_BATCH).map((topic) => ({
          topic,
          messages: Array.from({ length: shape.partitionsPerTopic * shape.messagesPerPartition }, (_, n) => ({
            partition: n % shape.partitionsPerTopic,
            value: payload,
          })),
        })),
      };
      // On several brokers a new partition's leader can learn it leads after the others already say so:
      // kafkajs gives up on NOT_LEADER after its retries, so try the batch again for a while.
      for (let attempt = 1; ; attempt++) {
        try {
          await producer.sendBatch(batch);
          break;
        } catch (error) {
          if (attempt >= PRODUCE_ATTEMPTS) throw error;
          log(`produce to ${batch.topicMessages[0]!.topic}.. failed (${error instanceof Error ? error.message : String(error)}), attempt ${attempt + 1} of ${PRODUCE_ATTEMPTS}`);
          await new Promise((resolve) => setTimeout(resolve, 2_000));
        }
      }
    }
  });
  await producer.disconnect();
  log(`produced ${shape.messagesPerPartition} messages to each of ${topics.length * shape.partitionsPerTopic} partitions in ${(produced.ms / 1000).toFixed(1)} s`);

  // Producer retries (NOT_LEADER right after creation) can duplicate a batch: commit against the real log ends.
  const offsetsAdmin = new OffsetsAdmin({ clientId: "redrive-bench", bootstrapBrokers: brokers, timeout: 60_000 });
  const logEnd = new Map<string, number>();
  const ends = await offsetsAdmin.listOffsets({
    topics: topics.map((name) => ({ name, partitions: Array.from({ length: shape.partitionsPerTopic }, (_, partitionIndex) => ({ partitionIndex, timestamp: ListOffsetTimestamps.LATEST })) })),
  });
  for (const { name, partitions } of ends) for (const p of partitions) logEnd.set(`${name}/${p.partitionIndex}`, Number(p.offset));
  const groupPartitions = new Map<string, number>();
  let expectedLag = 0;
  let expectedRows = 0;
  const committed = await timed(async () => {
    const limit = pLimit(COMMIT_CONCURRENCY);
    await Promise.all(
      groups.map((groupId) =>
        limit(async () => {
          const mine = shuffled(topics).slice(0, 2 + Math.floor(Math.random() * 2));
          const offsets = mine.flatMap((topic) =>
            Array.from({ length: shape.partitionsPerTopic }, (_, partition) => ({
              topic,
              partition,
              offset: Math.floor(Math.random() * ((logEnd.get(`${topic}/${partition}`) ?? 0) + 1)),
            })),
          );
          // A member-less group's offsets in one OffsetCommit, as a standalone consumer writes them.
          const byTopic = new Map<string, { partition: number; offset: bigint }[]>();
          for (const o of offsets) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), { partition: o.partition, offset: BigInt(o.offset) }]);
          await offsetsAdmin.alterConsumerGroupOffsets({ groupId, topics: [...byTopic].map(([name, partitionOffsets]) => ({ name, partitionOffsets })) });
          groupPartitions.set(groupId, offsets.length);
          expectedRows += offsets.length;
          expectedLag += offsets.reduce((sum, o) => sum + (logEnd.get(`${o.topic}/${o.partition}`) ?? 0) - o.offset, 0);
        }),
      ),
    );
  });
  await offsetsAdmin.close();
  log(`committed offsets for ${groups.length} groups (${expectedRows} partition rows) in ${(committed.ms / 1000).toFixed(1)} s`);

  return {
    prefix,
    topics,
    groups,
    groupPartitions,
    expectedLag,
    expectedRows,
    timings: { createTopicsMs: created.ms, produceMs: produced.ms, commitMs: committed.ms, totalMs: performance.now() - started },
  };
}

/** Deletes every group and topic whose name starts with the prefix (also those of an interrupted build). */
export async function deleteFixture(admin: Admin, prefix: string): Promise<void> {
  const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix));
  for (let i = 0; i < groups.length; i += DELETE_BATCH) {
    await admin.deleteGroups(groups.slice(i, i + DELETE_BATCH)).catch((error: unknown) => {
      log(`deleteGroups failed: ${error instanceof Error ? error.message : String(error)}`);
    });
  }
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
  // Topics still being created when a run fails can survive one delete: check and retry a few times.
  for (let attempt = 0, left = topics; attempt < 3 && left.length > 0; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 2_000));
    for (let i = 0; i < left.length; i += DELETE_BATCH) {
      await admin.deleteTopics({ topics: left.slice(i, i + DELETE_BATCH), timeout: 60_000 }).catch((error: unknown) => {
        log(`deleteTopics failed: ${error instanceof Error ? error.message : String(error)}`);
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    left = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
  }
  log(`deleted ${groups.length} groups and ${topics.length} topics with prefix ${prefix}`);
}
