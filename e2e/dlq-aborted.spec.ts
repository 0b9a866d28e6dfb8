import { ProduceAcks, Producer } from "@platformatic/kafka";
import { expect, test } from "@playwright/test";
import { kafkaForSpec, uniqueName } from "./support/brokers";
import { signInAsAdmin } from "./support/session";

const KAFKA_BROKER = process.env.KAFKA_BROKER ?? "127.0.0.1:9092";
const { kafka, createdTopics } = kafkaForSpec("redrive-e2e-dlq-aborted");

// A DLQ topic written by a transactional producer: committed c1 c2, aborted a1 a2, committed c3.
test("records of aborted transactions are hidden until 'Show aborted', then listed marked, with no replay or edit", async ({ page }) => {
  test.setTimeout(120_000);
  const source = uniqueName("e2e-aborted");
  const dlqTopic = `${source}.DLQ`;
  const admin = kafka.admin();
  await admin.connect();
  try {
    createdTopics.push(source, dlqTopic);
    await admin.createTopics({ topics: [{ topic: source, numPartitions: 1 }, { topic: dlqTopic, numPartitions: 1 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
  const producer = new Producer({ clientId: "e2e-aborted", bootstrapBrokers: [KAFKA_BROKER], transactionalId: uniqueName("e2e-tx"), idempotent: true, acks: ProduceAcks.ALL });
  const record = (key: string) => ({
    topic: dlqTopic,
    partition: 0,
    key: Buffer.from(key),
    value: Buffer.from(`{"id":"${key}"}`),
    headers: new Map([[Buffer.from("kafka_dlt-original-topic"), Buffer.from(source)]]),
  });
  try {
    for (const [keys, commit] of [[["c1", "c2"], true], [["a1", "a2"], false], [["c3"], true]] as const) {
      const transaction = await producer.beginTransaction();
      await transaction.send({ messages: keys.map(record) });
      if (commit) await transaction.commit();
      else await transaction.abort();
    }
  } finally {
    await producer.close();
  }

  await signInAsAdmin(page);
  await page.getByRole("link", { name: "DLQs", exact: true }).click();
  const depthRow = page.getByTestId(`dlq-depth-row-${dlqTopic}`);
  await expect(depthRow).toBeVisible({ timeout: 30_000 });
  await depthRow.getByRole("link", { name: dlqTopic }).click();

  // Hidden by default, as a read_committed consumer sees the topic.
  const panel = page.locator("#dlq-panel-messages");
  const rows = panel.getByTestId("dlq-message-row");
  await expect(rows).toHaveCount(3);
  await expect(panel.getByTestId("row-aborted")).toHaveCount(0);
  const toggle = panel.getByTestId("show-aborted");
  await expect(toggle).not.toBeChecked();

  // Shown on request, marked, without a Replay action; the choice lives in the URL and survives a reload.
  await toggle.check();
  await expect(rows).toHaveCount(5);
  await expect(page).toHaveURL(/[?&]aborted=true/);
  await page.reload();
  await expect(panel.getByTestId("show-aborted")).toBeChecked();
  await expect(rows).toHaveCount(5);
  // A row by its id (the selection box names it; the time column could contain the same digits).
  const rowOf = (id: string) => rows.filter({ has: page.getByRole("checkbox", { name: `Select ${id}`, exact: true }) });
  for (const id of ["0:3", "0:4"]) {
    const row = rowOf(id);
    await expect(row.getByTestId("row-aborted")).toHaveText("aborted");
    await expect(row.getByRole("button", { name: `Replay ${id}…` })).toHaveCount(0);
  }
  await expect(panel.getByRole("button", { name: "Replay 0:6…" })).toBeVisible();

  // The detail says why and offers neither replay nor edit.
  await rowOf("0:3").click();
  const detail = panel.getByTestId("message-detail");
  await expect(detail.getByTestId("message-aborted")).toContainText("aborted");
  await expect(detail.getByTestId("replay-panel")).toHaveCount(0);
  await expect(detail.getByRole("button", { name: /Edit and replay/ })).toHaveCount(0);
  await page.screenshot({ path: "test-results/dlq-aborted.png", fullPage: true });

  // Off again: hidden.
  await panel.getByTestId("show-aborted").uncheck();
  await expect(rows).toHaveCount(3);
});
