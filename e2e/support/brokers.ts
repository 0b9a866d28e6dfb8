import { GetQueueAttributesCommand, SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { Kafka, logLevel } from "kafkajs";
import { uniqueName } from "../../tests/fixtures/names";
import { createQueuePair, sqsClient } from "../../tests/fixtures/sqs";

export { sqsClient, uniqueName };

const KAFKA_BROKER = process.env.KAFKA_BROKER ?? "127.0.0.1:9092";

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
  return { source: pair.sourceQueue, dlq: pair.dlq, dlqUrl: pair.dlqUrl, cleanup: pair.cleanup };
}

/** ApproximateNumberOfMessages as the broker reports it. */
export async function brokerQueueDepth(sqs: SQSClient, url: string): Promise<number> {
  const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["ApproximateNumberOfMessages"] }));
  return Number(attributes.Attributes?.ApproximateNumberOfMessages ?? -1);
}
