/**
 * kafkajs vs @platformatic/kafka on Redrive's hot paths, measured in one run against the same broker:
 * fetch-and-decode of 1 KiB records, idempotent acks=all produce, ListOffsets + OffsetFetch at many
 * partitions. Sizes come from the environment (see bench/README.md); the defaults are the scale.
 */
import { Admin, Consumer, FetchIsolationLevels, ListOffsetTimestamps, ProduceAcks, Producer } from "@platformatic/kafka";
import { Kafka, logLevel } from "kafkajs";
import { installCleanup } from "../common/cleanup";
import { logger, millis } from "../common/stats";

const log = logger("bench:kafka-clients");
const { onCleanup, runMain } = installCleanup(log);

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const BROKERS = (process.env.KAFKA_BROKER || `127.0.0.1:${process.env.KAFKA_PORT ?? 9092}`).split(",");
const RECORDS = env("BENCH_CLIENTS_RECORDS", 300_000);
const BATCH = env("BENCH_CLIENTS_BATCH", 500);
const PARTITIONS = env("BENCH_CLIENTS_PARTITIONS", 5_000);
const PARTITIONS_PER_TOPIC = env("BENCH_CLIENTS_PARTITIONS_PER_TOPIC", 50);
const GROUPS = env("BENCH_CLIENTS_GROUPS", 30);
const ROUNDS = env("BENCH_CLIENTS_ROUNDS", 3);
const prefix = `bench-clients-${Date.now().toString(36)}`;

const kafkajs = new Kafka({ clientId: prefix, brokers: BROKERS, logLevel: logLevel.NOTHING });
const base = { clientId: prefix, bootstrapBrokers: BROKERS };

const value = (i: number) => Buffer.from(JSON.stringify({ i, pad: "x".repeat(1000) }).slice(0, 1024));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed(work: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

/** Median of ROUNDS runs, after one warm-up run that is not counted (retried while new partitions elect leaders). */
async function rounds(work: () => Promise<void>): Promise<number> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await work();
      break;
    } catch (error) {
      if (attempt >= 15) throw error;
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
  }
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i += 1) times.push(await timed(work));
  return median(times);
}

async function produceKafkajs(topic: string, count: number): Promise<void> {
  const producer = kafkajs.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let i = 0; i < count; i += BATCH) {
      const messages = Array.from({ length: Math.min(BATCH, count - i) }, (_, j) => ({ key: `k${i + j}`, value: value(i + j) }));
      await producer.send({ topic, acks: -1, messages });
    }
  } finally {
    await producer.disconnect();
  }
}

async function producePlatformatic(topic: string, count: number): Promise<void> {
  const producer = new Producer({ ...base, idempotent: true, acks: ProduceAcks.ALL });
  try {
    for (let i = 0; i < count; i += BATCH) {
      const messages = Array.from({ length: Math.min(BATCH, count - i) }, (_, j) => ({ topic, key: Buffer.from(`k${i + j}`), value: value(i + j) }));
      await producer.send({ messages });
    }
  } finally {
    await producer.close();
  }
}

