/** Kafka side of the replay benchmark: the DLQ topic (Spring DLT headers, half "gold"), topics, counts. */
import { CompressionTypes, Kafka, logLevel, type Admin, type Message } from "kafkajs";
import { log } from "./util";

export const KAFKA_PARTITIONS = 6;
export const KAFKA_RECORDS = 100_000;
export const RECORD_BYTES = 1024;
/** Even indices are "gold": exactly half of the records match. */
export const KAFKA_EXPECTED_MATCHES = KAFKA_RECORDS / 2;

const SEND_BATCH = 1_000;
const SENDS_IN_FLIGHT = 4;
const PADDING = "x".repeat(RECORD_BYTES);

export function benchKafka(broker: string): Kafka {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = "1";
  return new Kafka({ clientId: "redrive-bench-replay", brokers: [broker], logLevel: logLevel.NOTHING, requestTimeout: 120_000 });
}

export const isGold = (index: number) => index % 2 === 0;

/** A ~1 KiB JSON order as a Spring app would dead-letter it; `"tier":"gold"` for even indices. */
export function orderJson(index: number, bytes = RECORD_BYTES): string {
  const order = {
    orderId: `ord-${String(index).padStart(8, "0")}`,
    customer: { id: `cust-${index % 9_973}`, name: `Customer ${index % 9_973}`, tier: isGold(index) ? "gold" : "standard" },
    amount: ((index * 7919) % 500_000) + 1,
    currency: ["EUR", "USD", "GBP"][index % 3],
    items: [
      { sku: `SKU-${index % 1_000}`, qty: (index % 5) + 1, price: 1_999 },
      { sku: `SKU-${(index * 3) % 1_000}`, qty: 1, price: 450 },
    ],
    createdAt: new Date(1_760_000_000_000 + index * 1_000).toISOString(),
    padding: "",
  };
  const base = Buffer.byteLength(JSON.stringify(order));
  order.padding = PADDING.slice(0, Math.max(0, bytes - base));
  return JSON.stringify(order);
}

const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const int64 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(n));
  return b;
};

/** One DLQ record, with the headers Spring Kafka's DeadLetterPublishingRecoverer writes. */
function dlqMessage(index: number, originTopic: string): Message {
  // Blocks of 10 consecutive indices per partition: every partition holds as many gold records as standard ones.
  const partition = Math.floor(index / 10) % KAFKA_PARTITIONS;
  return {
    partition,
    key: `ord-${String(index).padStart(8, "0")}`,
    value: orderJson(index),
    headers: {
      "kafka_dlt-original-topic": originTopic,
      "kafka_dlt-original-partition": int32(partition),
      "kafka_dlt-original-offset": int64(Math.floor(index / KAFKA_PARTITIONS)),
      "kafka_dlt-original-timestamp": int64(1_760_000_000_000 + index * 1_000),
      "kafka_dlt-original-consumer-group": "orders-service",
      "kafka_dlt-exception-fqcn": "org.springframework.kafka.listener.ListenerExecutionFailedException",
      "kafka_dlt-exception-cause-fqcn": "java.lang.IllegalStateException",
      "kafka_dlt-exception-message": `Listener method 'public void com.example.orders.OrderListener.onOrder(Order)' threw exception; nested exception is java.lang.IllegalStateException: payment declined for ord-${index}`,
    },
  };
}

async function waitForLeaders(admin: Admin, topic: string, partitions: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      const t = topics[0];
      if (t && t.partitions.length === partitions && t.partitions.every((p) => p.leader >= 0)) return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error(`no leaders for ${topic} after 120 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Creates a topic and waits for its leaders (kafkajs' own wait gives up on KRaft's early UNKNOWN_TOPIC_OR_PARTITION). */
export async function createTopic(admin: Admin, topic: string, partitions = KAFKA_PARTITIONS): Promise<void> {
  await admin.createTopics({ waitForLeaders: false, timeout: 60_000, topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }] });
  await waitForLeaders(admin, topic, partitions);
}

/** Deletes the topics that exist among the given ones. */
export async function deleteTopics(admin: Admin, topics: string[]): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const mine = topics.filter((t) => existing.has(t));
  if (mine.length === 0) return;
  await admin.deleteTopics({ topics: mine, timeout: 60_000 });
  log(`deleted topics ${mine.join(", ")}`);
}

/** Records in a topic: the sum of (log end - log start) over its partitions. */
export async function topicRecords(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
}

/** Produces the DLQ: `records` records (KAFKA_RECORDS by default), blocks of 10 indices per partition, batches of 1,000, 4 in flight, acks 1. */
export async function seedDlq(kafka: Kafka, admin: Admin, topic: string, originTopic: string, records = KAFKA_RECORDS): Promise<number> {
  await createTopic(admin, topic);
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: false, maxInFlightRequests: SENDS_IN_FLIGHT });
  await producer.connect();
  const start = performance.now();
  try {
    let next = 0;
    const worker = async () => {
      for (;;) {
        const from = next;
        if (from >= records) return;
        next = Math.min(records, from + SEND_BATCH);
        const messages: Message[] = [];
        for (let i = from; i < next; i++) messages.push(dlqMessage(i, originTopic));
        await producer.send({ topic, messages, acks: 1, compression: CompressionTypes.None });
      }
    };
    await Promise.all(Array.from({ length: SENDS_IN_FLIGHT }, worker));
  } finally {
    await producer.disconnect();
  }
  const ms = performance.now() - start;
  const count = await topicRecords(admin, topic);
  if (count !== records) throw new Error(`produced ${records} records but ${topic} holds ${count}`);
  return ms;
}
