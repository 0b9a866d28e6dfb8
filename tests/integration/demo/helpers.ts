import { Kafka, logLevel, type KafkaMessage } from "kafkajs";
import { AvroSerde } from "../../../demo/avro/serde";
import { configFromEnv, type DemoConfig } from "../../../demo/config";
import { allTopics } from "../../../demo/kafka/topics";
import { deleteKafka, KAFKA_BROKERS } from "../../fixtures/kafka";
import { uniqueName } from "../../fixtures/names";

/** Demo config isolated from a running demo: own database, topic and group prefix, no SQS routes. */
export function testConfig(databaseUrl: string): DemoConfig {
  const prefix = `${uniqueName("t")}.`;
  return {
    ...configFromEnv({}),
    databaseUrl,
    brokers: KAFKA_BROKERS,
    topicPrefix: prefix,
    groupPrefix: prefix,
    clientId: "redrive-demo-test",
    sqsRoutes: {},
    notificationQueues: [],
    retry: { attempts: 3, baseMs: 50, maxMs: 400 },
  };
}

/** Deletes the run's topics and groups, and its payment subjects in the registry (they carry the topic prefix). */
export async function dropTestTopics(config: DemoConfig, groups: string[] = []): Promise<void> {
  await deleteKafka(config.brokers, allTopics(config), groups.map((g) => `${config.groupPrefix}${g}`));
  if (config.avro) await new AvroSerde(config.avro, config).deleteSubjects();
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 30_000,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface Collected {
  partition: number;
  message: KafkaMessage;
}

/** Reads a topic from the beginning until `count` records arrived, then `settleMs` more (to catch extras). */
export async function readTopic(brokers: string[], topic: string, count: number, settleMs = 1500): Promise<Collected[]> {
  const kafka = new Kafka({ clientId: "redrive-demo-test-reader", brokers, logLevel: logLevel.NOTHING });
  const groupId = uniqueName("t-reader");
  const consumer = kafka.consumer({ groupId });
  const out: Collected[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        out.push({ partition, message });
      },
    });
    await waitFor(`${count} records on ${topic}`, async () => out.length >= count, 30_000, 100);
    await new Promise((r) => setTimeout(r, settleMs));
    return out;
  } finally {
    await consumer.disconnect();
    await deleteKafka(brokers, [], [groupId]).catch(() => undefined);
  }
}
