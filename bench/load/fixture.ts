/**
 * bench:load's data on the local stack: a few Kafka topics and consumer groups with lag (bench/lag's fixture at a
 * small shape), a dead-letter topic with messages, and an application database (the demo's schema) with sagas,
 * steps and an outbox (bench/sagas' fixture at a smaller count) and the indexes docs/sagas.md documents.
 */
import type { Admin, Kafka } from "kafkajs";
import { migrateDatabase } from "../../demo/db/migrate";
import { buildFixture as buildKafkaFixture } from "../lag/fixture";
import { buildFixture as buildSagaFixture, DOCUMENTED_INDEXES, runStatements } from "../sagas/fixture";
import type { Log } from "../common/stats";

export const LOAD_SHAPE = {
  kafka: { topics: 8, partitionsPerTopic: 3, groups: 20, messagesPerPartition: 50 },
  dlqMessages: 500,
  sagas: Number(process.env.BENCH_LOAD_SAGAS ?? 100_000),
};

export interface LoadFixture {
  groupId: string;
  dlqTopic: string;
  stuckSagas: number;
}

const FAILURES = ["payment declined: insufficient funds", "schema validation failed: missing field orderId", "timeout calling inventory service"];

export async function buildLoadFixture(kafka: Kafka, admin: Admin, prefix: string, appDatabaseUrl: string, log: Log): Promise<LoadFixture> {
  const lag = await buildKafkaFixture(kafka, admin, prefix, LOAD_SHAPE.kafka);
  const groupId = [...lag.groupPartitions].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0];

  const dlqTopic = `${prefix}-orders.DLQ`;
  await admin.createTopics({ waitForLeaders: true, timeout: 60_000, topics: [{ topic: dlqTopic, numPartitions: 3, replicationFactor: 1 }] });
  const producer = kafka.producer();
  await producer.connect();
  try {
    const messages = Array.from({ length: LOAD_SHAPE.dlqMessages }, (_, i) => ({
      key: `order-${i}`,
      value: JSON.stringify({ orderId: `order-${i}`, customerId: `cust-${i % 97}`, amountCents: (i * 137) % 100_000 }),
      headers: {
        "x-exception-message": FAILURES[i % FAILURES.length]!,
        "x-original-topic": `${prefix}-topic-000`,
        "x-original-partition": String(i % 3),
        "x-original-offset": String(i),
      },
    }));
    for (let i = 0; i < messages.length; i += 100) await producer.send({ topic: dlqTopic, messages: messages.slice(i, i + 100) });
  } finally {
    await producer.disconnect();
  }
  log(`dead-letter topic ${dlqTopic}: ${LOAD_SHAPE.dlqMessages} messages`);

  await migrateDatabase(appDatabaseUrl);
  const sagas = await buildSagaFixture(appDatabaseUrl, log, LOAD_SHAPE.sagas);
  await runStatements(appDatabaseUrl, DOCUMENTED_INDEXES, log);
  return { groupId, dlqTopic, stuckSagas: sagas.stuck };
}
