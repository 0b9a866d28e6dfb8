import {
  CancelMessageMoveTaskCommand,
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  ListMessageMoveTasksCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  StartMessageMoveTaskCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SQSClient,
  type QueueAttributeName,
} from "@aws-sdk/client-sqs";
import pLimit from "p-limit";
import { expiringFromEnqueueTimes } from "../shared/retention";
import type { SqsConnectionConfig } from "./config";
import { awsCredentialProvider } from "../shared/aws-credentials";
import type {
  BrokerAdapter,
  SnsSubscriptionSummary,
  SnsTopicSummary,
  SqsDeadLetterQueue,
  SqsOverview,
  SqsQueueSummary,
  ExpiringSoon,
  NativeMove,
  NativeMovePlan,
  NativeMoveStatus,
  ReplayAudience,
  ReplayCapabilities,
} from "../types";
import { SnsClientOfConnection } from "./sns";

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

// SQS caps a batch at ten entries and 256 KiB of payload.
const BATCH_ENTRIES = 10;
const BATCH_BYTES = 256 * 1024;

export interface SqsOutgoingMessage {
  /** The caller's id for this entry, echoed in the result. */
  id: string;
  body: string;
  attributes: Record<string, { dataType: string; value: string }>;
  groupId?: string;
  deduplicationId?: string;
}

export interface SqsBatchResult {
  /** Entries SQS acknowledged: the caller's id and, for sends, the new MessageId. */
  ok: { id: string; messageId?: string }[];
  failed: { id: string; code: string; message: string }[];
}

export interface SqsMoveTask {
  taskHandle: string | null;
  status: string;
  moved: number;
  toMove: number | null;
  failureReason: string | null;
  startedAt: number | null;
}

function toSqsAttributes(attributes: Record<string, { dataType: string; value: string }>) {
  return Object.fromEntries(
    Object.entries(attributes).map(([name, a]) => [
      name,
      a.dataType.startsWith("Binary") ? { DataType: a.dataType, BinaryValue: Buffer.from(a.value, "base64") } : { DataType: a.dataType, StringValue: a.value },
    ]),
  );
}

const outgoingBytes = (m: SqsOutgoingMessage) =>
  Buffer.byteLength(m.body) + Object.entries(m.attributes).reduce((sum, [name, a]) => sum + name.length + a.dataType.length + Buffer.byteLength(a.value), 0);

