import { and, asc, eq, gt } from "drizzle-orm";
import type { ControlDb } from "~/server/db/control-store";
import { replayJobItems, replayJobs, type ReplayItemState } from "~/server/db/schema";
import { NotFound } from "~/server/lib/errors";

/**
 * One replay job, if the caller may read it (`readable`: its scope check; null reads everything). A job outside
 * the caller's read scope answers like an unknown one, so its existence is not revealed.
 */
export async function readableReplayJob(db: ControlDb, id: string, readable: ((row: { connection: string; dlq: string }) => boolean) | null) {
  const [job] = await db.select().from(replayJobs).where(eq(replayJobs.id, id));
  if (!job || (readable && !readable(job))) throw new NotFound(`No replay job ${id}.`);
  return job;
}

/** A page of a job's items after `afterSeq`, optionally in one state; `nextAfterSeq` is null on the last page. */
export async function replayJobItemsPage(db: ControlDb, page: { jobId: string; afterSeq: number; limit: number; state?: ReplayItemState }) {
  const items = await db
    .select()
    .from(replayJobItems)
    .where(and(eq(replayJobItems.jobId, page.jobId), gt(replayJobItems.seq, page.afterSeq), page.state ? eq(replayJobItems.state, page.state) : undefined))
    .orderBy(asc(replayJobItems.seq))
    .limit(page.limit);
  return { items, nextAfterSeq: items.length === page.limit ? items.at(-1)!.seq : null };
}
