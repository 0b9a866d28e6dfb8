import { expect, test } from "@playwright/test";
import { kafkaForSpec, uniqueName } from "./support/brokers";
import { signInAsAdmin } from "./support/session";

const { kafka, createdTopics } = kafkaForSpec("redrive-e2e-dlq-display");
const MAX_LONG = "9223372036854775807";
const DEPTH = 10_000;

test("a hostile record displays as written: 10,000 levels deep, 2^63-1 exact, a right-to-left override made visible", async ({ page }) => {
  const admin = kafka.admin();
  await admin.connect();
  const producer = kafka.producer();
  await producer.connect();
  const source = uniqueName("e2e-display");
  const dlqTopic = `${source}.DLQ`;
  const value = `{"orderId": ${MAX_LONG}, "deep": ${"[".repeat(DEPTH)}1${"]".repeat(DEPTH)}}`;
  try {
    createdTopics.push(source, dlqTopic);
    await admin.createTopics({ topics: [{ topic: source, numPartitions: 1 }, { topic: dlqTopic, numPartitions: 1 }], waitForLeaders: true });
    await producer.send({
      topic: dlqTopic,
      messages: [
        {
          partition: 0,
          key: "invoice\u202egnp.exe",
          value,
          headers: { "kafka_dlt-exception-fqcn": "java.lang.StackOverflowError", "kafka_dlt-original-topic": source, "trace\u200bid": "t-1" },
        },
      ],
    });

    await signInAsAdmin(page);
    await page.getByRole("link", { name: "DLQs", exact: true }).click();
    const row = page.getByTestId(`dlq-depth-row-${dlqTopic}`);
    await expect(row).toBeVisible({ timeout: 30_000 });
    await row.getByRole("link", { name: dlqTopic }).click();

    // The table's previews: the id exactly as written, the override shown, not obeyed.
    const messagesPanel = page.locator("#dlq-panel-messages");
    const tableRow = messagesPanel.getByTestId("dlq-message-row");
    await expect(tableRow).toHaveCount(1);
    await expect(tableRow).toContainText(MAX_LONG);
    await expect(tableRow).toContainText("invoice⟨U+202E⟩gnp.exe");

    // The detail answers (no "Maximum call stack size exceeded") and shows the payload as written.
    await tableRow.click();
    const detail = messagesPanel.getByTestId("message-detail");
    await expect(detail.getByTestId("detail-exception-class")).toHaveText("java.lang.StackOverflowError");
    await expect(detail.getByTestId("detail-key")).toHaveText("invoice⟨U+202E⟩gnp.exe");
    await expect(detail.getByTestId("detail-key").getByTestId("invisible-char")).toHaveText("⟨U+202E⟩");
    const payload = detail.getByTestId("detail-payload");
    await expect(payload).toContainText(`{"orderId": ${MAX_LONG}, "deep": [[[[`);
    expect(await payload.textContent()).toBe(value);
    await expect(detail.getByTestId("detail-headers")).toContainText("trace⟨U+200B⟩id");
    // The browser neither reorders nor hides: the rendered key carries no U+202E character.
    expect(await detail.getByTestId("detail-key").textContent()).not.toContain("\u202e");
    await page.screenshot({ path: "test-results/dlq-display.png", fullPage: true });

    // Filters run in the server's worker threads: a search with matches() (RE2) finds the record by its key.
    await page.getByRole("tab", { name: "Search" }).click();
    const searchPanel = page.locator("#dlq-panel-search");
    await searchPanel.getByLabel("Filter (CEL)").fill('record.keyAsText.matches("\\\\x{202E}gnp")');
    await searchPanel.getByRole("button", { name: "Start" }).click();
    await expect(searchPanel.getByTestId("scan-status")).toHaveText("done");
    await expect(searchPanel.getByTestId("scan-matched")).toHaveText("1");
  } finally {
    await producer.disconnect();
    await admin.disconnect();
  }
});
