/**
 * SQS side of the replay benchmark on ElasticMQ: queue pairs (a source queue whose RedrivePolicy points at
 * its DLQ) filled the way production fills them, the naive receive-one / send / delete replayer, the raw
 * batch ceiling, and SQS's own StartMessageMoveTask.
 */
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
  type MessageAttributeValue,
} from "@aws-sdk/client-sqs";
import pLimit from "p-limit";
import { orderJson } from "./kafka-fixture";
import { waitUntil } from "./util";

export const SQS_RECORDS = 10_000;
export const SQS_EXPECTED_MATCHES = SQS_RECORDS / 2;
export const SQS_BODY_BYTES = 1024;
const SEED_CONCURRENCY = 8;

export function benchSqsClient(endpoint: string): SQSClient {
  return new SQSClient({ endpoint, region: "elasticmq", credentials: { accessKeyId: "bench", secretAccessKey: "bench" }, maxAttempts: 3 });
}

export interface QueuePair {
  source: string;
  sourceUrl: string;
  sourceArn: string;
  dlq: string;
  dlqUrl: string;
  dlqArn: string;
}

async function arnOf(client: SQSClient, url: string): Promise<string> {
  const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }));
  if (!Attributes?.QueueArn) throw new Error(`no QueueArn for ${url}`);
  return Attributes.QueueArn;
}

/** A source queue whose RedrivePolicy moves a message to `<source>-dlq` after one receive (as tests/fixtures/sqs.ts createQueuePair). */
export async function createQueuePair(client: SQSClient, source: string): Promise<QueuePair> {
  const dlq = `${source}-dlq`;
  const { QueueUrl: dlqUrl } = await client.send(new CreateQueueCommand({ QueueName: dlq }));
  if (!dlqUrl) throw new Error("CreateQueue returned no URL");
  const dlqArn = await arnOf(client, dlqUrl);
  const { QueueUrl: sourceUrl } = await client.send(
    new CreateQueueCommand({
      QueueName: source,
      Attributes: { VisibilityTimeout: "30", RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1 }) },
    }),
  );
  if (!sourceUrl) throw new Error("CreateQueue returned no URL");
  return { source, sourceUrl, sourceArn: await arnOf(client, sourceUrl), dlq, dlqUrl, dlqArn };
}

export async function deleteQueuePair(client: SQSClient, pair: QueuePair): Promise<void> {
  await client.send(new DeleteQueueCommand({ QueueUrl: pair.sourceUrl })).catch(() => undefined);
  await client.send(new DeleteQueueCommand({ QueueUrl: pair.dlqUrl })).catch(() => undefined);
}

/** Visible + in flight (+ delayed) messages of a queue: exact on ElasticMQ. */
export async function queueCounts(client: SQSClient, url: string): Promise<{ visible: number; inFlight: number }> {
  const { Attributes = {} } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }),
  );
  return { visible: Number(Attributes.ApproximateNumberOfMessages ?? 0), inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) };
}

const attributesOf = (index: number): Record<string, MessageAttributeValue> => ({
  "exception-class": { DataType: "String", StringValue: "com.example.orders.PaymentDeclinedException" },
  "failure-reason": { DataType: "String", StringValue: `payment declined for ord-${index}` },
});

/**
 * Fills the DLQ with `count` ~1 KiB orders (half `"tier":"gold"`) the production way: sent to the source
 * queue, then received (never deleted) until ElasticMQ moved every one to the DLQ, so each carries its
 * DeadLetterQueueSourceArn.
 */
export async function seedDlq(client: SQSClient, pair: QueuePair, count: number): Promise<void> {
  const limit = pLimit(SEED_CONCURRENCY);
  const batches: number[] = [];
  for (let i = 0; i < count; i += 10) batches.push(i);
  await Promise.all(
    batches.map((from) =>
      limit(async () => {
        const entries = [];
        for (let i = from; i < Math.min(count, from + 10); i++) {
          entries.push({ Id: String(i - from), MessageBody: orderJson(i, SQS_BODY_BYTES), MessageAttributes: attributesOf(i) });
        }
        const result = await client.send(new SendMessageBatchCommand({ QueueUrl: pair.sourceUrl, Entries: entries }));
        if (result.Failed?.length) throw new Error(`SendMessageBatch failed: ${JSON.stringify(result.Failed[0])}`);
      }),
    ),
  );
  // Receive with visibility 0 until every message exceeded maxReceiveCount and moved to the DLQ.
  await waitUntil(`${count} messages in ${pair.dlq}`, 300_000, 0, async () => {
    await Promise.all(
      Array.from({ length: SEED_CONCURRENCY }, () =>
        client.send(new ReceiveMessageCommand({ QueueUrl: pair.sourceUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0, WaitTimeSeconds: 0 })),
      ),
    );
    const { visible, inFlight } = await queueCounts(client, pair.dlqUrl);
    return visible + inFlight >= count ? true : null;
  });
  const counts = await queueCounts(client, pair.dlqUrl);
  if (counts.visible !== count) throw new Error(`${pair.dlq} holds ${counts.visible} visible messages, expected ${count}`);
}

export interface NaiveSqsRun {
  replayed: number;
  received: number;
  ms: number;
}

/**
 * A hand-written replayer: ReceiveMessage of one message (hidden for 10 minutes), and if its body contains
 * `"tier":"gold"`: SendMessage of the copy (body and attributes) to its source queue, then DeleteMessage
 * from the DLQ, each awaited. Stops after `limit` replayed messages.
 */
