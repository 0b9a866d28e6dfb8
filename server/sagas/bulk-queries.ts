import { and, asc, desc, eq, gt } from "drizzle-orm";
import type { ControlDb } from "~/server/db/control-store";
import { sagaBulkItems, sagaBulkJobs } from "~/server/db/schema";
import { NotFound } from "~/server/lib/errors";

/** The latest bulk saga jobs, newest first. */
export function sagaBulkJobList(db: ControlDb, limit: number) {
  return db.select().from(sagaBulkJobs).orderBy(desc(sagaBulkJobs.createdAt)).limit(limit);
}

export async function sagaBulkJob(db: ControlDb, id: string) {
  const [job] = await db.select().from(sagaBulkJobs).where(eq(sagaBulkJobs.id, id));
  if (!job) throw new NotFound(`No bulk saga job ${id}.`);
  return job;
}

/** A page of a bulk job's items after `afterSeq`; `nextAfterSeq` is null on the last page. */
export async function sagaBulkItemsPage(db: ControlDb, page: { jobId: string; afterSeq: number; limit: number }) {
  const items = await db
    .select()
    .from(sagaBulkItems)
    .where(and(eq(sagaBulkItems.jobId, page.jobId), gt(sagaBulkItems.seq, page.afterSeq)))
    .orderBy(asc(sagaBulkItems.seq))
    .limit(page.limit);
  return { items, nextAfterSeq: items.length === page.limit ? items.at(-1)!.seq : null };
}
