import { asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { outboxEvents, sagaCommands, sagaInstances, sagaSteps } from "../../../demo/db/schema";
import { handlePendingCommands } from "../../../demo/saga/orchestrator";
import { createDemoDatabase, type TestDatabase } from "../../fixtures/database";
import { sagaFixtures, type SagaFixture } from "../../fixtures/sagas";

describe("saga_commands contract (operator side of the Sagas issue)", () => {
  let tdb: TestDatabase;
  let fx: SagaFixture;

  beforeAll(async () => {
    tdb = await createDemoDatabase();
    fx = await sagaFixtures(tdb.db);
  });
  afterAll(async () => {
    await fx?.cleanup();
    await tdb?.cleanup();
  });

  async function run(sagaId: string, command: "retry" | "compensate" | "resolve", reason = "test") {
    const [c] = await tdb.db.insert(sagaCommands).values({ sagaId, command, requestedBy: "bob", reason }).returning();
    expect(await handlePendingCommands(tdb.db)).toBe(1);
    const [handled] = await tdb.db.select().from(sagaCommands).where(eq(sagaCommands.id, c!.id));
    expect(handled?.handledAt).toBeInstanceOf(Date);
    const [saga] = await tdb.db.select().from(sagaInstances).where(eq(sagaInstances.id, sagaId));
    return { outcome: handled?.outcome ?? "", saga: saga! };
  }

  it("fixtures create one saga in each status", async () => {
    for (const [status, ids] of Object.entries(fx.sagas)) {
      const [s] = await tdb.db.select().from(sagaInstances).where(eq(sagaInstances.id, ids[0]!));
      expect(s?.status).toBe(status);
    }
  });

  it("compensate aborts a stuck running saga and starts its compensations", async () => {
    const { outcome, saga } = await run(fx.sagas.running[0]!, "compensate");
    expect(outcome).toBe("applied: compensating (payment.refund)");
    expect(saga.status).toBe("compensating");
    const [cmd] = await tdb.db.select().from(outboxEvents).where(eq(outboxEvents.eventType, "RefundPayment"));
    expect(cmd?.payload).toMatchObject({ sagaId: saga.id, step: "payment.refund", action: "compensate" });
  });

  it("retry re-runs a failed saga from the first step whose effect is gone", async () => {
    const { outcome, saga } = await run(fx.sagas.failed[0]!, "retry");
    expect(outcome).toMatch(/^applied: re-running payment.authorize/);
    expect(saga).toMatchObject({ status: "running", currentStep: "payment.authorize", attempts: 1 });
    const steps = await tdb.db.select().from(sagaSteps).where(eq(sagaSteps.sagaId, saga.id)).orderBy(asc(sagaSteps.id));
    expect(steps.at(-1)).toMatchObject({ step: "payment.authorize", action: "execute", status: "running", attempt: 2 });
  });

  it("retry re-sends a hung compensation of a saga stuck in compensating", async () => {
    const { outcome, saga } = await run(fx.sagas.compensating[0]!, "retry");
    expect(outcome).toBe("applied: retrying compensation payment.refund (attempt 2)");
    expect(saga.status).toBe("compensating");
    const steps = await tdb.db.select().from(sagaSteps).where(eq(sagaSteps.sagaId, saga.id)).orderBy(asc(sagaSteps.id));
    expect(steps.slice(-2).map((s) => `${s.step} ${s.status} ${s.attempt}`)).toEqual([
      "payment.refund failed 1",
      "payment.refund running 2",
    ]);
  });

  it("resolve records a human's resolution; commands that do not apply are rejected", async () => {
    const r = await run(fx.sagas.compensation_failed[0]!, "resolve", "refunded by hand in the PSP console");
    expect(r.outcome).toBe("applied: resolved by bob (was compensation_failed)");
    expect(r.saga.status).toBe("failed");
    expect(r.saga.context.resolution).toMatchObject({ by: "bob", reason: "refunded by hand in the PSP console" });

    expect((await run(fx.sagas.completed[0]!, "retry")).outcome).toBe("rejected: cannot retry a saga that is completed");
    expect((await run(fx.sagas.completed[0]!, "resolve")).outcome).toBe("rejected: saga already completed");
    expect((await run(fx.sagas.compensating[0]!, "compensate")).outcome).toBe(
      "rejected: cannot compensate a saga that is compensating",
    );
  });
});
