import { and, asc, eq, isNull, sql } from "drizzle-orm";
import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { DemoDb, DemoTx } from "../db/client";
import { orders, sagaCommands, sagaInstances, sagaSteps, type SagaStatus } from "../db/schema";
import { ConsumerRunner, type RunnerOptions } from "../consumers/runner";
import { TOPICS } from "../kafka/topics";
import { enqueue } from "../outbox/outbox";
import { SAGA_TYPE, STEPS, stepForCompensation, stepIndex } from "./definition";
import { replySchema, sendCommand, type SagaCommand } from "./messages";

// OrderFulfilment saga orchestrator, persisted in Postgres.
// - Starts a saga per OrderPlaced, sends step commands through the outbox, advances on replies.
// - A failed step compensates the completed steps in reverse order; a failed compensation leaves the
//   saga in compensation_failed for a human.
// - Polls saga_commands (retry | compensate | resolve) and records handled_at + outcome.
// - Every saga update is optimistic: UPDATE ... WHERE version = $n (a lost race throws and is retried).

export const ORCHESTRATOR_GROUP = "order-saga-orchestrator";

type Saga = typeof sagaInstances.$inferSelect;
type Step = typeof sagaSteps.$inferSelect;

export class ConcurrentUpdateError extends Error {
  override name = "ConcurrentUpdateError";
}

const orderPlacedSchema = z.object({
  orderId: z.uuid(),
  customerId: z.string(),
  sku: z.string(),
  quantity: z.number().int(),
  amountCents: z.number().int(),
});
type OrderContext = z.infer<typeof orderPlacedSchema>;

async function updateSaga(
  tx: DemoTx,
  saga: Saga,
  patch: Partial<Pick<Saga, "status" | "currentStep" | "context" | "attempts" | "lastError">>,
): Promise<Saga> {
  const [row] = await tx
    .update(sagaInstances)
    .set({ ...patch, updatedAt: new Date(), version: saga.version + 1 })
    .where(and(eq(sagaInstances.id, saga.id), eq(sagaInstances.version, saga.version)))
    .returning();
  if (!row) throw new ConcurrentUpdateError(`saga ${saga.id} changed concurrently (version ${saga.version})`);
  return row;
}

function orderOf(saga: Saga): OrderContext {
  return orderPlacedSchema.parse(saga.context.order);
}

function command(saga: Saga, step: string, action: SagaCommand["action"], attempt: number): SagaCommand {
  return { ...orderOf(saga), sagaId: saga.id, step, action, attempt };
}

async function loadSteps(tx: DemoTx, sagaId: string): Promise<Step[]> {
  return tx.select().from(sagaSteps).where(eq(sagaSteps.sagaId, sagaId)).orderBy(asc(sagaSteps.id));
}

/** Steps whose effect is in place: executed and not (yet) compensated. Order of completion. */
function effectiveSteps(steps: Step[]): string[] {
  const done: string[] = [];
  for (const s of steps) {
    if (s.status !== "completed") continue;
    if (s.action === "execute") done.push(s.step);
    else {
      const undone = stepForCompensation(s.step)?.name;
      const i = undone ? done.lastIndexOf(undone) : -1;
      if (i >= 0) done.splice(i, 1);
    }
  }
  return done;
}

async function startStep(tx: DemoTx, saga: Saga, index: number, attempt: number): Promise<Saga> {
  const def = STEPS[index];
  if (!def) throw new Error(`no step ${index}`);
  await tx.insert(sagaSteps).values({ sagaId: saga.id, step: def.name, action: "execute", status: "running", attempt });
  const next = await updateSaga(tx, saga, { status: "running", currentStep: def.name });
  await sendCommand(tx, def.command, command(next, def.name, "execute", attempt));
  return next;
}

/** Starts the next compensation (reverse order of completed steps), or ends the saga as failed. */
async function compensateNext(tx: DemoTx, saga: Saga, lastError: string | null): Promise<Saga> {
  const done = effectiveSteps(await loadSteps(tx, saga.id));
  for (let i = done.length - 1; i >= 0; i--) {
    const comp = STEPS[stepIndex(done[i] ?? "")]?.compensation;
    if (!comp) continue;
    await tx.insert(sagaSteps).values({ sagaId: saga.id, step: comp.name, action: "compensate", status: "running" });
    const next = await updateSaga(tx, saga, { status: "compensating", currentStep: comp.name, lastError });
    await sendCommand(tx, comp.command, command(next, comp.name, "compensate", 1));
    return next;
  }
  const failedStep = typeof saga.context.failedStep === "string" ? saga.context.failedStep : saga.currentStep;
  await tx.update(orders).set({ status: "cancelled" }).where(eq(orders.id, orderOf(saga).orderId));
  return updateSaga(tx, saga, { status: "failed", currentStep: failedStep, lastError });
}

