import { eq } from "drizzle-orm";
import type { ExpiringSoon } from "~/server/brokers/types";
import { replayBrokerOf, type Connections } from "~/server/connections/registry";
import type { ControlDb } from "~/server/db/control-store";
import { sqsSnapshotMessages } from "~/server/db/schema";

export const EXPIRY_HORIZON_MS = 24 * 3_600_000;

/**
 * Dead letters of a DLQ that retention deletes within a day. The broker counts where it can (Kafka); where it
 * cannot (SQS), the messages of the page's snapshot are counted by their original enqueue time.
 */
export async function expiringWithinADay(
  db: ControlDb,
  connections: Connections,
  ref: { kind: "kafka" | "sqs"; connection: string; dlq: string; snapshotId?: string },
): Promise<ExpiringSoon | null> {
  const broker = replayBrokerOf(connections, ref.kind, ref.connection);
  if (!broker) return null;
  const enqueued = ref.snapshotId
    ? (await db.select({ at: sqsSnapshotMessages.sentTimestamp }).from(sqsSnapshotMessages).where(eq(sqsSnapshotMessages.snapshotId, ref.snapshotId))).map((row) => row.at?.getTime() ?? 0)
    : null;
  return broker.expiringSoon(ref.dlq, EXPIRY_HORIZON_MS, enqueued);
}
