import { PgBoss } from "pg-boss";
import { errorText, logger } from "~/server/lib/logger";
import type { ControlStore } from "~/server/db/control-store";

/** pg-boss queue of replay-job slices: one active slice per replay job (singleton by job id). */
export const REPLAY_QUEUE = "redrive-replay";
/** pg-boss queue of bulk saga-action slices, one active per job. */
export const SAGA_BULK_QUEUE = "redrive-saga-bulk";
/** pg-boss queue of alert notification flushes (server/alerts/notify): one active per notification group. */
export const ALERT_NOTIFY_QUEUE = "redrive-alert-notify";

// A worker that dies (kill -9, OOM) stops sending heartbeats; pg-boss's supervisor then hands the
// slice to another worker (or the restarted one) after HEARTBEAT_SECONDS. pg-boss's minimum is 10 s.
const HEARTBEAT_SECONDS = 10;

export interface JobQueue {
  readonly boss: PgBoss;
  /** Schedules (another slice of) a replay job. Idempotent while one is queued. */
  enqueueReplay(jobId: string, options?: { startAfterSeconds?: number }): Promise<void>;
  /** Schedules (another slice of) a bulk saga action. */
  enqueueSagaBulk(jobId: string, options?: { startAfterSeconds?: number }): Promise<void>;
  /** Schedules a flush of an alert notification group at a time; one due now wakes this process's alert workers. */
  enqueueAlertFlush(groupId: string, at: Date): Promise<void>;
  /** Alert workers of this process (pg-boss worker ids), set by startJobWorkers. */
  readonly alertWorkers: Set<string>;
  /** Replay workers of this process (pg-boss worker ids), set by startJobWorkers. */
  readonly replayWorkers: Set<string>;
  stop(): Promise<void>;
}

/** pg-boss over the control store's database (a server's, or the embedded one), in its own schema. */
export async function openJobQueue(store: Pick<ControlStore, "jobQueueConnection">): Promise<JobQueue> {
  const connection = store.jobQueueConnection;
  const boss = new PgBoss({ connectionString: connection.connectionString, schema: "pgboss", max: 4, superviseIntervalSeconds: 5, monitorIntervalSeconds: 5 });
  boss.on("error", (error: unknown) => logger.error({ component: "job-queue", err: errorText(error) }, "job queue error"));
  await boss.start();
  for (const queue of [REPLAY_QUEUE, SAGA_BULK_QUEUE]) {
    await boss.createQueue(queue, {
      policy: "singleton",
      // Broker and database outages surface as failed slices: retry them (with backoff) for as long as it takes.
      retryLimit: 100_000,
      retryDelay: 2,
      retryBackoff: true,
      retryDelayMax: 15,
      heartbeatSeconds: HEARTBEAT_SECONDS,
      expireInSeconds: 60 * 60,
      deleteAfterSeconds: 7 * 24 * 3600,
    });
  }
  await boss.createQueue(ALERT_NOTIFY_QUEUE, {
    policy: "singleton",
    // A receiver that is down is retried with exponential backoff (1 s, 2 s, 4 s, ... up to 5 min), 12 attempts.
    retryLimit: 11,
    retryDelay: 1,
    retryBackoff: true,
    retryDelayMax: 300,
    heartbeatSeconds: HEARTBEAT_SECONDS,
    expireInSeconds: 120,
    deleteAfterSeconds: 7 * 24 * 3600,
  });
  const alertWorkers = new Set<string>();
  const replayWorkers = new Set<string>();
  return {
    boss,
    alertWorkers,
    replayWorkers,
    async enqueueReplay(jobId, options = {}) {
      await boss.send(REPLAY_QUEUE, { jobId }, { singletonKey: jobId, startAfter: options.startAfterSeconds ?? 0 });
      // A job started now (or its next slice) should not wait up to a second for the next poll (see below).
      if (!options.startAfterSeconds) for (const id of replayWorkers) boss.notifyWorker(id);
    },
    async enqueueSagaBulk(jobId, options = {}) {
      await boss.send(SAGA_BULK_QUEUE, { jobId }, { singletonKey: jobId, startAfter: options.startAfterSeconds ?? 0 });
    },
    async enqueueAlertFlush(groupId, at) {
      await boss.send(ALERT_NOTIFY_QUEUE, { groupId }, { singletonKey: groupId, startAfter: at });
      // pg-boss polls (every second here); a notification due now should not wait for the next poll. The
      // collector that evaluates runs workers too, so waking them in-process covers the usual path without
      // LISTEN/NOTIFY's dedicated connection (which PgBouncer in transaction mode would refuse).
      if (at.getTime() <= Date.now()) for (const id of alertWorkers) boss.notifyWorker(id);
    },
    stop: () => boss.stop({ graceful: true, timeout: 10_000 }),
  };
}

// One queue per process, shared by route handlers and the worker (Next.js may load modules in several bundles).
const holder = globalThis as unknown as { __redriveJobQueue?: Promise<JobQueue> };

export function jobQueue(store: ControlStore): Promise<JobQueue> {
  holder.__redriveJobQueue ??= openJobQueue(store).catch((error: unknown) => {
    holder.__redriveJobQueue = undefined;
    throw error;
  });
  return holder.__redriveJobQueue;
}
