import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { Connections } from "~/server/connections/registry";
import type { ControlDb } from "~/server/db/control-store";
import { sagaBulkItems, sagaBulkJobs, type SagaBulkDryRun, type SagaBulkJobState, type SagaBulkSelection } from "~/server/db/schema";
import type { JobQueue } from "~/server/jobs/job-queue";
import { errorMessage } from "~/server/lib/errors";
import { issueSagaCommand, SagaCommandError, sagaCommandStatus, type SagaCommandKind } from "./commands";
import { appDatabase, type AppDatabase } from "./context";
import { diagnose, DIAGNOSE_LIMIT, stuckGroupKey } from "./diagnosis";
import { terminalStatuses, type SagaStatus } from "./layouts/types";
import { getSaga, isStuck, listSagas, stuckSagas, type SagaFilter, type SagaRow } from "./queries";
import { DomainError } from "~/server/lib/errors";

export type SagaBulkJob = typeof sagaBulkJobs.$inferSelect;

/** A bulk action covers at most this many sagas; narrow the filter for more. */
export const BULK_LIMIT = 10_000;
const ISSUE_BATCH = 25;
// How long the job waits for the orchestrator to handle the commands it wrote.
const OUTCOME_TIMEOUT_MS = 120_000;
const SLICE_MS = 5 * 60_000;
const ACTIVE: SagaBulkJobState[] = ["queued", "running", "verifying"];

