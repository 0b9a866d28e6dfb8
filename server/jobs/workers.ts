import { runReplaySlice, type ReplayDeps } from "~/server/replay/jobs/runner";
import { runSagaBulkSlice } from "~/server/sagas/bulk";
import { flushGroup } from "~/server/alerts/notify/dispatch";
import { ALERT_NOTIFY_QUEUE, REPLAY_QUEUE, SAGA_BULK_QUEUE } from "./job-queue";

// Jobs of each kind run side by side up to this many per process; each job has one active slice at most.
const CONCURRENT_JOBS = 2;

/** Starts working the durable job queues (replays, bulk saga actions) in this process. */
export async function startJobWorkers(deps: ReplayDeps): Promise<{ stop(): Promise<void> }> {
  const { boss } = deps.queue;
  const options = { localConcurrency: CONCURRENT_JOBS, pollingIntervalSeconds: 1 };
  const replayWorker = await boss.work<{ jobId: string }>(REPLAY_QUEUE, options, async ([job]) => {
    if (job) await runReplaySlice(deps, job.data.jobId, { retried: job.retryCount > 0 });
  });
  deps.queue.replayWorkers.add(replayWorker);
  await boss.work<{ jobId: string }>(SAGA_BULK_QUEUE, options, async ([job]) => {
    if (job) await runSagaBulkSlice(deps, job.data.jobId);
  });
  const alertWorker = await boss.work<{ groupId: string }>(ALERT_NOTIFY_QUEUE, { localConcurrency: 4, pollingIntervalSeconds: 1 }, async ([job]) => {
    const notify = { db: deps.db, publicUrl: deps.connections.config.alerts.publicUrl, enqueueFlush: (id: string, at: Date) => deps.queue.enqueueAlertFlush(id, at) };
    if (job) await flushGroup(notify, job.data.groupId, { id: job.id, attempt: job.retryCount + 1 });
  });
  deps.queue.alertWorkers.add(alertWorker);
  return {
    async stop() {
      deps.queue.alertWorkers.delete(alertWorker);
      deps.queue.replayWorkers.delete(replayWorker);
      await boss.offWork(ALERT_NOTIFY_QUEUE);
      await boss.offWork(REPLAY_QUEUE);
      await boss.offWork(SAGA_BULK_QUEUE);
    },
  };
}