export async function naiveSqsReplay(client: SQSClient, pair: QueuePair, limit: number): Promise<NaiveSqsRun> {
  let replayed = 0;
  let received = 0;
  let empty = 0;
  const start = performance.now();
  while (replayed < limit) {
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: pair.dlqUrl,
        MaxNumberOfMessages: 1,
        VisibilityTimeout: 600,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ["All"],
        MessageSystemAttributeNames: ["All"],
      }),
    );
    const message = Messages[0];
    if (!message) {
      if (++empty >= 3) throw new Error(`the naive loop found ${pair.dlq} empty after ${replayed} replayed messages`);
      continue;
    }
    received += 1;
    if (!message.Body?.includes('"tier":"gold"')) continue;
    await client.send(new SendMessageCommand({ QueueUrl: pair.sourceUrl, MessageBody: message.Body, MessageAttributes: message.MessageAttributes }));
    await client.send(new DeleteMessageCommand({ QueueUrl: pair.dlqUrl, ReceiptHandle: message.ReceiptHandle }));
    replayed += 1;
  }
  return { replayed, received, ms: performance.now() - start };
}

export interface CeilingRun {
  count: number;
  /** SendMessageBatch of `count` messages (10 a request, `concurrency` requests at a time). */
  sendMs: number;
  /** Receive 10 → SendMessageBatch 10 → DeleteMessageBatch 10 of all of them, `concurrency` loops at a time. */
  moveMs: number;
  concurrency: number;
}

/**
 * What this SQS endpoint allows at most, with the batch APIs and no filtering or bookkeeping: first a raw
 * SendMessageBatch loop into the pair's DLQ, then a raw replay loop (receive 10, send them as one batch to the
 * source, delete them as one batch) until the DLQ is empty. Redrive's SQS job makes the same calls, so these are
 * its ceilings on this endpoint.
 */
export async function rawBatchCeiling(client: SQSClient, pair: QueuePair, count: number, concurrency = 8): Promise<CeilingRun> {
  const limit = pLimit(concurrency);
  const sendStart = performance.now();
  const starts: number[] = [];
  for (let i = 0; i < count; i += 10) starts.push(i);
  await Promise.all(
    starts.map((from) =>
      limit(async () => {
        const entries = [];
        for (let i = from; i < Math.min(count, from + 10); i++) entries.push({ Id: String(i - from), MessageBody: orderJson(i, SQS_BODY_BYTES), MessageAttributes: attributesOf(i) });
        const result = await client.send(new SendMessageBatchCommand({ QueueUrl: pair.dlqUrl, Entries: entries }));
        if (result.Failed?.length) throw new Error(`SendMessageBatch failed: ${JSON.stringify(result.Failed[0])}`);
      }),
    ),
  );
  const sendMs = performance.now() - sendStart;
  let moved = 0;
  const moveStart = performance.now();
  const loop = async () => {
    let empty = 0;
    while (moved < count && empty < 3) {
      const { Messages = [] } = await client.send(
        new ReceiveMessageCommand({ QueueUrl: pair.dlqUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 600, WaitTimeSeconds: 0, MessageAttributeNames: ["All"] }),
      );
      if (Messages.length === 0) {
        empty += 1;
        continue;
      }
      empty = 0;
      const entries = Messages.map((m, i) => ({ Id: String(i), MessageBody: m.Body!, MessageAttributes: m.MessageAttributes }));
      const sent = await client.send(new SendMessageBatchCommand({ QueueUrl: pair.sourceUrl, Entries: entries }));
      if (sent.Failed?.length) throw new Error(`SendMessageBatch failed: ${JSON.stringify(sent.Failed[0])}`);
      await client.send(new DeleteMessageBatchCommand({ QueueUrl: pair.dlqUrl, Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
      moved += Messages.length;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const moveMs = performance.now() - moveStart;
  if (moved !== count) throw new Error(`the raw batch loop moved ${moved} of ${count} messages`);
  return { count, sendMs, moveMs, concurrency };
}

export type MoveTaskRun =
  | { supported: true; ms: number; moved: number; status: string; sourceDepth: number; dlqDepth: number; polls: number }
  | { supported: false; error: string };

/**
 * StartMessageMoveTask from the DLQ back to its source queue (no DestinationArn: each message returns to
 * the queue it came from), timed until the task reports COMPLETED and the DLQ is empty.
 */
export async function moveTask(client: SQSClient, pair: QueuePair): Promise<MoveTaskRun> {
  const start = performance.now();
  try {
    await client.send(new StartMessageMoveTaskCommand({ SourceArn: pair.dlqArn }));
  } catch (error) {
    return { supported: false, error: `${(error as { name?: string }).name ?? "Error"}: ${error instanceof Error ? error.message : String(error)}` };
  }
  let polls = 0;
  let status = "";
  let moved = 0;
  await waitUntil("the message move task to complete", 600_000, 20, async () => {
    polls += 1;
    const { Results = [] } = await client.send(new ListMessageMoveTasksCommand({ SourceArn: pair.dlqArn, MaxResults: 1 }));
    const task = Results[0];
    status = task?.Status ?? "(none)";
    moved = Number(task?.ApproximateNumberOfMessagesMoved ?? 0);
    if (status === "FAILED" || status === "CANCELLED") throw new Error(`message move task ${status}: ${task?.FailureReason ?? ""}`);
    if (status !== "COMPLETED") return null;
    const { visible, inFlight } = await queueCounts(client, pair.dlqUrl);
    return visible + inFlight === 0 ? true : null;
  });
  const ms = performance.now() - start;
  const source = await queueCounts(client, pair.sourceUrl);
  const dlq = await queueCounts(client, pair.dlqUrl);
  return { supported: true, ms, moved, status, sourceDepth: source.visible + source.inFlight, dlqDepth: dlq.visible + dlq.inFlight, polls };
}
