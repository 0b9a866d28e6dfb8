import type { ReceivedSqsMessage, SqsAdapter } from "~/server/brokers/sqs";
import { ReplayRefused } from "./replay-one";

const RECEIVE_ROUNDS = 50;
const VISIBILITY_SECONDS = 30;

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
