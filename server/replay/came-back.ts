import { eq } from "drizzle-orm";
import type { ControlDb } from "~/server/db/control-store";
import { replayLedger } from "~/server/db/schema";
import type { RawDlqMessage } from "~/server/dlq/messages";
import { REPLAY_ID_HEADER as RABBIT_REPLAY_ID } from "~/server/brokers/rabbitmq/replay-copy";
import { REPLAY_ID, sqsReplayMetadata } from "./headers";

/** The replay id a dead letter carries when it is a replayed copy that died again (Kafka or RabbitMQ header, SQS attribute). */
export function replayIdOf(message: RawDlqMessage): string | null {
  if (message.sqs) return sqsReplayMetadata(message.sqs.messageAttributes).replayId;
  const raw = message.headers.get(REPLAY_ID) ?? message.headers.get(RABBIT_REPLAY_ID);
  return raw ? Buffer.from(raw).toString("utf8") : null;
}

/** Closing the loop: the earlier replay this dead letter is a copy of, from the ledger, or null. */
export async function earlierReplay(db: ControlDb, message: RawDlqMessage) {
  const replayId = replayIdOf(message);
  if (!replayId || !/^[0-9a-f-]{36}$/i.test(replayId)) return null;
  const [row] = await db
    .select({
      replayId: replayLedger.replayId,
      jobId: replayLedger.jobId,
      dlq: replayLedger.dlq,
      messageId: replayLedger.messageId,
      target: replayLedger.target,
      replayCount: replayLedger.replayCount,
      replayedBy: replayLedger.replayedBy,
      replayedAt: replayLedger.replayedAt,
    })
    .from(replayLedger)
    .where(eq(replayLedger.replayId, replayId));
  return row ?? { replayId, jobId: null, dlq: null, messageId: null, target: null, replayCount: null, replayedBy: null, replayedAt: null };
}
