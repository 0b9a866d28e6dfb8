import { expect, test } from "@playwright/test";
import { kafkaForSpec, uniqueName } from "./support/brokers";
import { signInAsAdmin } from "./support/session";

const { kafka, createdTopics } = kafkaForSpec("redrive-e2e-links");

test("a DLQ view lives in its URL: reload, back/forward and a pasted link restore tab, filter, results and the open message", async ({ page, context }) => {
  test.setTimeout(120_000);
  const admin = kafka.admin();
  const producer = kafka.producer();
  await Promise.all([admin.connect(), producer.connect()]);
  const dlq = `${uniqueName("e2e-links")}.DLQ`;
  createdTopics.push(dlq);
  try {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: dlq, numPartitions: 1 }] });
    await producer.send({
      topic: dlq,
      messages: [1, 2, 3].map((n) => ({ key: `order-${n}`, value: JSON.stringify({ order: n, tier: n === 2 ? "basic" : "gold" }) })),
    });
  } finally {
    await Promise.all([admin.disconnect(), producer.disconnect()]);
  }

  await signInAsAdmin(page);
  const dlqPath = `/dlqs/kafka/local/${encodeURIComponent(dlq)}`;
  await page.goto(dlqPath);

  // Messages tab: open a message; back closes it and stays on the DLQ page.
  const messages = page.locator("#dlq-panel-messages");
  await messages.getByTestId("dlq-message-row").filter({ hasText: "order-1" }).click();
  await expect(messages.getByTestId("message-detail")).toBeVisible();
  await expect(page).toHaveURL(/[?&]msg=/);
  await page.goBack();
  await expect(messages.getByTestId("message-detail")).toHaveCount(0);
  await expect(page).toHaveURL(new RegExp(`${encodeURIComponent(dlq).replace(/\./g, "\\.")}$`));
  await page.goForward();
  await expect(messages.getByTestId("message-detail")).toBeVisible();

  // Search: tab, filter text, results and the opened match all go into the URL.
  await page.getByRole("tab", { name: "Search" }).click();
  const search = page.locator("#dlq-panel-search");
  await search.getByLabel("Filter (CEL)").fill('record.value.tier == "gold"');
  await search.getByRole("button", { name: "Start" }).click();
  await expect(search.getByTestId("scan-matched")).toHaveText("2");
  await search.getByTestId("dlq-message-row").filter({ hasText: "order-3" }).click();
  await expect(search.getByTestId("message-detail")).toContainText("order-3");
  const shared = page.url();
  expect(shared).toMatch(/[?&]tab=search/);
  expect(shared).toMatch(/[?&]scan=/);
  expect(shared).toMatch(/[?&]match=/);

  // Back walks the steps: the match closes, then the search is undone, then the Messages tab returns;
  // forward brings them back.
  await page.goBack();
  await expect(search.getByTestId("message-detail")).toHaveCount(0);
  await expect(search.getByTestId("scan-matched")).toHaveText("2");
  await page.goBack();
  await expect(search.getByTestId("scan-progress")).toHaveCount(0);
  await expect(search.getByLabel("Filter (CEL)")).toHaveValue('record.value.tier == "gold"');
  await page.goBack();
  await expect(page.getByRole("tab", { name: "Messages" })).toHaveAttribute("aria-selected", "true");
  await page.goForward();
  await page.goForward();
  await page.goForward();
  await expect(search.getByTestId("message-detail")).toContainText("order-3");

  // Reload: the same tab, filter, results and open message.
  await page.reload();
  await expect(page.getByRole("tab", { name: "Search" })).toHaveAttribute("aria-selected", "true");
  await expect(search.getByLabel("Filter (CEL)")).toHaveValue('record.value.tier == "gold"');
  await expect(search.getByTestId("scan-matched")).toHaveText("2");
  await expect(search.getByTestId("message-detail")).toContainText("order-3");

  // Pasted into another tab of the same session: the same view.
  const pasted = await context.newPage();
  await pasted.goto(shared);
  await expect(pasted.getByRole("tab", { name: "Search" })).toHaveAttribute("aria-selected", "true");
  await expect(pasted.locator("#dlq-panel-search").getByTestId("scan-matched")).toHaveText("2");
  await expect(pasted.locator("#dlq-panel-search").getByTestId("message-detail")).toContainText("order-3");
  await pasted.close();
});

test("the consumer-groups list and a chart range are kept in the URL", async ({ page }) => {
  await signInAsAdmin(page);
  await page.getByRole("link", { name: "Consumer lag", exact: true }).click();
  await page.getByTestId("group-search").fill("no-such-group-e2e");
  await page.getByTestId("status-chip-STOP").click();
  await expect(page).toHaveURL(/[?&]q=no-such-group-e2e/);
  await page.reload();
  await expect(page.getByTestId("group-search")).toHaveValue("no-such-group-e2e");
  await expect(page.getByTestId("status-chip-STOP")).toHaveAttribute("aria-pressed", "true");

  await page.getByRole("link", { name: "DLQs", exact: true }).click();
  await page.getByTestId("range-24h").click();
  await expect(page).toHaveURL(/[?&]range=24h/);
  await page.reload();
  await expect(page.getByTestId("range-24h")).toHaveAttribute("aria-pressed", "true");
  await page.goBack();
  await expect(page.getByTestId("range-6h")).toHaveAttribute("aria-pressed", "true");
});
