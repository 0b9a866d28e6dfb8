import { and, eq } from "drizzle-orm";
import { OutOfScope } from "~/server/auth/permissions";
import type { BrokerKind } from "~/server/brokers/registry";
import type { ExpiringSoon } from "~/server/brokers/types";
import { replayBrokerOf, type Connections } from "~/server/connections/registry";
import type { ControlDb } from "~/server/db/control-store";
import { sqsSnapshotMessages, sqsSnapshots } from "~/server/db/schema";

export const EXPIRY_HORIZON_MS = 24 * 3_600_000;

/**
 * Dead letters of a DLQ that retention deletes within a day. The broker counts where it can (Kafka); where it
 * cannot (SQS), the messages of the page's snapshot are counted by their original enqueue time. The snapshot
 * must be one of this DLQ: the permission check read the scope from the connection and DLQ named, so a
 * snapshot of another queue (perhaps outside the caller's scope) answers as an unknown one (OutOfScope, 404).
 */
export async function expiringWithinADay(
  db: ControlDb,
  connections: Connections,
  ref: { kind: BrokerKind; connection: string; dlq: string; snapshotId?: string },
): Promise<ExpiringSoon | null> {
  const broker = replayBrokerOf(connections, ref.kind, ref.connection);
  if (!broker) return null;
  const enqueued = ref.snapshotId ? await enqueueTimes(db, ref.connection, ref.dlq, ref.snapshotId) : null;
  return broker.expiringSoon(ref.dlq, EXPIRY_HORIZON_MS, enqueued);
}

async function enqueueTimes(db: ControlDb, connection: string, queue: string, snapshotId: string): Promise<number[]> {
  const [snapshot] = await db
    .select({ id: sqsSnapshots.id })
    .from(sqsSnapshots)
    .where(and(eq(sqsSnapshots.id, snapshotId), eq(sqsSnapshots.connection, connection), eq(sqsSnapshots.queue, queue)));
  if (!snapshot) throw new OutOfScope(`No snapshot ${snapshotId} of "${queue}".`);
  const rows = await db.select({ at: sqsSnapshotMessages.sentTimestamp }).from(sqsSnapshotMessages).where(eq(sqsSnapshotMessages.snapshotId, snapshotId));
  return rows.map((row) => row.at?.getTime() ?? 0);
}
