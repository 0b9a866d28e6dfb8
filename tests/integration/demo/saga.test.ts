import { asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDemo, type DemoApp } from "../../../demo/app";
import { INVENTORY_GROUP } from "../../../demo/consumers/inventory-service";
import { PAYMENT_GROUP } from "../../../demo/consumers/payment-processor";
import { SHIPPING_GROUP } from "../../../demo/consumers/shipping-service";
import { LEDGER_GROUP } from "../../../demo/consumers/ledger-service";
import { orders, sagaCommands, sagaInstances, sagaSteps, type SagaStatus } from "../../../demo/db/schema";
import { FaultStore, quietFaults } from "../../../demo/faults";
import { placeOrder, randomOrder } from "../../../demo/orders";
import { ORCHESTRATOR_GROUP } from "../../../demo/saga/orchestrator";
import { createDemoDatabase, type TestDatabase } from "../../fixtures/database";
import { dropTestTopics, testConfig, waitFor } from "./helpers";

describe("order-fulfilment saga on the real stack", () => {
  let tdb: TestDatabase;
  let config: ReturnType<typeof testConfig>;
  let app: DemoApp;
  const faults = new FaultStore(quietFaults());

  beforeAll(async () => {
    tdb = await createDemoDatabase();
    config = testConfig(tdb.url);
    app = await startDemo(config, faults, { traffic: false, poison: false, notifications: false, log: () => {} });
  });
  afterAll(async () => {
    await app?.stop();
    await dropTestTopics(config, [ORCHESTRATOR_GROUP, PAYMENT_GROUP, INVENTORY_GROUP, SHIPPING_GROUP, LEDGER_GROUP]).catch(() => undefined);
    await tdb?.cleanup();
  });

  async function sagaFor(orderId: string, status: SagaStatus) {
    return waitFor(`saga of ${orderId} ${status}`, async () => {
      const [s] = await tdb.db.select().from(sagaInstances).where(eq(sagaInstances.correlationId, orderId));
      return s?.status === status ? s : undefined;
    }, 45_000);
  }

  async function stepsOf(sagaId: string) {
    const rows = await tdb.db.select().from(sagaSteps).where(eq(sagaSteps.sagaId, sagaId)).orderBy(asc(sagaSteps.id));
    return rows.map((r) => `${r.action} ${r.step} ${r.status}`);
  }

  it("completes on the happy path", async () => {
    const { orderId } = await placeOrder(tdb.db, randomOrder());
    const saga = await sagaFor(orderId, "completed");
    expect(await stepsOf(saga.id)).toEqual([
      "execute payment.authorize completed",
      "execute inventory.reserve completed",
      "execute shipping.schedule completed",
    ]);
    const [order] = await tdb.db.select().from(orders).where(eq(orders.id, orderId));
    expect(order?.status).toBe("fulfilled");
  });

  it("a failing step runs the compensations in reverse order and ends failed", async () => {
    faults.patch({ stepFailureRate: { "shipping.schedule": 1 } });
    const { orderId } = await placeOrder(tdb.db, randomOrder());
    const saga = await sagaFor(orderId, "failed");
    expect(await stepsOf(saga.id)).toEqual([
      "execute payment.authorize completed",
      "execute inventory.reserve completed",
      "execute shipping.schedule failed",
      "compensate inventory.release completed",
      "compensate payment.refund completed",
    ]);
    expect(saga.lastError).toContain("shipping.schedule");
    expect(saga.version).toBeGreaterThan(3);
  });

  it("a failing compensation leaves compensation_failed; a retry command in saga_commands is honoured", async () => {
    faults.patch({
      stepFailureRate: { "shipping.schedule": 0, "inventory.reserve": 1 },
      compensationFailureRate: { "payment.refund": 1 },
    });
    const { orderId } = await placeOrder(tdb.db, randomOrder());
    const stuck = await sagaFor(orderId, "compensation_failed");
    expect(await stepsOf(stuck.id)).toEqual([
      "execute payment.authorize completed",
      "execute inventory.reserve failed",
      "compensate payment.refund failed",
    ]);
    expect(stuck.currentStep).toBe("payment.refund");

    faults.patch({ compensationFailureRate: { "payment.refund": 0 }, stepFailureRate: { "inventory.reserve": 0 } });
    const [cmd] = await tdb.db
      .insert(sagaCommands)
      .values({ sagaId: stuck.id, command: "retry", requestedBy: "alice", reason: "PSP is back" })
      .returning();
    const handled = await waitFor("command handled", async () => {
      const [c] = await tdb.db.select().from(sagaCommands).where(eq(sagaCommands.id, cmd!.id));
      return c?.handledAt ? c : undefined;
    });
    expect(handled.outcome).toMatch(/^applied: retrying compensation payment.refund/);
    const done = await sagaFor(orderId, "failed");
    expect(done.attempts).toBe(1);
    expect((await stepsOf(done.id)).slice(-1)).toEqual(["compensate payment.refund completed"]);
  });
});
