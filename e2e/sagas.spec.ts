import { expect, test } from "@playwright/test";
import { eq } from "drizzle-orm";
import { startDemo, type DemoApp } from "../demo/app";
import { AvroSerde } from "../demo/avro/serde";
import { configFromEnv } from "../demo/config";
import { INVENTORY_GROUP } from "../demo/consumers/inventory-service";
import { PAYMENT_GROUP } from "../demo/consumers/payment-processor";
import { SHIPPING_GROUP } from "../demo/consumers/shipping-service";
import { LEDGER_GROUP } from "../demo/consumers/ledger-service";
import { connect } from "../demo/db/client";
import { migrateDatabase } from "../demo/db/migrate";
import { sagaInstances } from "../demo/db/schema";
import { FaultStore, quietFaults } from "../demo/faults";
import { allTopics } from "../demo/kafka/topics";
import { placeOrder, randomOrder } from "../demo/orders";
import { ORCHESTRATOR_GROUP } from "../demo/saga/orchestrator";
import { deleteKafka } from "../tests/fixtures/kafka";
import { uniqueName } from "./support/brokers";
import { signInAsAdmin } from "./support/session";

// Needs a database entry named "e2e" in e2e/redrive.e2e.yaml (writable), pointing at E2E_SAGAS_DATABASE_URL:
//   databases:
//     - name: e2e
//       url: "${E2E_SAGAS_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/redrive_e2e_sagas}"
//       writable: true
// The spec creates and migrates that database if needed and runs the demo's orchestrator and participants on it
// (unique topic and group prefix), so the retry clicked in the browser is applied by the real orchestrator.

const DATABASE_URL = process.env.E2E_SAGAS_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/redrive_e2e_sagas";
const BROKER = process.env.KAFKA_BROKER ?? "127.0.0.1:9092";

test("retry a failed saga in the browser: the orchestrator applies it and the saga completes", async ({ page }) => {
  test.setTimeout(120_000);
  await migrateDatabase(DATABASE_URL); // already migrated by playwright.config.ts; idempotent
  const prefix = `${uniqueName("e2e-saga")}.`;
  const config = {
    ...configFromEnv({}),
    databaseUrl: DATABASE_URL,
    brokers: [BROKER],
    topicPrefix: prefix,
    groupPrefix: prefix,
    clientId: "redrive-e2e-sagas",
    sqsRoutes: {},
    notificationQueues: [],
    retry: { attempts: 2, baseMs: 50, maxMs: 200 },
  };
  const faults = new FaultStore({ ...quietFaults(), stepFailureRate: { "payment.authorize": 0, "inventory.reserve": 0, "shipping.schedule": 1 } });
  let demo: DemoApp | undefined;
  const { db, close } = connect(DATABASE_URL, 2);
  try {
    demo = await startDemo(config, faults, { traffic: false, poison: false, notifications: false, log: () => {} });
    const { orderId } = await placeOrder(db, randomOrder());
    const sagaId = await expect
      .poll(async () => (await db.select().from(sagaInstances).where(eq(sagaInstances.correlationId, orderId)))[0]?.status, { timeout: 45_000 })
      .toBe("failed")
      .then(async () => (await db.select().from(sagaInstances).where(eq(sagaInstances.correlationId, orderId)))[0]!.id);
    faults.patch({ stepFailureRate: { "shipping.schedule": 0 } });

    await signInAsAdmin(page);
    await page.goto(`/sagas/e2e/${sagaId}`);
    // Its steps were compensated: a rollback that worked reads as such, not as a grey "failed".
    await expect(page.getByTestId("saga-status")).toHaveText("compensated");
    await expect(page.getByTestId("saga-status")).toHaveAttribute("data-status", "failed");
    await expect(page.getByTestId("timeline-step").filter({ hasText: "shipping.schedule" })).toContainText("failed");
    await page.getByTestId("action-retry").click();
    await page.getByTestId("action-reason").fill("carrier capacity is back");
    await page.getByTestId("action-confirm").click();
    await expect(page.getByTestId("command-outcome")).toHaveAttribute("data-state", "applied", { timeout: 20_000 });
    await expect(page.getByTestId("command-outcome")).toContainText("applied: re-running payment.authorize");
    await expect(page.getByTestId("saga-status")).toHaveText("completed", { timeout: 45_000 });
    await expect(page.getByTestId("saga-commands")).toContainText("carrier capacity is back");
  } finally {
    await demo?.stop();
    await close();
    await deleteKafka([BROKER], allTopics(config), [ORCHESTRATOR_GROUP, PAYMENT_GROUP, INVENTORY_GROUP, SHIPPING_GROUP, LEDGER_GROUP].map((g) => `${prefix}${g}`)).catch(() => undefined);
    if (config.avro) await new AvroSerde(config.avro, config).deleteSubjects();
  }
});
