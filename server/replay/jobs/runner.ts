import { and, eq, inArray } from "drizzle-orm";
import { brokerPlugin, type BrokerKind } from "~/server/brokers/registry";
import { brokerAdapter, type Connections } from "~/server/connections/registry";
import type { ControlDb } from "~/server/db/control-store";
import { replayJobs, type ReplayCanary, type ReplayJobState } from "~/server/db/schema";
import type { JobQueue } from "~/server/jobs/job-queue";
import { errorMessage } from "~/server/lib/errors";
import type { ReplayJob } from "./dry-run";
import type { ReplayExecutor } from "./executor";
import { checkCompletion } from "./completion";
import { addCounters, itemStateCounts } from "./items";
import { replayExecutors } from "./executors";
import { runMoveTask } from "./move-task";

export interface ReplayDeps {
  db: ControlDb;
  connections: Connections;
  queue: JobQueue;
}

// A slice hands the job back to the queue after this long, so no pg-boss job runs for hours.
const SLICE_MS = 5 * 60_000;
// Copies that died again are looked for this often while a job runs.
const CAME_BACK_EVERY_MS = 3_000;
// The fail-share guard needs this many replayed messages before it judges.
const GUARD_MIN_SAMPLE = 10;
// The rate shown is measured over this window.
const RATE_WINDOW_MS = 5_000;
const RATE_WRITE_EVERY_MS = 1_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ACTIVE: ReplayJobState[] = ["queued", "running", "waiting"];

async function loadJob(db: ControlDb, jobId: string): Promise<ReplayJob | null> {
  const [job] = await db.select().from(replayJobs).where(eq(replayJobs.id, jobId));
  return job ?? null;
}

/** Moves an active job to another state; refused (false) when an operator paused or cancelled it meanwhile. */
async function transition(db: ControlDb, jobId: string, state: ReplayJobState, stateReason: string | null, extra: Partial<ReplayJob> = {}): Promise<boolean> {
  const changed = await db
    .update(replayJobs)
    .set({ state, stateReason, updatedAt: new Date(), ...extra })
    .where(and(eq(replayJobs.id, jobId), inArray(replayJobs.state, ACTIVE)))
    .returning({ id: replayJobs.id });
  return changed.length > 0;
}

function executorFor<K extends BrokerKind>(deps: ReplayDeps, job: ReplayJob & { kind: K }): ReplayExecutor {
  const adapter = brokerAdapter(deps.connections, job.kind, job.connection);
  if (!adapter) throw new Error(`no ${brokerPlugin(job.kind).label} connection "${job.connection}" in the config any more`);
  return replayExecutors[job.kind](deps.db, adapter, job);
}

/** How many to take next: the batch size, cut so a rate-limited batch lasts about half a second, and not past the canary. */
function batchLimit(job: ReplayJob, canary: ReplayCanary, settled: number): number {
  let limit = job.options.batchSize;
  if (job.options.ratePerSecond) limit = Math.min(limit, Math.max(1, Math.floor(job.options.ratePerSecond / 2)));
  if (canary.state === "pending") limit = Math.min(limit, Math.max(1, canary.size - settled));
  return limit;
}

const badShare = (job: ReplayJob, canary: ReplayCanary) => {
  const bad = job.cameBack + job.failed - canary.baseBad;
  const replayed = job.done + job.failed - canary.baseDone;
  return { bad, replayed, share: replayed > 0 ? bad / replayed : 0 };
};

const percent = (share: number) => `${Math.round(share * 1000) / 10} %`;

/**
 * Runs one slice of a replay job: recover an interrupted batch, then batches until the job is done, an
 * operator pauses or cancels it, the canary or the fail-share guard pauses it, or the slice's time is up
 * (then it queues its next slice). Broker errors put the job in "waiting" with the reason and rethrow,
 * so pg-boss retries the slice with backoff until the broker is back.
 */
