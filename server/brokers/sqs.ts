import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  SendMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SQSClient,
  type QueueAttributeName,
} from "@aws-sdk/client-sqs";
import pLimit from "p-limit";
import type { SqsConnectionConfig } from "~/server/config/schema";
import type { BrokerAdapter, SqsDeadLetterQueue, SqsOverview, SqsQueueSummary } from "./types";

const ATTRIBUTES: QueueAttributeName[] = [
  "QueueArn",
  "ApproximateNumberOfMessages",
  "ApproximateNumberOfMessagesNotVisible",
  "ApproximateNumberOfMessagesDelayed",
  "RedrivePolicy",
  "FifoQueue",
];

// SQS throttles per account: fetch queue attributes a few at a time.
const ATTRIBUTE_CONCURRENCY = 8;

function queueNameFromUrl(url: string): string {
  return url.slice(url.lastIndexOf("/") + 1);
}

function parseRedrivePolicy(raw: string | undefined): { deadLetterTargetArn: string; maxReceiveCount: number } | null {
  if (!raw) return null;
  try {
    const policy = JSON.parse(raw) as { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown };
    if (typeof policy.deadLetterTargetArn !== "string") return null;
    return { deadLetterTargetArn: policy.deadLetterTargetArn, maxReceiveCount: Number(policy.maxReceiveCount) };
  } catch {
    return null;
  }
}

export interface ReceivedSqsMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: Record<string, string>;
  messageAttributes: Record<string, { dataType: string; value: string }>;
}

/** DLQs are the queues that some queue's RedrivePolicy points at. */
export function deadLetterQueuesOf(queues: SqsQueueSummary[]): SqsDeadLetterQueue[] {
  const byArn = new Map(queues.map((queue) => [queue.arn, queue]));
  const sources = new Map<string, string[]>();
  for (const queue of queues) {
    if (!queue.deadLetterTargetArn) continue;
    sources.set(queue.deadLetterTargetArn, [...(sources.get(queue.deadLetterTargetArn) ?? []), queue.name]);
  }
  return [...sources.entries()].flatMap(([arn, sourceQueues]) => {
    const dlq = byArn.get(arn);
    return dlq ? [{ name: dlq.name, url: dlq.url, arn, depth: dlq.visible, sourceQueues: sourceQueues.sort() }] : [];
  });
}

/** A queue deleted between ListQueues and GetQueueAttributes is simply gone, not an error of the connection. */
function skipIfDeleted(error: unknown): null {
  const name = (error as { name?: string }).name ?? "";
  if (name === "QueueDoesNotExist" || name.includes("NonExistentQueue")) return null;
  throw error;
}

export class SqsAdapter implements BrokerAdapter<SqsOverview> {
  readonly kind = "sqs" as const;
  readonly name: string;
  private readonly client: SQSClient;
  private readonly prefix: string | undefined;