/** Cuts entries into SQS batches: at most ten, and at most 256 KiB each. */
function sqsBatches<T>(entries: T[], bytes: (entry: T) => number): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const entry of entries) {
    const entrySize = bytes(entry);
    if (current.length > 0 && (current.length === BATCH_ENTRIES || size + entrySize > BATCH_BYTES)) {
      batches.push(current);
      current = [];
      size = 0;
    }
    current.push(entry);
    size += entrySize;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

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

/** DLQs are the queues that some queue's RedrivePolicy, or some SNS subscription's, points at. */
export function deadLetterQueuesOf(queues: SqsQueueSummary[], subscriptions: SnsSubscriptionSummary[] = []): SqsDeadLetterQueue[] {
  const byArn = new Map(queues.map((queue) => [queue.arn, queue]));
  const sources = new Map<string, { queues: string[]; subscriptions: SqsDeadLetterQueue["sourceSubscriptions"] }>();
  const entry = (arn: string) => sources.get(arn) ?? sources.set(arn, { queues: [], subscriptions: [] }).get(arn)!;
  for (const queue of queues) if (queue.deadLetterTargetArn) entry(queue.deadLetterTargetArn).queues.push(queue.name);
  for (const sub of subscriptions) if (sub.deadLetterTargetArn) entry(sub.deadLetterTargetArn).subscriptions.push({ arn: sub.arn, topic: sub.topic, label: sub.label });
  return [...sources.entries()].flatMap(([arn, from]) => {
    const dlq = byArn.get(arn);
    return dlq
      ? [{ name: dlq.name, url: dlq.url, arn, depth: dlq.visible, sourceQueues: from.queues.sort(), sourceSubscriptions: from.subscriptions.sort((a, b) => a.label.localeCompare(b.label)) }]
      : [];
  });
}

/** The subscriptions of every topic, in one list. */
export const subscriptionsOf = (topics: SnsTopicSummary[] | null): SnsSubscriptionSummary[] => (topics ?? []).flatMap((topic) => topic.subscriptions);

/** A queue deleted between ListQueues and GetQueueAttributes is simply gone, not an error of the connection. */
function skipIfDeleted(error: unknown): null {
  const name = (error as { name?: string }).name ?? "";
  if (name === "QueueDoesNotExist" || name.includes("NonExistentQueue")) return null;
  throw error;
}

export class SqsAdapter implements BrokerAdapter<SqsOverview>, ReplayCapabilities, NativeMove {
  readonly kind = "sqs" as const;
  readonly name: string;
  private readonly client: SQSClient;
  private readonly prefix: string | undefined;
  /** SNS beside the queues, when the connection has `sns:`. */
  readonly sns: SnsClientOfConnection | null;
  private readonly snsRefreshMs: number;
  private snsCache: { at: number; topics: SnsTopicSummary[] } | null = null;

  constructor(config: SqsConnectionConfig) {
    this.name = config.name;
    this.prefix = config.queueNamePrefix;
    this.sns = config.sns ? new SnsClientOfConnection(config) : null;
    this.snsRefreshMs = (config.sns?.refreshSeconds ?? 0) * 1000;
    this.client = new SQSClient({
      region: config.region,
      endpoint: config.endpoint,
      // Static keys (emulators), a profile, a role assumed through STS, or the SDK's default chain.
      credentials: awsCredentialProvider(config),
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
    const sns = await this.snsTopics();
    return { queueCount: queues.length, queues, deadLetterQueues: deadLetterQueuesOf(queues, subscriptionsOf(sns.topics)), ...sns };
  }

  /** The SNS topics and subscriptions; SNS failing is said next to the queues, not instead of them. */
  private async snsTopics(): Promise<{ topics: SnsTopicSummary[] | null; snsError: string | null }> {
    if (!this.sns) return { topics: null, snsError: null };
    if (this.snsCache && Date.now() - this.snsCache.at < this.snsRefreshMs) return { topics: this.snsCache.topics, snsError: null };
    try {
      const topics = await this.sns.topics();
      this.snsCache = { at: Date.now(), topics };
      return { topics, snsError: null };
    } catch (error) {
      return { topics: null, snsError: `SNS: ${error instanceof Error ? error.message : String(error)}` };
    }
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

  async missingTarget(queue: string): Promise<string | null> {
    const url = await this.queueUrl(queue).catch((error: unknown) => skipIfDeleted(error));
    return url ? null : this.missingQueue(queue);
  }

  private missingQueue(queue: string): string {
    return `Queue "${queue}" does not exist on "${this.name}": nothing was sent.`;
  }

  /** SQS keeps no list of consumers: the queue's own counts are what can be told of its receivers. */
  async replayAudience(queue: string): Promise<ReplayAudience> {
    const url = await this.queueUrl(queue).catch((error: unknown) => skipIfDeleted(error));
    if (!url) return { target: queue, exists: false, reason: this.missingQueue(queue) };
    const summary = await this.describeQueue(url);
    return { target: queue, exists: true, kind: "queue", visible: summary.visible, inFlight: summary.inFlight };
  }

  /** Retention counts from the original enqueue time, which a DLQ keeps: SQS cannot count them, the caller's snapshot can. */
  async expiringSoon(dlq: string, withinMs: number, enqueuedAtMs: number[] | null): Promise<ExpiringSoon> {
    const attributes = await this.queueAttributes(await this.queueUrl(dlq));
    // Unset (emulators such as ElasticMQ do not report it): SQS's default of four days.
    const retentionMs = Number(attributes.MessageRetentionPeriod ?? 345_600) * 1000;
    return { retentionMs, countsFrom: "original enqueue time", withinMs, ...expiringFromEnqueueTimes(retentionMs, withinMs, enqueuedAtMs ?? [], Date.now()) };
  }

  /** Up to 10 messages with every attribute, hidden for `visibilitySeconds`. */
  async receive(url: string, visibilitySeconds: number, waitSeconds = 0): Promise<ReceivedSqsMessage[]> {
    const { Messages = [] } = await this.client.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: visibilitySeconds,
        WaitTimeSeconds: waitSeconds,
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

  /**
   * Sends messages with SendMessageBatch (ten per request, batches sent `concurrency` at a time) and
   * reports, per entry, whether SQS acknowledged it. A request that fails as a whole fails its entries.
   */
  async sendBatch(url: string, messages: SqsOutgoingMessage[], concurrency = 4): Promise<SqsBatchResult> {
    const result: SqsBatchResult = { ok: [], failed: [] };
    const limit = pLimit(concurrency);
    await Promise.all(
      sqsBatches(messages, outgoingBytes).map((batch) =>
        limit(async () => {
          const response = await this.client.send(
            new SendMessageBatchCommand({
              QueueUrl: url,
              Entries: batch.map((m) => ({
                Id: m.id,
                MessageBody: m.body,
                MessageAttributes: toSqsAttributes(m.attributes),
                MessageGroupId: m.groupId,
                MessageDeduplicationId: m.deduplicationId,
              })),
            }),
          );
          for (const entry of response.Successful ?? []) result.ok.push({ id: entry.Id ?? "", messageId: entry.MessageId });
          for (const entry of response.Failed ?? []) result.failed.push({ id: entry.Id ?? "", code: entry.Code ?? "Failed", message: entry.Message ?? "" });
        }),
      ),
    );
    return result;
  }

  /** Deletes received messages, ten per request; reports which deletions SQS confirmed. */
  async deleteBatch(url: string, entries: { id: string; receiptHandle: string }[], concurrency = 4): Promise<SqsBatchResult> {
    const result: SqsBatchResult = { ok: [], failed: [] };
    const limit = pLimit(concurrency);
    await Promise.all(
      sqsBatches(entries, () => 1).map((batch) =>
        limit(async () => {
          const response = await this.client.send(
            new DeleteMessageBatchCommand({ QueueUrl: url, Entries: batch.map((e) => ({ Id: e.id, ReceiptHandle: e.receiptHandle })) }),
          );
          for (const entry of response.Successful ?? []) result.ok.push({ id: entry.Id ?? "" });
          for (const entry of response.Failed ?? []) result.failed.push({ id: entry.Id ?? "", code: entry.Code ?? "Failed", message: entry.Message ?? "" });
        }),
      ),
    );
    return result;
  }

  /** SQS's own redrive: moves every message of a DLQ back to its source queue(s). */
  async startMoveTask(dlqArn: string, maxPerSecond?: number): Promise<string> {
    const { TaskHandle } = await this.client.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn, MaxNumberOfMessagesPerSecond: maxPerSecond }));
    if (!TaskHandle) throw new Error("SQS did not return a move task handle");
    return TaskHandle;
  }

  /** The most recent move task of a DLQ (SQS keeps the last ten). */
  async moveTask(dlqArn: string, taskHandle: string): Promise<SqsMoveTask | null> {
    const { Results = [] } = await this.client.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn, MaxResults: 10 }));
    const task = Results.find((t) => t.TaskHandle === taskHandle) ?? (Results.length === 1 && !Results[0]!.TaskHandle ? Results[0] : undefined);
    if (!task) return null;
    return {
      taskHandle: task.TaskHandle ?? null,
      status: task.Status ?? "UNKNOWN",
      moved: Number(task.ApproximateNumberOfMessagesMoved ?? 0),
      toMove: task.ApproximateNumberOfMessagesToMove === undefined ? null : Number(task.ApproximateNumberOfMessagesToMove),
      failureReason: task.FailureReason ?? null,
      startedAt: task.StartedTimestamp ?? null,
    };
  }

  /** SQS's move task for a DLQ: refused for a queue with its own RedrivePolicy (a source queue, not a DLQ). */
  async nativeMovePlan(dlq: string): Promise<NativeMovePlan> {
    const method = "SQS's move task (StartMessageMoveTask)";
    const attributes = await this.queueAttributes(await this.queueUrl(dlq));
    if (attributes.RedrivePolicy) return { available: false, method, reason: `"${dlq}" has its own RedrivePolicy: it is a source queue, not a DLQ.` };
    // SQS's move task returns messages to the queues SQS moved them from; SNS moved these, from a subscription.
    const entry = (await this.overview()).deadLetterQueues.find((d) => d.name === dlq);
    if (entry && entry.sourceSubscriptions.length > 0) {
      return {
        available: false,
        method,
        reason: `"${dlq}" is the DLQ of ${entry.sourceSubscriptions.map((s) => s.label).join(", ")}: SQS's move task cannot return SNS deliveries to their subscriber. Replay its messages one by one (each goes to its subscriber), or as a job to a chosen queue.`,
      };
    }
    return {
      available: true,
      method,
      destination: "each message's source queue",
      target: null,
      depth: Number(attributes.ApproximateNumberOfMessages ?? 0),
      maxRatePerSecond: 500,
      description:
        "The fast path for the whole queue, unfiltered: SQS (StartMessageMoveTask) moves every message back to the queue it came from. No dry run, canary, per-message ledger or loop guard; the options above do not apply.",
    };
  }

  async startNativeMove(dlq: string, options: { ratePerSecond: number | null }): Promise<{ handle: string; total: number }> {
    const attributes = await this.queueAttributes(await this.queueUrl(dlq));
    if (!attributes.QueueArn) throw new Error(`SQS reports no ARN for ${dlq}`);
    const total = Number(attributes.ApproximateNumberOfMessages ?? 0);
    return { handle: await this.startMoveTask(attributes.QueueArn, options.ratePerSecond ?? undefined), total };
  }

  async nativeMoveStatus(dlq: string, handle: string): Promise<NativeMoveStatus | null> {
    const attributes = await this.queueAttributes(await this.queueUrl(dlq));
    if (!attributes.QueueArn) throw new Error(`SQS reports no ARN for ${dlq}`);
    return this.moveTask(attributes.QueueArn, handle);
  }

  async cancelMoveTask(taskHandle: string): Promise<void> {
    await this.client.send(new CancelMessageMoveTaskCommand({ TaskHandle: taskHandle }));
  }

  async delete(url: string, receiptHandle: string): Promise<void> {
    await this.client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: receiptHandle }));
  }

  /** Makes received messages visible again at once (visibility 0), ten per request, `concurrency` requests at a time. */
  async release(url: string, receiptHandles: string[], concurrency = 8): Promise<number> {
    let failed = 0;
    const limit = pLimit(concurrency);
    const batches: string[][] = [];
    for (let i = 0; i < receiptHandles.length; i += 10) batches.push(receiptHandles.slice(i, i + 10));
    await Promise.all(
      batches.map((batch) =>
        limit(async () => {
          const entries = batch.map((handle, index) => ({ Id: String(index), ReceiptHandle: handle, VisibilityTimeout: 0 }));
          const result = await this.client.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: url, Entries: entries }));
          failed += result.Failed?.length ?? 0;
        }),
      ),
    );
    return failed;
  }

  async close(): Promise<void> {
    this.client.destroy();
    this.sns?.close();
  }
}
