/**
 * The replay history lists (the latest replays, edits and discards; bulk jobs), newest first, with the caller's
 * read scope in the WHERE so a page of `limit` rows holds that many rows it may read.
 */
import { and, desc, eq } from "drizzle-orm";
import type { Readable } from "~/server/auth/permissions";
import { readableWhere } from "~/server/auth/readable-sql";
import type { ControlDb } from "~/server/db/control-store";
import { replayJobs, replayLedger, type replayJobStates } from "~/server/db/schema";

export function recentReplays(db: ControlDb, readable: Readable | null, limit: number) {
  return db
    .select()
    .from(replayLedger)
    .where(readableWhere(readable, { connection: replayLedger.connection, resource: replayLedger.dlq }))
    .orderBy(desc(replayLedger.replayedAt))
    .limit(limit);
}

export function replayJobList(db: ControlDb, readable: Readable | null, filter: { limit: number; state?: (typeof replayJobStates)[number] }) {
  return db
    .select()
    .from(replayJobs)
    .where(and(filter.state ? eq(replayJobs.state, filter.state) : undefined, readableWhere(readable, { connection: replayJobs.connection, resource: replayJobs.dlq })))
    .orderBy(desc(replayJobs.createdAt))
    .limit(filter.limit);
}