  constructor(config: SqsConnectionConfig) {
    this.name = config.name;
    this.prefix = config.queueNamePrefix;
    this.client = new SQSClient({
      region: config.region,
      endpoint: config.endpoint,
      credentials: config.credentials,
      maxAttempts: 2,
      requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000 },
    });
  }

  async listQueueUrls(): Promise<string[]> {
    const urls: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListQueuesCommand({ QueueNamePrefix: this.prefix, MaxResults: 1000, NextToken: nextToken }),
      );
      urls.push(...(page.QueueUrls ?? []));
      nextToken = page.NextToken;
    } while (nextToken);
    return urls;
  }

  async ping(): Promise<{ version: string | null }> {
    await this.client.send(new ListQueuesCommand({ MaxResults: 1 }));
    // The SQS API does not report a server version.
    return { version: null };
  }

  private async describeQueue(url: string): Promise<SqsQueueSummary> {
    const { Attributes: attributes = {} } = await this.client.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ATTRIBUTES }),
    );
    const policy = parseRedrivePolicy(attributes.RedrivePolicy);
    const name = queueNameFromUrl(url);
    return {
      name,
      url,
      arn: attributes.QueueArn ?? "",
      visible: Number(attributes.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
      delayed: Number(attributes.ApproximateNumberOfMessagesDelayed ?? 0),
      fifo: attributes.FifoQueue === "true" || name.endsWith(".fifo"),
      deadLetterTargetArn: policy?.deadLetterTargetArn ?? null,
      maxReceiveCount: policy?.maxReceiveCount ?? null,
    };
  }

  async overview(): Promise<SqsOverview> {
    const urls = await this.listQueueUrls();
    const limit = pLimit(ATTRIBUTE_CONCURRENCY);
    const described = await Promise.all(
      urls.map((url) => limit(() => this.describeQueue(url).catch((error: unknown) => skipIfDeleted(error)))),
    );
    const queues = described.filter((queue): queue is SqsQueueSummary => queue !== null);
    queues.sort((a, b) => a.name.localeCompare(b.name));
    return { queueCount: queues.length, queues, deadLetterQueues: deadLetterQueuesOf(queues) };
  }

  async queueUrl(name: string): Promise<string> {
    const { QueueUrl } = await this.client.send(new GetQueueUrlCommand({ QueueName: name }));
    if (!QueueUrl) throw new Error(`queue "${name}" not found`);
    return QueueUrl;
  }

  async queueAttributes(url: string): Promise<Record<string, string>> {
    const { Attributes } = await this.client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["All"] }));
    return Attributes ?? {};
  }

  /** Up to 10 messages with every attribute, hidden for `visibilitySeconds`. */
  async receive(url: string, visibilitySeconds: number): Promise<ReceivedSqsMessage[]> {
    const { Messages = [] } = await this.client.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: visibilitySeconds,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ["All"],
        MessageAttributeNames: ["All"],
      }),
    );
    return Messages.map((m) => ({
      messageId: m.MessageId ?? "",
      receiptHandle: m.ReceiptHandle ?? "",
      body: m.Body ?? "",
      attributes: (m.Attributes ?? {}) as Record<string, string>,
      messageAttributes: Object.fromEntries(
        Object.entries(m.MessageAttributes ?? {}).map(([name, a]) => [
          name,
          { dataType: a.DataType ?? "String", value: a.StringValue ?? (a.BinaryValue ? Buffer.from(a.BinaryValue).toString("base64") : "") },
        ]),
      ),
    }));
  }

  /** Sends one message and resolves with its new MessageId once SQS accepted it. */
  async send(
    url: string,
    message: { body: string; attributes: Record<string, { dataType: string; value: string }>; groupId?: string; deduplicationId?: string },
  ): Promise<string> {
    const result = await this.client.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: message.body,
        MessageAttributes: Object.fromEntries(
          Object.entries(message.attributes).map(([name, a]) => [
            name,
            a.dataType.startsWith("Binary") ? { DataType: a.dataType, BinaryValue: Buffer.from(a.value, "base64") } : { DataType: a.dataType, StringValue: a.value },
          ]),
        ),
        MessageGroupId: message.groupId,
        MessageDeduplicationId: message.deduplicationId,
      }),
    );
    if (!result.MessageId) throw new Error("SQS did not acknowledge the send");
    return result.MessageId;
  }

  async delete(url: string, receiptHandle: string): Promise<void> {
    await this.client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: receiptHandle }));
  }

  /** Makes received messages visible again at once (visibility 0), ten per request. */
  async release(url: string, receiptHandles: string[]): Promise<number> {
    let failed = 0;
    for (let i = 0; i < receiptHandles.length; i += 10) {
      const entries = receiptHandles.slice(i, i + 10).map((handle, index) => ({ Id: String(index), ReceiptHandle: handle, VisibilityTimeout: 0 }));
      const result = await this.client.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: url, Entries: entries }));
      failed += result.Failed?.length ?? 0;
    }
    return failed;
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