export class SagaBulkRefused extends DomainError {
  readonly refusal = "precondition";
  override name = "SagaBulkRefused";
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function sagasOf(app: AppDatabase) {
  if (!app.sagas) throw new SagaBulkRefused(`The ${app.config.layout} layout of database "${app.name}" keeps no sagas.`);
  if (!app.sagas.commands) throw new SagaBulkRefused(`The ${app.config.layout} layout of database "${app.name}" has no operator-command table.`);
  if (!app.writable) throw new SagaBulkRefused(`Database "${app.name}" is read-only for Redrive: set writable: true in its config to issue saga commands.`);
  return app.sagas;
}

async function selectedSagas(store: ControlDb, connections: Connections, app: AppDatabase, selection: SagaBulkSelection): Promise<SagaRow[]> {
  const layout = sagasOf(app);
  if (selection.group) {
    // The same diagnosis the Stuck view grouped by: the group's sagas as they are now.
    const stuck = await stuckSagas(app.db, layout, app.config.sagas, DIAGNOSE_LIMIT);
    const diagnoses = await diagnose(store, connections, app, stuck);
    return stuck.filter((saga) => stuckGroupKey(saga, diagnoses.get(saga.id)).key === selection.group);
  }
  const filter = (selection.filter ?? {}) as SagaFilter;
  const { rows, totalCapped } = await listSagas(app.db, layout, app.config.sagas, filter, { offset: 0, limit: BULK_LIMIT + 1 });
  if (totalCapped || rows.length > BULK_LIMIT) throw new SagaBulkRefused(`More than ${BULK_LIMIT} sagas match: narrow the filter.`);
  return rows;
}

/**
 * The dry run: the sagas the selection matches now, those the command applies to, and a draft job holding
 * their exact ids and the versions they were seen at (a saga that moves on before its turn is not acted on).
 */
export async function createSagaBulkDraft(
  store: ControlDb,
  connections: Connections,
  input: { database: string; command: SagaCommandKind; reason: string; selection: SagaBulkSelection; ratePerSecond?: number | null; verifyAfterSeconds?: number },
  by: string,
): Promise<SagaBulkJob> {
  const app = appDatabase(connections, input.database);
  const layout = sagasOf(app);
  if (input.reason.trim().length < 3) throw new SagaBulkRefused("Give a reason (at least 3 characters): it is recorded with every command.");
  const matched = await selectedSagas(store, connections, app, input.selection);
  const appliesTo = layout.commandAppliesTo[input.command];
  const chosen = matched.filter((saga) => appliesTo.includes(saga.status));
  const byTypeStatus = new Map<string, { sagaType: string; status: string; count: number }>();
  for (const saga of chosen) {
    const key = `${saga.sagaType}\u0000${saga.status}`;
    const entry = byTypeStatus.get(key) ?? { sagaType: saga.sagaType, status: saga.status, count: 0 };
    entry.count += 1;
    byTypeStatus.set(key, entry);
  }
  const dryRun: SagaBulkDryRun = {
    matched: matched.length,
    notApplicable: matched.length - chosen.length,
    byTypeStatus: [...byTypeStatus.values()].sort((a, b) => b.count - a.count),
    sample: chosen.slice(0, 20).map((s) => ({ id: s.id, sagaType: s.sagaType, status: s.status, correlationId: s.correlationId, lastError: s.lastError })),
  };
  return store.transaction(async (tx) => {
    const [job] = await tx
      .insert(sagaBulkJobs)
      .values({
        database: app.name,
        command: input.command,
        reason: input.reason.trim(),
        selection: input.selection,
        dryRun,
        ratePerSecond: input.ratePerSecond ?? null,
        verifyAfterSeconds: input.verifyAfterSeconds ?? 30,
        state: "draft",
        total: chosen.length,
        createdBy: by,
      })
      .returning();
    for (let i = 0; i < chosen.length; i += 2_000) {
      await tx.insert(sagaBulkItems).values(
        chosen.slice(i, i + 2_000).map((saga, index) => ({
          jobId: job!.id,
          seq: i + index + 1,
          sagaId: saga.id,
          sagaType: saga.sagaType,
          version: saga.version,
          statusBefore: saga.status,
        })),
      );
    }
    return job!;
  });
}

async function change(store: ControlDb, jobId: string, from: SagaBulkJobState[], set: Partial<SagaBulkJob>, refusal: string): Promise<SagaBulkJob> {
  const [changed] = await store
    .update(sagaBulkJobs)
    .set({ ...set, updatedAt: new Date() })
    .where(and(eq(sagaBulkJobs.id, jobId), inArray(sagaBulkJobs.state, from)))
    .returning();
  if (changed) return changed;
  const [job] = await store.select().from(sagaBulkJobs).where(eq(sagaBulkJobs.id, jobId));
  if (!job) throw new SagaBulkRefused(`No bulk saga job ${jobId}.`);
  throw new SagaBulkRefused(`${refusal} This one is ${job.state}.`);
}

export async function startSagaBulkJob(store: ControlDb, queue: JobQueue, jobId: string): Promise<SagaBulkJob> {
  const job = await change(store, jobId, ["draft"], { state: "queued" }, "Only a dry run can be started.");
  await queue.enqueueSagaBulk(jobId);
  return job;
}

export function pauseSagaBulkJob(store: ControlDb, jobId: string, by: string): Promise<SagaBulkJob> {
  return change(store, jobId, ["queued", "running"], { state: "paused", stateReason: `Paused by ${by}.` }, "Only a queued or running job can be paused.");
}

export async function resumeSagaBulkJob(store: ControlDb, queue: JobQueue, jobId: string): Promise<SagaBulkJob> {
  const job = await change(store, jobId, ["paused"], { state: "queued", stateReason: null }, "Only a paused job can be resumed.");
  await queue.enqueueSagaBulk(jobId);
  return job;
}

export function cancelSagaBulkJob(store: ControlDb, jobId: string, by: string): Promise<SagaBulkJob> {
  return change(
    store,
    jobId,
    ["draft", "queued", "running", "paused"],
    { state: "cancelled", stateReason: `Cancelled by ${by}; commands already written stay with the orchestrator.`, finishedAt: new Date() },
    "This job has ended already.",
  );
}

async function counts(store: ControlDb, jobId: string): Promise<void> {
  await store.execute(sql`
    update saga_bulk_jobs j set
      requested = c.requested, refused = c.refused, applied = c.applied, rejected = c.rejected, updated_at = now()
    from (select count(*) filter (where state in ('requested', 'applied', 'rejected'))::int as requested,
                 count(*) filter (where state = 'refused')::int as refused,
                 count(*) filter (where state = 'applied')::int as applied,
                 count(*) filter (where state = 'rejected')::int as rejected
            from saga_bulk_items where job_id = ${jobId}::uuid) c
    where j.id = ${jobId}::uuid`);
}

async function setState(store: ControlDb, jobId: string, state: SagaBulkJobState, stateReason: string | null, extra: Partial<SagaBulkJob> = {}): Promise<boolean> {
  const changed = await store
    .update(sagaBulkJobs)
    .set({ state, stateReason, updatedAt: new Date(), ...extra })
    .where(and(eq(sagaBulkJobs.id, jobId), inArray(sagaBulkJobs.state, ACTIVE)))
    .returning({ id: sagaBulkJobs.id });
  return changed.length > 0;
}

/** Issues the pending commands, `ISSUE_BATCH` at a time; false when an operator paused or cancelled the job. */
async function issuePending(store: ControlDb, app: AppDatabase, job: SagaBulkJob, started: number): Promise<"done" | "stopped" | "slice"> {
  for (;;) {
    const [current] = await store.select({ state: sagaBulkJobs.state }).from(sagaBulkJobs).where(eq(sagaBulkJobs.id, job.id));
    if (current?.state !== "running") return "stopped";
    if (Date.now() - started > SLICE_MS) return "slice";
    const items = await store
      .select()
      .from(sagaBulkItems)
      .where(and(eq(sagaBulkItems.jobId, job.id), eq(sagaBulkItems.state, "pending")))
      .orderBy(asc(sagaBulkItems.seq))
      .limit(ISSUE_BATCH);
    if (items.length === 0) return "done";
    const batchStarted = Date.now();
    for (const item of items) {
      try {
        const issued = await issueSagaCommand(app, {
          sagaId: item.sagaId,
          command: job.command,
          expectedVersion: item.version ?? 0,
          reason: `${job.reason} (bulk job ${job.id})`,
          requestedBy: job.createdBy,
        });
        await store.update(sagaBulkItems).set({ state: "requested", commandId: issued.commandId, updatedAt: new Date() }).where(and(eq(sagaBulkItems.jobId, job.id), eq(sagaBulkItems.seq, item.seq)));
      } catch (error) {
        // Refused before the orchestrator (moved on, a command pending, no longer applicable): recorded, not retried.
        if (!(error instanceof SagaCommandError)) throw error;
        await store.update(sagaBulkItems).set({ state: "refused", outcome: error.message, updatedAt: new Date() }).where(and(eq(sagaBulkItems.jobId, job.id), eq(sagaBulkItems.seq, item.seq)));
      }
    }
    await counts(store, job.id);
    if (job.ratePerSecond) {
      const due = (items.length * 1000) / job.ratePerSecond - (Date.now() - batchStarted);
      if (due > 0) await sleep(due);
    }
  }
}

/** Reads the orchestrator's outcome of every requested command until all are handled or the wait is over. */
async function collectOutcomes(store: ControlDb, app: AppDatabase, job: SagaBulkJob): Promise<void> {
  const deadline = Date.now() + OUTCOME_TIMEOUT_MS;
  for (;;) {
    const waiting = await store.select().from(sagaBulkItems).where(and(eq(sagaBulkItems.jobId, job.id), eq(sagaBulkItems.state, "requested")));
    for (const item of waiting) {
      const command = item.commandId ? await sagaCommandStatus(app, item.commandId) : null;
      if (!command || command.state === "pending") continue;
      await store
        .update(sagaBulkItems)
        .set({ state: command.state === "rejected" ? "rejected" : "applied", outcome: command.outcome, updatedAt: new Date() })
        .where(and(eq(sagaBulkItems.jobId, job.id), eq(sagaBulkItems.seq, item.seq)));
    }
    await counts(store, job.id);
    const left = waiting.filter((item) => item.commandId);
    if (left.length === 0 || Date.now() > deadline) return;
    const stillPending = await store.select({ n: sql<number>`count(*)::int` }).from(sagaBulkItems).where(and(eq(sagaBulkItems.jobId, job.id), eq(sagaBulkItems.state, "requested")));
    if ((stillPending[0]?.n ?? 0) === 0) return;
    await sleep(1_000);
  }
}

/** After the delay: which of the job's sagas reached a terminal status, and which are stuck again. */
async function verify(store: ControlDb, app: AppDatabase, job: SagaBulkJob): Promise<void> {
  const layout = app.sagas!;
  // Refused sagas are checked too: one that "moved on" before its command often finished on its own.
  const items = await store.select().from(sagaBulkItems).where(and(eq(sagaBulkItems.jobId, job.id), inArray(sagaBulkItems.state, ["requested", "applied", "refused"])));
  let terminal = 0;
  let stuckAgain = 0;
  for (const item of items) {
    const saga = await getSaga(app.db, layout, item.sagaId);
    const status = (saga?.status ?? null) as SagaStatus | null;
    const stuck = saga ? await isStuck(app.db, layout, app.config.sagas, item.sagaId) : false;
    if (status && terminalStatuses.includes(status)) terminal += 1;
    if (stuck) stuckAgain += 1;
    await store.update(sagaBulkItems).set({ statusAfter: status ?? "gone", stuckAgain: stuck, updatedAt: new Date() }).where(and(eq(sagaBulkItems.jobId, job.id), eq(sagaBulkItems.seq, item.seq)));
  }
  await setState(store, job.id, "completed", null, { terminal, stuckAgain, verifiedAt: new Date(), finishedAt: new Date() });
}

/**
 * One slice of a bulk saga action: issue the pending commands, collect the orchestrator's outcomes, then
 * schedule the verification `verifyAfterSeconds` later (a slice of its own, so a restart in between is fine).
 */
export async function runSagaBulkSlice(deps: { db: ControlDb; connections: Connections; queue: JobQueue }, jobId: string): Promise<void> {
  const { db: store } = deps;
  const started = Date.now();
  const [job] = await store.select().from(sagaBulkJobs).where(eq(sagaBulkJobs.id, jobId));
  if (!job || !ACTIVE.includes(job.state)) return;
  const app = appDatabase(deps.connections, job.database);
  try {
    if (job.state === "verifying") {
      if (job.verifyAt && job.verifyAt.getTime() > Date.now()) {
        await deps.queue.enqueueSagaBulk(jobId, { startAfterSeconds: Math.ceil((job.verifyAt.getTime() - Date.now()) / 1000) });
        return;
      }
      await verify(store, app, job);
      return;
    }
    if (!(await setState(store, jobId, "running", null, job.startedAt ? {} : { startedAt: new Date() }))) return;
    const issued = await issuePending(store, app, job, started);
    if (issued === "stopped") return;
    if (issued === "slice") {
      await deps.queue.enqueueSagaBulk(jobId);
      return;
    }
    await collectOutcomes(store, app, job);
    const verifyAt = new Date(Date.now() + job.verifyAfterSeconds * 1000);
    if (await setState(store, jobId, "verifying", null, { verifyAt })) await deps.queue.enqueueSagaBulk(jobId, { startAfterSeconds: job.verifyAfterSeconds });
  } catch (error) {
    await store
      .update(sagaBulkJobs)
      .set({ stateReason: `Retrying: ${errorMessage(error)}`, updatedAt: new Date() })
      .where(eq(sagaBulkJobs.id, jobId))
      .catch(() => undefined);
    throw error;
  }
}