export async function runReplaySlice(deps: ReplayDeps, jobId: string, slice: { retried: boolean } = { retried: false }): Promise<void> {
  const { db } = deps;
  const sliceStarted = Date.now();
  let job = await loadJob(db, jobId);
  if (!job || !ACTIVE.includes(job.state)) return;
  // pg-boss handing a slice out again while the job still says "running": its worker died (kill -9, OOM, a lost node).
  if (slice.retried && job.state === "running") await addCounters(db, jobId, { recoveries: 1 });
  if (job.action === "move") return runMoveTask(deps, job);
  if (!(await transition(db, jobId, "running", null, job.startedAt ? {} : { startedAt: new Date() }))) return;

  const executor = executorFor(deps, job);
  const window: { at: number; settled: number }[] = [];
  let lastCameBackCheck = 0;
  let lastRateWrite = 0;
  try {
    await executor.prepare();
    await executor.recover();
    for (;;) {
      job = (await loadJob(db, jobId))!;
      if (job.state !== "running") return; // paused or cancelled by an operator
      if (Date.now() - sliceStarted > SLICE_MS) {
        await deps.queue.enqueueReplay(jobId);
        return;
      }
      const canary = job.canary ?? { state: "off", size: 0, watchUntil: null, decidedAt: null, baseDone: 0, baseBad: 0 };
      const settled = job.done + job.skipped + job.failed;

      if (Date.now() - lastCameBackCheck > CAME_BACK_EVERY_MS) {
        lastCameBackCheck = Date.now();
        if ((await executor.checkCameBack(canary.state === "watching")) > 0) continue; // re-read the counters before judging
      }

      if (canary.state === "watching") {
        if (Date.now() < Date.parse(canary.watchUntil!)) {
          await sleep(1_000);
          continue;
        }
        const { bad, replayed, share } = badShare(job, canary);
        if (bad > 0 && share >= job.options.maxFailShare) {
          await transition(db, jobId, "paused", `Canary failed: ${bad} of the first ${replayed} replayed messages failed again (${percent(share)}, limit ${percent(job.options.maxFailShare)}). The fault is probably not fixed; resume to go on anyway.`, {
            canary: { ...canary, state: "failed", decidedAt: new Date().toISOString() },
          });
          return;
        }
        await db.update(replayJobs).set({ canary: { ...canary, state: "passed", decidedAt: new Date().toISOString() } }).where(eq(replayJobs.id, jobId));
        continue;
      }

      if (canary.state === "passed" || canary.state === "off" || canary.state === "failed") {
        const { bad, replayed, share } = badShare(job, canary);
        if (replayed >= GUARD_MIN_SAMPLE && bad > 0 && share >= job.options.maxFailShare) {
          await transition(db, jobId, "paused", `Paused: ${bad} of ${replayed} replayed messages failed again (${percent(share)}, limit ${percent(job.options.maxFailShare)}).`);
          return;
        }
      }

      const batchStarted = Date.now();
      const limit = batchLimit(job, canary, settled);
      const outcome = await executor.runBatch(limit);

      if (canary.state === "pending" && (settled + outcome.processed >= canary.size || outcome.finished)) {
        const watchUntil = new Date(Date.now() + job.options.canaryWaitSeconds * 1000).toISOString();
        await db.update(replayJobs).set({ canary: { ...canary, state: "watching", watchUntil } }).where(eq(replayJobs.id, jobId));
        if (!outcome.finished) continue;
      }
      if (outcome.finished) {
        if (canary.state === "pending") continue; // watch the canary even when it was the whole job
        await executor.checkCameBack(false);
        const check = checkCompletion((await loadJob(db, jobId))!, await itemStateCounts(db, jobId));
        if (!check.complete) {
          await transition(db, jobId, "paused", check.reason, { rate: null });
          return;
        }
        await transition(db, jobId, "completed", null, { finishedAt: new Date(), rate: null, ...(check.counters ?? {}) });
        return;
      }

      // The measured rate, over the last few seconds.
      const now = Date.now();
      window.push({ at: now, settled: settled + outcome.processed });
      while (window.length > 2 && now - window[0]!.at > RATE_WINDOW_MS) window.shift();
      const first = window[0]!;
      const rate = window.length > 1 && now > first.at ? ((settled + outcome.processed - first.settled) * 1000) / (now - first.at) : null;
      // Shown, not used for decisions: written at most once a second, not once per batch (a round trip each).
      if (rate !== null && now - lastRateWrite >= RATE_WRITE_EVERY_MS) {
        lastRateWrite = now;
        await addCounters(db, jobId, {}, { rate });
      }

      if (job.options.ratePerSecond && outcome.processed > 0) {
        const due = (outcome.processed * 1000) / job.options.ratePerSecond - (Date.now() - batchStarted);
        if (due > 0) await sleep(due);
      }
    }
  } catch (error) {
    // Most often the broker is unreachable: wait for it, with the reason shown; pg-boss retries the slice.
    await transition(db, jobId, "waiting", `Waiting for ${brokerPlugin(job.kind).label}: ${errorMessage(error)}. Retrying automatically; nothing was lost.`).catch(() => undefined);
    throw error;
  } finally {
    await executor.close().catch(() => undefined);
  }
}
