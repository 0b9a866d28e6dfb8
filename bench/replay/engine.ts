/** Redrive's bulk replay engine, driven as the UI drives it: dry run (draft), start, poll the job row. */
import { eq } from "drizzle-orm";
import type { Connections } from "~/server/connections/registry";
import type { ControlDb } from "~/server/db/control-store";
import { replayJobs, type ReplayJobOptions } from "~/server/db/schema";
import { payloadAccess } from "~/server/dlq/masking";
import type { JobQueue } from "~/server/jobs/job-queue";
import { startReplayJob } from "~/server/replay/jobs/control";
import { createReplayDraft } from "~/server/replay/jobs/dry-run";
import { sleep } from "../common/processes";

export interface EngineRun {
  jobId: string;
  /** createReplayDraft: the dry run that snapshots the matching messages into replay_job_items. */
  dryRunMs: number;
  /** From startReplayJob to the poll that saw "completed". */
  replayMs: number;
  /** The job row's own startedAt -> finishedAt (the worker's time, without the queue's pickup). */
  rowMs: number | null;
  /** startReplayJob -> the row's startedAt: pg-boss handing the job to the worker. */
  pickupMs: number | null;
  total: number;
  done: number;
  skipped: number;
  failed: number;
  duplicates: number;
  scanned: number;
  matched: number;
  state: string;
  /** The worker's own last-batches rate from the row. */
  rowRate: number | null;
  /** Time the job spent "waiting" (a broker call failed; pg-boss retries the slice), and the reasons it gave. */
  waitingMs: number;
  waitingReasons: string[];
}

const POLL_MS = 50;
const BY = "bench";
/** An admin without masking rules: the filter reads every payload. */
const ACCESS = payloadAccess("admin", { readRoles: ["admin"], masking: [] });

/**
 * Runs one filtered replay job: the dry run, then start and poll every 50 ms until completed. `pollDb` is a
 * separate connection, so the polling does not show up in a profile of the worker's statements.
 */
export async function runReplayJob(
  db: ControlDb,
  pollDb: ControlDb,
  queue: JobQueue,
  connections: Connections,
  input: { kind: "kafka" | "sqs"; connection: string; dlq: string; target?: string; expression: string; snapshotId?: string; options: Partial<ReplayJobOptions> },
  onProgress?: (row: typeof replayJobs.$inferSelect) => void,
  afterDryRun?: () => Promise<void> | undefined,
): Promise<EngineRun> {
  const dryStart = performance.now();
  const draft = await createReplayDraft(
    db,
    connections,
    {
      kind: input.kind,
      connection: input.connection,
      dlq: input.dlq,
      action: "replay",
      target: input.target,
      selection: input.snapshotId ? { source: "filter", expression: input.expression, snapshotId: input.snapshotId } : { source: "filter", expression: input.expression },
      options: input.options,
    },
    BY,
    ACCESS,
  );
  const dryRunMs = performance.now() - dryStart;
  await afterDryRun?.();

  const startedAt = Date.now();
  const start = performance.now();
  await startReplayJob(db, queue, draft.id);
  let row: typeof replayJobs.$inferSelect | undefined;
  let lastReport = start;
  let waitingMs = 0;
  let lastPoll = performance.now();
  const waitingReasons = new Set<string>();
  for (;;) {
    [row] = await pollDb.select().from(replayJobs).where(eq(replayJobs.id, draft.id));
    if (!row) throw new Error(`replay job ${draft.id} vanished`);
    const now = performance.now();
    if (row.state === "waiting") {
      waitingMs += now - lastPoll;
      if (row.stateReason) waitingReasons.add(row.stateReason);
    }
    lastPoll = now;
    if (row.state === "completed") break;
    if (row.state === "failed" || row.state === "cancelled" || row.state === "paused") {
      throw new Error(`replay job ${draft.id} ${row.state}: ${row.stateReason ?? ""} (done ${row.done}/${row.total}, failed ${row.failed})`);
    }
    if (onProgress && performance.now() - lastReport > 5_000) {
      lastReport = performance.now();
      onProgress(row);
    }
    await sleep(POLL_MS);
  }
  const replayMs = performance.now() - start;
  return {
    jobId: row.id,
    dryRunMs,
    replayMs,
    rowMs: row.startedAt && row.finishedAt ? row.finishedAt.getTime() - row.startedAt.getTime() : null,
    pickupMs: row.startedAt ? row.startedAt.getTime() - startedAt : null,
    total: row.total,
    done: row.done,
    skipped: row.skipped,
    failed: row.failed,
    duplicates: row.duplicates,
    scanned: row.dryRun?.scanned ?? 0,
    matched: row.dryRun?.matched ?? 0,
    state: row.state,
    rowRate: row.rate,
    waitingMs,
    waitingReasons: [...waitingReasons],
  };
}
