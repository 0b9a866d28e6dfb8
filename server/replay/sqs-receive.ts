import { randomUUID } from "node:crypto";
import type { ReceivedSqsMessage, SqsAdapter } from "~/server/brokers/sqs/sqs";
import type { ControlDb } from "~/server/db/control-store";
import { replayLedger } from "~/server/db/schema";
import { SQS_REPLAY_ATTRIBUTE, sqsReplayAttributes } from "./headers";
import { ReplayRefused } from "./refused";

const RECEIVE_ROUNDS = 50;
const VISIBILITY_SECONDS = 30;

/**
 * Replay, edit and discard receive messages (hiding them from their consumers): only ever from a queue that is
 * some queue's dead-letter target, never from a live source queue, as the snapshot already insists.
 */
export async function assertDeadLetterQueue(adapter: SqsAdapter, queue: string): Promise<void> {
  const { deadLetterQueues } = await adapter.overview();
  if (!deadLetterQueues.some((dlq) => dlq.name === queue)) {
    throw new ReplayRefused(`"${queue}" is not a dead-letter queue of any queue: Redrive only receives from DLQs.`);
  }
}

/**
 * Receives from an SQS DLQ until the message with this id turns up (a receipt handle is never guessed) and
 * runs `work` on it while it is hidden. Every other message received on the way is made visible again at
 * once; so is the message itself when `work` throws (a refused edit, a failed send). `work` deletes it when
 * it is done with it.
 */
export async function withReceivedSqsMessage<T>(
  adapter: SqsAdapter,
  dlq: string,
  messageId: string,
  work: (found: ReceivedSqsMessage, dlqUrl: string) => Promise<T>,
): Promise<T> {
  await assertDeadLetterQueue(adapter, dlq);
  const dlqUrl = await adapter.queueUrl(dlq);
  const release: string[] = [];
  try {
    for (let round = 0; round < RECEIVE_ROUNDS; round += 1) {
      const batch = await adapter.receive(dlqUrl, VISIBILITY_SECONDS);
      if (batch.length === 0) break;
      const found = batch.find((m) => m.messageId === messageId);
      release.push(...batch.filter((m) => m !== found).map((m) => m.receiptHandle));
      if (!found) continue;
      try {
        return await work(found, dlqUrl);
      } catch (error) {
        release.push(found.receiptHandle);
        throw error;
      }
    }
  } finally {
    await adapter.release(dlqUrl, release).catch(() => undefined);
  }
  throw new ReplayRefused(`Message ${messageId} is no longer in ${dlq} (replayed, deleted or moved already).`);
}

/**
 * Sends the copy of a received SQS dead letter (its attributes plus the replay metadata packed in one
 * attribute; FIFO: the group kept, the replay id as deduplication id), deletes the original only after SQS
 * acknowledged the copy, and records it in the replay ledger.
 */
export async function sendSqsCopy(
  db: ControlDb,
  adapter: SqsAdapter,
  input: {
    dlq: string;
    dlqUrl: string;
    found: ReceivedSqsMessage;
    target: string;
    body: string;
    attributes: Record<string, { dataType: string; value: string }>;
    previousCount: number;
    action: "replay" | "edit";
    replayedBy: string;
    reason?: string | null;
  },
): Promise<{ replayId: string; targetPosition: string; replayCount: number }> {
  const { [SQS_REPLAY_ATTRIBUTE]: _earlier, ...attributes } = input.attributes;
  if (Object.keys(attributes).length >= 10) {
    throw new ReplayRefused("The message has 10 attributes (SQS's limit): there is no room for the replay metadata.");
  }
  const replayId = randomUUID();
  const replayCount = input.previousCount + 1;
  const fifo = input.target.endsWith(".fifo");
  const targetPosition = await adapter.send(await adapter.queueUrl(input.target), {
    body: input.body,
    attributes: sqsReplayAttributes(attributes, { replayId, count: replayCount, from: `${input.dlq}/${input.found.messageId}` }),
    groupId: fifo ? (input.found.attributes.MessageGroupId ?? "redrive") : undefined,
    deduplicationId: fifo ? replayId : undefined,
  });
  // Only now, with the copy acknowledged, may the original leave the DLQ.
  await adapter.delete(input.dlqUrl, input.found.receiptHandle);
  await db.insert(replayLedger).values({
    replayId,
    kind: "sqs",
    action: input.action,
    connection: adapter.name,
    dlq: input.dlq,
    messageId: input.found.messageId,
    target: input.target,
    targetPosition,
    replayCount,
    replayedBy: input.replayedBy,
    reason: input.reason ?? null,
  });
  return { replayId, targetPosition, replayCount };
}
