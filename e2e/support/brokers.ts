import { randomBytes } from "node:crypto";
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { Kafka, logLevel } from "kafkajs";

const KAFKA_BROKER = process.env.KAFKA_BROKER ?? "127.0.0.1:9092";
const SQS_ENDPOINT = process.env.SQS_ENDPOINT ?? "http://localhost:9324";

export const uniqueName = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;

export function kafkaAdmin() {
  return new Kafka({ clientId: "redrive-e2e", brokers: [KAFKA_BROKER], logLevel: logLevel.NOTHING }).admin();
}

export function sqsClient() {
  return new SQSClient({ endpoint: SQS_ENDPOINT, region: "elasticmq", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
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
  const source = uniqueName("e2e-orders");
  const dlq = `${source}-dlq`;
  const dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: dlq }))).QueueUrl!;
  const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ["QueueArn"] }))).Attributes!
    .QueueArn!;
  const sourceUrl = (
    await sqs.send(
      new CreateQueueCommand({
        QueueName: source,
        Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 3 }) },
      }),
    )
  ).QueueUrl!;
  for (let sent = 0; sent < depth; sent += 10) {
    const entries = Array.from({ length: Math.min(10, depth - sent) }, (_, i) => ({
      Id: `m${sent + i}`,
      MessageBody: JSON.stringify({ order: sent + i }),
    }));
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: dlqUrl, Entries: entries }));
  }
  return {
    source,
    dlq,
    dlqUrl,
    cleanup: async () => {
      await sqs.send(new DeleteQueueCommand({ QueueUrl: sourceUrl })).catch(() => undefined);
      await sqs.send(new DeleteQueueCommand({ QueueUrl: dlqUrl })).catch(() => undefined);
    },
  };
}

/** ApproximateNumberOfMessages as the broker reports it. */
export async function brokerQueueDepth(sqs: SQSClient, url: string): Promise<number> {
  const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["ApproximateNumberOfMessages"] }));
  return Number(attributes.Attributes?.ApproximateNumberOfMessages ?? -1);
}
