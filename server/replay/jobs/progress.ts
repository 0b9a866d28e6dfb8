import type { ReplayJob } from "./dry-run";

export interface JobProgress {
  remaining: number;
  /** Messages per second: the last batches' measured rate while running, else the average over the run. */
  rate: number | null;
  /** Seconds to go while the job can still move; 0 once completed; null when unknown (nothing settled yet). */
  etaSeconds: number | null;
  elapsedSeconds: number;
}

const MOVING = new Set<ReplayJob["state"]>(["queued", "running", "waiting"]);

/** What the job page derives from a job: remaining, rate, ETA and elapsed time. */
export function jobProgress(job: Pick<ReplayJob, "state" | "total" | "done" | "skipped" | "failed" | "rate" | "startedAt" | "finishedAt">, now: number): JobProgress {
  const settled = job.done + job.skipped + job.failed;
  const remaining = Math.max(0, job.total - settled);
  const end = job.finishedAt?.getTime() ?? now;
  const elapsedMs = job.startedAt ? Math.max(0, end - job.startedAt.getTime()) : 0;
  const average = elapsedMs > 0 && settled > 0 ? (settled * 1000) / elapsedMs : null;
  const rate = MOVING.has(job.state) && job.rate && job.rate > 0 ? job.rate : average;
  let etaSeconds: number | null = null;
  if (job.state === "completed") etaSeconds = 0;
  else if (MOVING.has(job.state) && rate && rate > 0) etaSeconds = Math.round(remaining / rate);
  return { remaining, rate, etaSeconds, elapsedSeconds: Math.round(elapsedMs / 1000) };
}
