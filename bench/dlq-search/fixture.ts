import { CompressionTypes, Kafka, logLevel, type Admin, type Message } from "kafkajs";
import { log } from "./util";

/** Records in the topic: 1,000,000 unless `--records N` (a smaller topic of its own, to iterate quickly). */
function recordsArg(): number {
  const at = process.argv.indexOf("--records");
  if (at === -1) return 1_000_000;
  const n = Number(process.argv[at + 1]);
  if (!Number.isInteger(n) || n < 100 || n % 100 !== 0) throw new Error("--records takes a whole number of hundreds (at least 100)");
  return n;
}

export const RECORDS = recordsArg();
/** The DLQ topic of the benchmark: kept between runs (1 GB takes a while to produce), deleted with --cleanup. */
export const TOPIC = RECORDS === 1_000_000 ? "bench-search-1m.DLQ" : `bench-search-${RECORDS}.DLQ`;
export const PARTITIONS = 6;
export const RECORD_BYTES = 1024;
/** Exactly 1% of the records match: the index i with i % 100 == 57 gets an amount with amount % 100 == 42. */
export const EXPECTED_MATCHES = RECORDS / 100;
export const PREDICATE_CEL = "record.value.amount % 100 == 42";
export const PREDICATE_JQ = "select(.amount % 100 == 42)";

const SEND_BATCH = 1_000;
const SENDS_IN_FLIGHT = 4;
/** Consecutive indices go to one partition in blocks of this size, so every partition holds 1% matches. */
const PARTITION_BLOCK = 100;

export function benchKafka(broker: string): Kafka {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = "1";
  return new Kafka({ clientId: "redrive-bench-search", brokers: [broker], logLevel: logLevel.NOTHING, requestTimeout: 120_000 });
}

export function isMatch(index: number): boolean {
  return index % 100 === 57;
}

function amountOf(index: number): number {
  let rest = index % 100;
  if (isMatch(index)) rest = 42;
  else if (rest === 42) rest = 57; // the index that would give 42 gets 57 instead: exactly one match per hundred
  return ((index * 7919) % 5_000) * 100 + rest;
}

const PADDING = "x".repeat(RECORD_BYTES);

/** A ~1 KiB order as a Spring app would dead-letter it. */
export function recordValue(index: number): Buffer {
  return Buffer.from(JSON.stringify(orderOf(index)));
}

/** The order of record `index`, padded so that its JSON is ~RECORD_BYTES (the Avro fixture encodes the same orders). */
export function orderOf(index: number) {
  const order = {
    orderId: `ord-${String(index).padStart(8, "0")}`,
    customer: { id: `cust-${index % 9_973}`, name: `Customer ${index % 9_973}`, email: `customer${index % 9_973}@example.com`, tier: index % 3 === 0 ? "gold" : "standard" },
    amount: amountOf(index),
    currency: ["EUR", "USD", "GBP"][index % 3],
    items: [
      { sku: `SKU-${index % 1_000}`, qty: (index % 5) + 1, price: 1_999 },
      { sku: `SKU-${(index * 3) % 1_000}`, qty: 1, price: 450 },
      { sku: `SKU-${(index * 7) % 1_000}`, qty: 2, price: 12_000 },
    ],
    createdAt: new Date(1_760_000_000_000 + index * 1_000).toISOString(),
    padding: "",
  };
  const base = Buffer.byteLength(JSON.stringify(order));
  order.padding = PADDING.slice(0, Math.max(0, RECORD_BYTES - base));
  return order;
}

/** Which topic the fixture fills and how a record's value is written (JSON by default; bench/dlq-search/avro.ts: Avro). */
export interface TopicSpec {
  topic: string;
  value(index: number): Buffer;
}
export const JSON_TOPIC: TopicSpec = { topic: TOPIC, value: recordValue };

function message(index: number, spec: TopicSpec): Message {
  return {
    partition: Math.floor(index / PARTITION_BLOCK) % PARTITIONS,
    key: `ord-${String(index).padStart(8, "0")}`,
    value: spec.value(index),
    headers: {
      "kafka_dlt-exception-fqcn": "org.springframework.kafka.listener.ListenerExecutionFailedException",
      "kafka_dlt-exception-message": `Listener method 'public void com.example.orders.OrderListener.onOrder(Order)' threw exception; nested exception is java.lang.IllegalStateException: payment declined for ord-${index}`,
      "kafka_dlt-original-topic": "orders",
    },
  };
}

/** Records in the topic (sum of log end - log start), or null when it does not exist or has another shape. */
export async function topicCount(admin: Admin, topic = TOPIC): Promise<number | null> {
  const topics = await admin.listTopics();
  if (!topics.includes(topic)) return null;
  const offsets = await admin.fetchTopicOffsets(topic);
  if (offsets.length !== PARTITIONS) return -1;
  return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
}

export async function deleteTopic(admin: Admin, topic = TOPIC): Promise<void> {
  if (!(await admin.listTopics()).includes(topic)) return;
  await admin.deleteTopics({ topics: [topic], timeout: 60_000 });
  const deadline = Date.now() + 120_000;
  while ((await admin.listTopics()).includes(topic)) {
    if (Date.now() > deadline) throw new Error(`topic ${topic} still listed 120 s after its deletion`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function createTopic(admin: Admin, topic: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      await admin.createTopics({
        waitForLeaders: true,
        timeout: 60_000,
        topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1, configEntries: [{ name: "retention.ms", value: "-1" }] }],
      });
      return;
    } catch (error) {
      // Right after a deletion the broker may still report the topic as existing (marked for deletion).
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}

/** Reuses the topic when it holds exactly RECORDS records; otherwise (re)creates it and produces them. */
export async function ensureTopic(kafka: Kafka, admin: Admin, spec: TopicSpec = JSON_TOPIC): Promise<{ reused: boolean; produceMs: number }> {
  const TOPIC = spec.topic;
  const existing = await topicCount(admin, TOPIC);
  if (existing === RECORDS) {
    log(`reusing ${TOPIC}: ${RECORDS.toLocaleString("en")} records in ${PARTITIONS} partitions`);
    return { reused: true, produceMs: 0 };
  }
  if (existing !== null) {
    log(`${TOPIC} exists with ${existing} records (want ${RECORDS}): deleting and recreating it`);
    await deleteTopic(admin, TOPIC);
  }
  await createTopic(admin, TOPIC);
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: false, maxInFlightRequests: SENDS_IN_FLIGHT });
  await producer.connect();
  const start = performance.now();
  try {
    let next = 0;
    let lastLog = start;
    const worker = async () => {
      for (;;) {
        const from = next;
        if (from >= RECORDS) return;
        next = Math.min(RECORDS, from + SEND_BATCH);
        const messages: Message[] = [];
        for (let i = from; i < next; i++) messages.push(message(i, spec));
        await producer.send({ topic: TOPIC, messages, acks: 1, compression: CompressionTypes.None });
        if (performance.now() - lastLog > 10_000) {
          lastLog = performance.now();
          log(`produced ~${next.toLocaleString("en")} records`);
        }
      }
    };
    await Promise.all(Array.from({ length: SENDS_IN_FLIGHT }, worker));
  } finally {
    await producer.disconnect();
  }
  const produceMs = performance.now() - start;
  const count = await topicCount(admin, TOPIC);
  if (count !== RECORDS) throw new Error(`produced ${RECORDS} records but the topic holds ${count}`);
  return { reused: false, produceMs };
}
