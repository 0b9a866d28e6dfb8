import { GetQueueAttributesCommand, SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { test } from "@playwright/test";
import { Kafka, logLevel } from "kafkajs";
import { uniqueName } from "../../tests/fixtures/names";
import { createQueuePair, sqsClient } from "../../tests/fixtures/sqs";

export { sqsClient, uniqueName };

const KAFKA_BROKER = process.env.KAFKA_BROKER ?? "127.0.0.1:9092";

export interface ReadBack {
  key: string;
  /** The key's bytes (a schema-encoded key is not text). */
  keyBytes: Buffer | null;
  value: string;
  /** The value's bytes (a schema-encoded value is not text). */
  valueBytes: Buffer | null;
  headers: Record<string, string>;
}

/** The broker's own view: the first record of a topic, read with a fresh consumer group. */
export async function firstRecordOf(topic: string): Promise<ReadBack> {
  const consumer = new Kafka({ clientId: "redrive-e2e", brokers: [KAFKA_BROKER], logLevel: logLevel.NOTHING }).consumer({ groupId: uniqueName("e2e-read-back") });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const first = new Promise<ReadBack>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) =>
          resolve({
            key: message.key?.toString() ?? "",
            keyBytes: message.key ?? null,
            value: message.value?.toString() ?? "",
            valueBytes: message.value ?? null,
            headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
          }),
      });
    });
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no record in ${topic} within 20 s`)), 20_000));
    return await Promise.race([first, timeout]);
  } finally {
    await consumer.disconnect();
  }
}

export function kafkaAdmin() {
  return new Kafka({ clientId: "redrive-e2e", brokers: [KAFKA_BROKER], logLevel: logLevel.NOTHING }).admin();
}

/** Non-internal topics, as the broker's own metadata lists them. */
export async function brokerTopicCount(): Promise<number> {
  const admin = kafkaAdmin();
  await admin.connect();
  try {
    return (await admin.listTopics()).filter((topic) => !topic.startsWith("__")).length;
  } finally {
    await admin.disconnect();
  }
}

/** A source queue whose RedrivePolicy points at a new DLQ holding `depth` messages. */
export async function createQueueWithDlq(sqs: SQSClient, depth: number) {
  const pair = await createQueuePair(sqs, { sourceQueue: uniqueName("e2e-orders") });
  for (let sent = 0; sent < depth; sent += 10) {
    const entries = Array.from({ length: Math.min(10, depth - sent) }, (_, i) => ({
      Id: `m${sent + i}`,
      MessageBody: JSON.stringify({ order: sent + i }),
    }));
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: pair.dlqUrl, Entries: entries }));
  }
  return { source: pair.sourceQueue, sourceUrl: pair.sourceUrl, dlq: pair.dlq, dlqUrl: pair.dlqUrl, cleanup: pair.cleanup };
}

/** ApproximateNumberOfMessages as the broker reports it. */
export async function brokerQueueDepth(sqs: SQSClient, url: string): Promise<number> {
  const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["ApproximateNumberOfMessages"] }));
  return Number(attributes.Attributes?.ApproximateNumberOfMessages ?? -1);
}

/**
 * A kafkajs client for one spec file, and the list of topics it creates: they are deleted once, after every
 * test of the file (call at the top level of the spec).
 */
export function kafkaForSpec(clientId: string): { kafka: Kafka; createdTopics: string[] } {
  const kafka = new Kafka({ clientId, brokers: [KAFKA_BROKER], logLevel: logLevel.NOTHING });
  const createdTopics: string[] = [];
  test.afterAll(async () => {
    if (createdTopics.length === 0) return;
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: createdTopics }).catch(() => undefined);
    await admin.disconnect();
  });
  return { kafka, createdTopics };
}
