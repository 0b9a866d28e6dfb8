import { REPLAY_QUEUE } from "~/server/jobs/job-queue";
import { runReplaySlice, type ReplayDeps } from "./runner";

// Replay jobs run side by side up to this many per process; each is one active slice at most (singleton by id).
const CONCURRENT_JOBS = 2;

/** Starts working the replay queue in this process. */
export async function startReplayWorker(deps: ReplayDeps): Promise<{ stop(): Promise<void> }> {
  await deps.queue.boss.work<{ jobId: string }>(
    REPLAY_QUEUE,
    { localConcurrency: CONCURRENT_JOBS, pollingIntervalSeconds: 1 },
    async ([job]) => {
      if (job) await runReplaySlice(deps, job.data.jobId);
    },
  );
  return { stop: () => deps.queue.boss.offWork(REPLAY_QUEUE) };
}