/** kafkajs reads only through a consumer group (eachBatch, its faster mode); every value is JSON-parsed. */
async function consumeKafkajs(topic: string, count: number): Promise<void> {
  const consumer = kafkajs.consumer({ groupId: `${prefix}-read-${Math.random().toString(36).slice(2)}`, maxBytes: 10 << 20, maxBytesPerPartition: 1 << 20 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachBatch: async ({ batch }) => {
          for (const message of batch.messages) JSON.parse(message.value!.toString());
          seen += batch.messages.length;
          if (seen >= count) resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
}

/** Redrive's read path: group-less Fetch requests at explicit offsets (1 MiB per partition, 10 MiB per request). */
async function fetchPlatformatic(topic: string, count: number, partitions: number): Promise<void> {
  const consumer = new Consumer({ ...base, groupId: `${prefix}-unused` });
  try {
    const metadata = await consumer.metadata({ topics: [topic] });
    const info = metadata.topics.get(topic)!;
    const next = Array.from({ length: partitions }, () => 0n);
    let seen = 0;
    while (seen < count) {
      const byLeader = new Map<number, number[]>();
      info.partitions.forEach((p, index) => byLeader.set(p.leader, [...(byLeader.get(p.leader) ?? []), index]));
      for (const [node, indexes] of byLeader) {
        const response = await consumer.fetch({
          node,
          maxBytes: 10 << 20,
          maxWaitTime: 0,
          isolationLevel: FetchIsolationLevels.READ_COMMITTED,
          topics: [{ topicId: info.id, partitions: indexes.map((partition) => ({ partition, fetchOffset: next[partition]!, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, lastFetchedEpoch: -1 })) }],
        });
        for (const p of response.responses[0]?.partitions ?? []) {
          for (const batch of p.records ?? []) {
            for (const record of batch.records) {
              const offset = batch.firstOffset + BigInt(record.offsetDelta);
              if (offset < next[p.partitionIndex]!) continue;
              JSON.parse(record.value!.toString());
              seen += 1;
              next[p.partitionIndex] = offset + 1n;
            }
          }
        }
      }
    }
  } finally {
    await consumer.close();
  }
}

interface ManyPartitions {
  topics: string[];
  groups: string[];
}

async function manyPartitions(admin: Admin): Promise<ManyPartitions> {
  const topicCount = Math.max(1, Math.ceil(PARTITIONS / PARTITIONS_PER_TOPIC));
  const topics = Array.from({ length: topicCount }, (_, i) => `${prefix}-p${i}`);
  for (let i = 0; i < topics.length; i += 50) {
    await admin.createTopics({ topics: topics.slice(i, i + 50), partitions: PARTITIONS_PER_TOPIC, replicas: 1 });
  }
  onCleanup("delete partition topics", () => admin.deleteTopics({ topics }));
  const groups = Array.from({ length: GROUPS }, (_, i) => `${prefix}-g${i}`);
  // Each group commits offset 0 on every partition of three topics, as the lag bench's groups do.
  for (const [i, groupId] of groups.entries()) {
    const mine = [0, 1, 2].map((j) => topics[(i * 3 + j) % topics.length]!);
    await admin.alterConsumerGroupOffsets({
      groupId,
      topics: [...new Set(mine)].map((name) => ({ name, partitionOffsets: Array.from({ length: PARTITIONS_PER_TOPIC }, (_, partition) => ({ partition, offset: 0n })) })),
    });
  }
  onCleanup("delete groups", () => admin.deleteGroups({ groups }));
  return { topics, groups };
}

async function offsetsKafkajs(kadmin: ReturnType<Kafka["admin"]>, fixture: ManyPartitions): Promise<void> {
  // kafkajs' public admin asks ListOffsets one topic at a time (earliest and latest in one call).
  await Promise.all(fixture.topics.map((topic) => kadmin.fetchTopicOffsets(topic)));
  await Promise.all(fixture.groups.map((groupId) => kadmin.fetchOffsets({ groupId })));
}

async function offsetsPlatformatic(admin: Admin, fixture: ManyPartitions): Promise<void> {
  const request = (timestamp: bigint) => ({
    topics: fixture.topics.map((name) => ({ name, partitions: Array.from({ length: PARTITIONS_PER_TOPIC }, (_, partitionIndex) => ({ partitionIndex, timestamp })) })),
  });
  await Promise.all([admin.listOffsets(request(ListOffsetTimestamps.EARLIEST)), admin.listOffsets(request(ListOffsetTimestamps.LATEST))]);
  await admin.listConsumerGroupOffsets({ groups: fixture.groups });
}

const rate = (count: number, ms: number) => Math.round((count / ms) * 1000);

async function main(): Promise<void> {
  log(`brokers ${BROKERS.join(",")}; ${RECORDS} x 1 KiB records, ${BATCH}-record produce batches; ${PARTITIONS} partitions (${PARTITIONS_PER_TOPIC}/topic), ${GROUPS} groups; median of ${ROUNDS} rounds after a warm-up`);
  const admin = new Admin(base);
  const kadmin = kafkajs.admin();
  await kadmin.connect();
  onCleanup("close admins", async () => {
    await kadmin.disconnect();
    await admin.close();
  });
  const readTopic = `${prefix}-read`;
  const produceTopics = [`${prefix}-produce-a`, `${prefix}-produce-b`];
  await admin.createTopics({ topics: [readTopic, ...produceTopics], partitions: 3, replicas: 1 });
  onCleanup("delete record topics", () => admin.deleteTopics({ topics: [readTopic, ...produceTopics] }));

  const produceCount = Math.max(BATCH, Math.floor(RECORDS / 3));
  log(`produce: ${produceCount} records per round`);
  const produceJs = await rounds(() => produceKafkajs(produceTopics[0]!, produceCount));
  const producePf = await rounds(() => producePlatformatic(produceTopics[1]!, produceCount));

  await producePlatformatic(readTopic, RECORDS);
  log(`fetch-and-decode: ${RECORDS} records per round`);
  const readJs = await rounds(() => consumeKafkajs(readTopic, RECORDS));
  const readPf = await rounds(() => fetchPlatformatic(readTopic, RECORDS, 3));

  log(`offsets: creating ${PARTITIONS} partitions and ${GROUPS} groups`);
  const fixture = await manyPartitions(admin);
  const offsetsJs = await rounds(() => offsetsKafkajs(kadmin, fixture));
  const offsetsPf = await rounds(() => offsetsPlatformatic(admin, fixture));

  const rows = [
    ["fetch + JSON.parse, rec/s", rate(RECORDS, readJs), rate(RECORDS, readPf), readJs / readPf],
    ["produce idempotent acks=all, rec/s", rate(produceCount, produceJs), rate(produceCount, producePf), produceJs / producePf],
    [`ListOffsets x2 + OffsetFetch (${PARTITIONS} partitions, ${GROUPS} groups)`, millis(offsetsJs), millis(offsetsPf), offsetsJs / offsetsPf],
  ] as const;
  console.log("\n| test | kafkajs 2.2.4 | @platformatic/kafka | platformatic / kafkajs |\n|---|---|---|---|");
  for (const [name, js, pf, ratio] of rows) console.log(`| ${name} | ${js} | ${pf} | ${ratio.toFixed(2)}x |`);
  console.log("(ratio > 1: @platformatic/kafka is faster; for the offsets row it is kafkajs' time over platformatic's)");
}

runMain(main, "bench:kafka-clients");
