import { and, eq, inArray } from "drizzle-orm";
import { brokerPlugin } from "~/server/brokers/registry";
import { offersNativeMove } from "~/server/brokers/types";
import { brokerAdapter } from "~/server/connections/registry";
import { replayJobs } from "~/server/db/schema";
import type { ReplayJob } from "./dry-run";
import type { ReplayDeps } from "./runner";

const POLL_MS = 1_000;
const SLICE_MS = 5 * 60_000;

/**
 * The native fast path: the whole DLQ back, unfiltered, by the broker's own move (SQS StartMessageMoveTask, a
 * RabbitMQ dynamic shovel). Redrive starts it once (the handle is stored, so a restart does not start a second
 * one) and mirrors its progress until it completes, fails or is cancelled.
 */
export async function runMoveTask(deps: ReplayDeps, job: ReplayJob): Promise<void> {
  const adapter = brokerAdapter(deps.connections, job.kind, job.connection);
  if (!adapter) throw new Error(`no ${brokerPlugin(job.kind).label} connection "${job.connection}" in the config any more`);
  if (!offersNativeMove(adapter)) throw new Error(`${brokerPlugin(job.kind).label} has no native move`);
  let handle = job.moveTask?.taskHandle;
  if (!handle) {
    const started = await adapter.startNativeMove(job.dlq, { ratePerSecond: job.options.ratePerSecond });
    handle = started.handle;
    await deps.db
      .update(replayJobs)
      .set({ state: "running", startedAt: new Date(), total: started.total, moveTask: { taskHandle: handle, status: "RUNNING", moved: 0, toMove: started.total, failureReason: null } })
      .where(eq(replayJobs.id, job.id));
  } else {
    await deps.db.update(replayJobs).set({ state: "running", stateReason: null }).where(and(eq(replayJobs.id, job.id), inArray(replayJobs.state, ["queued", "waiting"])));
  }
  const started = Date.now();
  for (;;) {
    const [current] = await deps.db.select().from(replayJobs).where(eq(replayJobs.id, job.id));
    if (!current || current.state !== "running") return;
    const task = await adapter.nativeMoveStatus(job.dlq, handle, current.total);
    if (task) {
      const terminal = task.status === "COMPLETED" || task.status === "FAILED" || task.status === "CANCELLED";
      const total = Math.max(current.total, task.moved + (task.toMove ?? 0));
      await deps.db
        .update(replayJobs)
        .set({
          moveTask: { taskHandle: handle, status: task.status, moved: task.moved, toMove: task.toMove, failureReason: task.failureReason },
          done: task.moved,
          total,
          updatedAt: new Date(),
          ...(terminal
            ? {
                state: task.status === "COMPLETED" ? ("completed" as const) : task.status === "CANCELLED" ? ("cancelled" as const) : ("failed" as const),
                stateReason: task.failureReason,
                finishedAt: new Date(),
              }
            : {}),
        })
        .where(eq(replayJobs.id, job.id));
      if (terminal) return;
    }
    if (Date.now() - started > SLICE_MS) {
      await deps.queue.enqueueReplay(job.id);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