async function finishRunningStep(tx: DemoTx, sagaId: string, step: string, action: Step["action"], ok: boolean, error?: string) {
  const [running] = await tx
    .select()
    .from(sagaSteps)
    .where(and(eq(sagaSteps.sagaId, sagaId), eq(sagaSteps.step, step), eq(sagaSteps.action, action), eq(sagaSteps.status, "running")))
    .orderBy(sql`${sagaSteps.id} desc`)
    .limit(1);
  if (!running) return;
  await tx
    .update(sagaSteps)
    .set({ status: ok ? "completed" : "failed", error: error ?? null, finishedAt: new Date() })
    .where(eq(sagaSteps.id, running.id));
}

async function lockSaga(tx: DemoTx, id: string): Promise<Saga | undefined> {
  const [saga] = await tx.select().from(sagaInstances).where(eq(sagaInstances.id, id)).limit(1);
  return saga;
}

export async function onOrderPlaced(tx: DemoTx, payload: Record<string, unknown>): Promise<Saga> {
  const order = orderPlacedSchema.parse(payload);
  const [saga] = await tx
    .insert(sagaInstances)
    .values({
      id: randomUUID(),
      sagaType: SAGA_TYPE,
      status: "running",
      currentStep: STEPS[0]?.name,
      context: { order },
      correlationId: order.orderId,
    })
    .returning();
  if (!saga) throw new Error("saga insert returned nothing");
  return startStep(tx, saga, 0, 1);
}

export async function onStepReply(tx: DemoTx, payload: Record<string, unknown>, log: (m: string) => void): Promise<void> {
  const r = replySchema.parse(payload);
  const saga = await lockSaga(tx, r.sagaId);
  const expected: SagaStatus = r.action === "execute" ? "running" : "compensating";
  if (!saga || saga.status !== expected || saga.currentStep !== r.step) {
    log(`stale reply ${r.event} for saga ${r.sagaId} (${saga?.status ?? "missing"}/${saga?.currentStep}) ignored`);
    return;
  }
  const ok = r.outcome === "succeeded";
  await finishRunningStep(tx, saga.id, r.step, r.action, ok, r.reason);
  if (r.action === "execute") {
    if (ok) {
      const next = stepIndex(r.step) + 1;
      if (next < STEPS.length) {
        await startStep(tx, saga, next, 1);
        return;
      }
      const order = orderOf(saga);
      await tx.update(orders).set({ status: "fulfilled" }).where(eq(orders.id, order.orderId));
      await updateSaga(tx, saga, { status: "completed", currentStep: null, lastError: null });
      await enqueue(tx, {
        aggregateType: "invoice",
        eventType: "InvoiceRequested",
        aggregateId: order.orderId,
        payload: { orderId: order.orderId, customerId: order.customerId, amountCents: order.amountCents },
      });
      return;
    }
    const withFailure = await updateSaga(tx, saga, { context: { ...saga.context, failedStep: r.step } });
    await compensateNext(tx, withFailure, `${r.step}: ${r.reason ?? r.event}`);
    return;
  }
  if (ok) {
    await compensateNext(tx, saga, saga.lastError);
    return;
  }
  await updateSaga(tx, saga, { status: "compensation_failed", lastError: `${r.step}: ${r.reason ?? r.event}` });
}

// ---------------------------------------------------------------------------------------------
// Operator commands (saga_commands)
// ---------------------------------------------------------------------------------------------

type Command = typeof sagaCommands.$inferSelect;

