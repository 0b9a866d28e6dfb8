import { eq } from "drizzle-orm";
import type { ControlDb } from "~/server/db/control-store";
import { replayJobs, sagaBulkJobs } from "~/server/db/schema";
import type { Scope } from "./permissions";

/**
 * The connection and resource a bulk job works on, for calls that name only the job (start, pause, resume,
 * cancel): a role scoped to some connections may steer only their jobs. Unknown job: no scope (the procedure
 * answers 404).
 */
export async function jobScope(db: ControlDb, kind: "replay" | "saga", jobId: unknown): Promise<Scope> {
  if (typeof jobId !== "string" || !/^[0-9a-f-]{36}$/i.test(jobId)) return {};
  if (kind === "replay") {
    const [job] = await db.select({ connection: replayJobs.connection, dlq: replayJobs.dlq }).from(replayJobs).where(eq(replayJobs.id, jobId)).limit(1);
    return job ? { connection: job.connection, resource: job.dlq } : {};
  }
  const [job] = await db.select({ database: sagaBulkJobs.database }).from(sagaBulkJobs).where(eq(sagaBulkJobs.id, jobId)).limit(1);
  return job ? { connection: job.database, resource: job.database } : {};
}
