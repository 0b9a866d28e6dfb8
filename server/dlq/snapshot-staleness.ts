import { and, count, eq, gt, max } from "drizzle-orm";
import type { ControlDb } from "~/server/db/control-store";
import { replayJobs, replayLedger } from "~/server/db/schema";

/** What changed a DLQ after a snapshot of it was taken: then the snapshot no longer shows the queue. */
export interface SnapshotStaleness {
  /** Messages replayed, edited and replayed, or discarded since (each left the queue). */
  changedMessages: number;
  /** Bulk jobs (including SQS move tasks) started on the queue since. */
  jobs: number;
  lastChangeAt: Date | null;
}

export async function snapshotStaleness(db: ControlDb, ref: { connection: string; queue: string; takenAt: Date }): Promise<SnapshotStaleness | null> {
  const [ledger] = await db
    .select({ n: count(), last: max(replayLedger.replayedAt) })
    .from(replayLedger)
    .where(and(eq(replayLedger.kind, "sqs"), eq(replayLedger.connection, ref.connection), eq(replayLedger.dlq, ref.queue), gt(replayLedger.replayedAt, ref.takenAt)));
  const [jobs] = await db
    .select({ n: count(), last: max(replayJobs.startedAt) })
    .from(replayJobs)
    .where(and(eq(replayJobs.kind, "sqs"), eq(replayJobs.connection, ref.connection), eq(replayJobs.dlq, ref.queue), gt(replayJobs.startedAt, ref.takenAt)));
  const changedMessages = ledger?.n ?? 0;
  const jobCount = jobs?.n ?? 0;
  if (changedMessages === 0 && jobCount === 0) return null;
  const times = [ledger?.last, jobs?.last].filter((t): t is Date => t instanceof Date);
  return { changedMessages, jobs: jobCount, lastChangeAt: times.length ? new Date(Math.max(...times.map((t) => t.getTime()))) : null };
}