async function applyCommand(tx: DemoTx, cmd: Command): Promise<string> {
  const saga = await lockSaga(tx, cmd.sagaId);
  if (!saga) return "rejected: saga not found";
  const by = `${cmd.requestedBy}${cmd.reason ? ` (${cmd.reason})` : ""}`;
  switch (cmd.command) {
    case "retry": {
      if (saga.status === "failed" || saga.status === "running") {
        const steps = await loadSteps(tx, saga.id);
        const done = effectiveSteps(steps);
        const index = STEPS.findIndex((s) => !done.includes(s.name));
        if (index < 0) return "rejected: every step is already done";
        const def = STEPS[index];
        const attempt = steps.filter((s) => s.step === def?.name && s.action === "execute").length + 1;
        if (saga.status === "running") {
          await finishRunningStep(tx, saga.id, def?.name ?? "", "execute", false, `superseded by retry from ${by}`);
        }
        const bumped = await updateSaga(tx, saga, { attempts: saga.attempts + 1, lastError: null });
        await startStep(tx, bumped, index, attempt);
        return `applied: re-running ${def?.name} (attempt ${attempt}) from ${saga.status}`;
      }
      if (saga.status === "compensation_failed" || saga.status === "compensating") {
        const comp = saga.currentStep ?? "";
        const def = stepForCompensation(comp)?.compensation;
        if (!def) return `rejected: no compensation to retry (current step ${comp})`;
        if (saga.status === "compensating") {
          await finishRunningStep(tx, saga.id, comp, "compensate", false, `superseded by retry from ${by}`);
        }
        const steps = await loadSteps(tx, saga.id);
        const attempt = steps.filter((s) => s.step === comp && s.action === "compensate").length + 1;
        await tx.insert(sagaSteps).values({ sagaId: saga.id, step: comp, action: "compensate", status: "running", attempt });
        const next = await updateSaga(tx, saga, { status: "compensating", attempts: saga.attempts + 1 });
        await sendCommand(tx, def.command, command(next, comp, "compensate", attempt));
        return `applied: retrying compensation ${comp} (attempt ${attempt})`;
      }
      return `rejected: cannot retry a saga that is ${saga.status}`;
    }
    case "compensate": {
      if (saga.status !== "running") return `rejected: cannot compensate a saga that is ${saga.status}`;
      if (saga.currentStep) {
        await finishRunningStep(tx, saga.id, saga.currentStep, "execute", false, `aborted by ${by}`);
      }
      const marked = await updateSaga(tx, saga, { context: { ...saga.context, failedStep: saga.currentStep } });
      const next = await compensateNext(tx, marked, `aborted by ${by}`);
      return `applied: ${next.status === "compensating" ? `compensating (${next.currentStep})` : "nothing to compensate, saga failed"}`;
    }
    case "resolve": {
      if (saga.status === "completed") return "rejected: saga already completed";
      const resolution = { by: cmd.requestedBy, reason: cmd.reason, at: new Date().toISOString(), previousStatus: saga.status };
      await updateSaga(tx, saga, {
        status: "failed",
        context: { ...saga.context, resolution },
        lastError: `resolved by ${by}`,
      });
      return `applied: resolved by ${cmd.requestedBy} (was ${saga.status})`;
    }
  }
}

/** Handles pending saga_commands (oldest first). Returns how many were handled. */
export async function handlePendingCommands(db: DemoDb, limit = 20): Promise<number> {
  return db.transaction(async (tx) => {
    const pending = await tx
      .select()
      .from(sagaCommands)
      .where(isNull(sagaCommands.handledAt))
      .orderBy(asc(sagaCommands.requestedAt))
      .limit(limit)
      .for("update", { skipLocked: true });
    for (const cmd of pending) {
      let outcome: string;
      try {
        outcome = await tx.transaction((inner) => applyCommand(inner, cmd));
      } catch (err) {
        outcome = `rejected: ${(err as Error).message}`;
      }
      await tx.update(sagaCommands).set({ handledAt: new Date(), outcome }).where(eq(sagaCommands.id, cmd.id));
    }
    return pending.length;
  });
}

export interface OrchestratorDeps extends Omit<RunnerOptions, "group" | "handlers" | "delayMs"> {
  commandPollMs?: number;
}

export class SagaOrchestrator {
  readonly runner: ConsumerRunner;
  private polling = false;
  private poller: Promise<void> | undefined;

  constructor(private readonly deps: OrchestratorDeps) {
    const log = deps.log ?? ((m: string) => console.log(m));
    this.runner = new ConsumerRunner({
      ...deps,
      group: ORCHESTRATOR_GROUP,
      handlers: {
        [TOPICS.orderPlaced]: async (tx, ev) => {
          await onOrderPlaced(tx, ev.payload);
        },
        [TOPICS.stepReply]: (tx, ev) => onStepReply(tx, ev.payload, (m) => log(`[${ORCHESTRATOR_GROUP}] ${m}`)),
      },
    });
  }

  async start(): Promise<void> {
    await this.runner.start();
    this.polling = true;
    const every = this.deps.commandPollMs ?? 500;
    this.poller = (async () => {
      while (this.polling) {
        try {
          await handlePendingCommands(this.deps.db);
        } catch (err) {
          console.error("[saga-commands]", (err as Error).message);
        }
        await new Promise((r) => setTimeout(r, every));
      }
    })();
  }

  async stop(): Promise<void> {
    this.polling = false;
    await this.poller;
    await this.runner.stop();
  }
}
