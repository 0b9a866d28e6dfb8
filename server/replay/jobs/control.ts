import { and, eq, inArray } from "drizzle-orm";
import { can, type BrokerKind } from "~/server/brokers/registry";
import { offersNativeMove, type NativeMove } from "~/server/brokers/types";
import { brokerAdapter, type Connections } from "~/server/connections/registry";
import type { ControlDb } from "~/server/db/control-store";
import { replayJobs, type ReplayJobOptions, type ReplayJobState } from "~/server/db/schema";
import type { JobQueue } from "~/server/jobs/job-queue";
import { ReplayRefused } from "~/server/replay/replay-one";
import { DEFAULT_JOB_OPTIONS, type ReplayJob } from "./dry-run";

async function change(db: ControlDb, jobId: string, from: ReplayJobState[], set: Partial<ReplayJob>, refusal: (job: ReplayJob) => string): Promise<ReplayJob> {
  const [changed] = await db
    .update(replayJobs)
    .set({ ...set, updatedAt: new Date() })
    .where(and(eq(replayJobs.id, jobId), inArray(replayJobs.state, from)))
    .returning();
  if (changed) return changed;
  const [job] = await db.select().from(replayJobs).where(eq(replayJobs.id, jobId));
  if (!job) throw new ReplayRefused(`No replay job ${jobId}.`);
  throw new ReplayRefused(refusal(job));
}

/** Confirms a dry run: the draft's snapshotted messages become a durable job. */
export async function startReplayJob(db: ControlDb, queue: JobQueue, jobId: string): Promise<ReplayJob> {
  const [draft] = await db.select().from(replayJobs).where(eq(replayJobs.id, jobId));
  if (!draft) throw new ReplayRefused(`No replay job ${jobId}.`);
  const canarySize = draft.action === "replay" ? Math.min(draft.options.canarySize, draft.total) : 0;
  const job = await change(
    db,
    jobId,
    ["draft"],
    {
      state: "queued",
      canary: { state: canarySize > 0 ? "pending" : "off", size: canarySize, watchUntil: null, decidedAt: null, baseDone: 0, baseBad: 0 },
    },
    (current) => `This job was started already (it is ${current.state}).`,
  );
  await queue.enqueueReplay(jobId);
  return job;
}

export async function pauseReplayJob(db: ControlDb, jobId: string, by: string): Promise<ReplayJob> {
  return change(db, jobId, ["queued", "running", "waiting"], { state: "paused", stateReason: `Paused by ${by}.` }, (job) => `Only a queued, running or waiting job can be paused; this one is ${job.state}.`);
}

/** Resumes a paused job. After a canary or fail-share pause, the guard judges only what is replayed from now on. */
export async function resumeReplayJob(db: ControlDb, queue: JobQueue, jobId: string): Promise<ReplayJob> {
  const [current] = await db.select().from(replayJobs).where(eq(replayJobs.id, jobId));
  if (!current) throw new ReplayRefused(`No replay job ${jobId}.`);
  const canary = current.canary;
  const nextCanary =
    canary && (canary.state === "failed" || canary.state === "passed" || canary.state === "watching")
      ? { ...canary, state: canary.state === "watching" ? ("watching" as const) : ("passed" as const), baseDone: current.done + current.failed, baseBad: current.cameBack + current.failed }
      : canary;
  const job = await change(db, jobId, ["paused"], { state: "queued", stateReason: null, canary: nextCanary }, (j) => `Only a paused job can be resumed; this one is ${j.state}.`);
  await queue.enqueueReplay(jobId);
  return job;
}

export async function cancelReplayJob(db: ControlDb, connections: Connections, jobId: string, by: string): Promise<ReplayJob> {
  const job = await change(
    db,
    jobId,
    ["draft", "queued", "running", "waiting", "paused"],
    { state: "cancelled", stateReason: `Cancelled by ${by}.`, finishedAt: new Date() },
    (j) => `This job has ended already (${j.state}).`,
  );
  // The broker's own task (SQS's move task, a RabbitMQ shovel) has to be told too; what it moved stays moved.
  if (job.action === "move" && job.moveTask?.taskHandle && can(job.kind, "native-move")) {
    const adapter = brokerAdapter(connections, job.kind, job.connection);
    if (offersNativeMove(adapter)) await adapter.cancelMoveTask(job.moveTask.taskHandle).catch(() => undefined);
  }
  return job;
}

/**
 * The native fast path for "the whole DLQ back, unfiltered" (SQS StartMessageMoveTask, a RabbitMQ dynamic
 * shovel): a job around the broker's own move, refused with the broker's reason where it cannot move this DLQ.
 */
export async function startMoveAllJob(
  db: ControlDb,
  queue: JobQueue,
  mover: NativeMove,
  input: { kind: BrokerKind; connection: string; dlq: string; ratePerSecond?: number | null },
  by: string,
): Promise<ReplayJob> {
  const plan = await mover.nativeMovePlan(input.dlq);
  if (!plan.available) throw new ReplayRefused(plan.reason);
  if (input.ratePerSecond != null && (plan.maxRatePerSecond === null || input.ratePerSecond > plan.maxRatePerSecond)) {
    throw new ReplayRefused(plan.maxRatePerSecond === null ? `${plan.method} takes no rate limit.` : `${plan.method} moves at most ${plan.maxRatePerSecond} messages per second.`);
  }
  const options: ReplayJobOptions = { ...DEFAULT_JOB_OPTIONS, canarySize: 0, ratePerSecond: input.ratePerSecond ?? null };
  const [job] = await db
    .insert(replayJobs)
    .values({
      kind: input.kind,
      action: "move",
      connection: input.connection,
      dlq: input.dlq,
      target: plan.target,
      selection: { source: "all" },
      options,
      state: "queued",
      total: plan.depth,
      canary: { state: "off", size: 0, watchUntil: null, decidedAt: null, baseDone: 0, baseBad: 0 },
      createdBy: by,
    })
    .returning();
  await queue.enqueueReplay(job!.id);
  return job!;
}
