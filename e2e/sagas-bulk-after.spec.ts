import { expect, test } from "@playwright/test";
import { inArray } from "drizzle-orm";
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
import { ORCHESTRATOR_GROUP } from "../demo/saga/orchestrator";
import { deleteKafka } from "../tests/fixtures/kafka";
import { uniqueName } from "./support/brokers";
import { signInAsAdmin } from "./support/session";

const DATABASE_URL = process.env.E2E_SAGAS_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/redrive_e2e_sagas";
const BROKER = process.env.KAFKA_BROKER ?? "127.0.0.1:9092";

test("a bulk saga action's verification fills each saga's After column without a reload", async ({ page }) => {
  test.setTimeout(180_000);
  await migrateDatabase(DATABASE_URL);
  const prefix = `${uniqueName("e2e-saga-bulk")}.`;
  const config = {
    ...configFromEnv({}),
    databaseUrl: DATABASE_URL,
    brokers: [BROKER],
    topicPrefix: prefix,
    groupPrefix: prefix,
    clientId: "redrive-e2e-saga-bulk",
    sqsRoutes: {},
    notificationQueues: [],
    retry: { attempts: 2, baseMs: 50, maxMs: 200 },
  };
  const sagaType = uniqueName("E2eBulkAfter");
  const anHourAgo = new Date(Date.now() - 3_600_000);
  const { db, close } = connect(DATABASE_URL, 2);
  const ids: string[] = [];
  let demo: DemoApp | undefined;
  try {
    const inserted = await db
      .insert(sagaInstances)
      .values(
        [1, 2].map(() => ({
          sagaType,
          status: "compensation_failed" as const,
          currentStep: "payment.refund",
          lastError: "payment.refund: card processor down",
          correlationId: uniqueName("order"),
          updatedAt: anHourAgo,
        })),
      )
      .returning({ id: sagaInstances.id });
    ids.push(...inserted.map((row) => row.id));
    // The demo's orchestrator applies the commands the bulk job writes to saga_commands.
    demo = await startDemo(config, new FaultStore(quietFaults()), { traffic: false, poison: false, notifications: false, log: () => {} });

    await signInAsAdmin(page);
    await page.goto("/sagas?database=e2e");
    await page.getByTestId("stuck-needs-human").getByTestId("stuck-group").filter({ hasText: sagaType }).click({ timeout: 60_000 });
    await page.getByTestId("saga-bulk-open").click();
    await page.getByTestId("saga-bulk-command").selectOption("resolve");
    await page.getByTestId("saga-bulk-reason").fill("refunded by hand at the card processor");
    await page.getByRole("button", { name: "Dry run" }).click();
    await expect(page.getByTestId("saga-bulk-count")).toHaveText("2");
    await page.getByRole("button", { name: "Start: resolve 2 sagas" }).click();
    // Applied, then re-checked after the job's delay (30 s by default).
    await expect(page.getByTestId("saga-bulk-state")).toHaveText("completed", { timeout: 120_000 });
    await expect(page.getByTestId("saga-bulk-progress")).toContainText("now terminal 2 of 2");
    await page.getByText("Per saga").click();
    const rows = page.getByTestId("saga-bulk-item");
    await expect(rows).toHaveCount(2);
    for (const row of await rows.all()) await expect(row.locator("td").last()).toHaveText("failed");
  } finally {
    await demo?.stop();
    if (ids.length) await db.delete(sagaInstances).where(inArray(sagaInstances.id, ids));
    await close();
    await deleteKafka([BROKER], allTopics(config), [ORCHESTRATOR_GROUP, PAYMENT_GROUP, INVENTORY_GROUP, SHIPPING_GROUP, LEDGER_GROUP].map((g) => `${prefix}${g}`)).catch(() => undefined);
    if (config.avro) await new AvroSerde(config.avro, config).deleteSubjects();
  }
});
