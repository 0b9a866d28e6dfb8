import { expect, test } from "@playwright/test";
import { brokerQueueDepth, createQueueWithDlq, kafkaForSpec, sqsClient, uniqueName } from "./support/brokers";
import { signInAsAdmin } from "./support/session";

const { kafka, createdTopics } = kafkaForSpec("redrive-e2e-dlq");

const XSS_NOTE = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">';
const NPE = "java.lang.NullPointerException";

test("a Kafka DLQ: browse a hostile message as text, search it, and see its failure group", async ({ page }) => {
  const admin = kafka.admin();
  await admin.connect();
  const producer = kafka.producer();
  await producer.connect();
  const source = uniqueName("e2e-payments");
  const dlqTopic = `${source}.DLQ`;
  try {
    createdTopics.push(source, dlqTopic);
    await admin.createTopics({ topics: [{ topic: source, numPartitions: 1 }, { topic: dlqTopic, numPartitions: 1 }], waitForLeaders: true });
    const spring = (exceptionClass: string, message: string) => ({
      "kafka_dlt-exception-fqcn": exceptionClass,
      "kafka_dlt-original-topic": source,
      "kafka_dlt-exception-message": message,
      "kafka_dlt-original-consumer-group": "payments-service",
    });
    await producer.send({
      topic: dlqTopic,
      messages: [
        { partition: 0, key: "order-1", value: JSON.stringify({ amount: 5 }), headers: spring("java.lang.IllegalStateException", "order 1 is closed") },
        { partition: 0, key: "<b>bold</b>", value: JSON.stringify({ note: XSS_NOTE, amount: 150 }), headers: spring(NPE, "amount was null") },
        { partition: 0, key: "order-3", value: "plain text, not JSON", headers: spring("java.lang.IllegalArgumentException", "bad input 3") },
      ],
    });

    await signInAsAdmin(page);
    await page.getByRole("link", { name: "DLQs", exact: true }).click();
    const row = page.getByTestId(`dlq-depth-row-${dlqTopic}`);
    await expect(row).toBeVisible({ timeout: 30_000 }); // the collector samples every 2 s
    await row.getByRole("link", { name: dlqTopic }).click();
    await expect(page.getByRole("heading", { name: dlqTopic })).toBeVisible();

    // Messages: three records, read without a consumer group; open the hostile one.
    const messagesPanel = page.locator("#dlq-panel-messages");
    await expect(messagesPanel.getByTestId("dlq-message-row")).toHaveCount(3);
    await messagesPanel.getByTestId("dlq-message-row").filter({ hasText: "<b>bold</b>" }).click();

    const detail = messagesPanel.getByTestId("message-detail");
    await expect(detail.getByTestId("detail-exception-class")).toHaveText(NPE);
    const payload = detail.getByTestId("detail-payload");
    await expect(payload).toContainText("<script>window.__xss=1</script>");
    await expect(payload).toContainText("onerror");
    await expect(detail.getByTestId("detail-key")).toHaveText("<b>bold</b>");
    // Shown as text, never as markup: nothing ran and no element was created from the payload or key.
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    await expect(detail.locator('img[src="x"]')).toHaveCount(0);
    await expect(page.locator('img[src="x"]')).toHaveCount(0);
    await expect(detail.locator("script")).toHaveCount(0);
    await expect(detail.getByTestId("detail-key").locator("b")).toHaveCount(0);
    await page.screenshot({ path: "test-results/dlq-message.png", fullPage: true });

    // Search: a bad expression is refused with its position before any scan; a good one finds the one NPE.
    await page.getByRole("tab", { name: "Search" }).click();
    const searchPanel = page.locator("#dlq-panel-search");
    const filter = searchPanel.getByLabel("Filter (CEL)");
    await filter.fill("record.error.exceptionClass ==");
    await searchPanel.getByRole("button", { name: "Start" }).click();
    await expect(searchPanel.getByTestId("filter-error")).toContainText("Invalid filter");
    await expect(searchPanel.getByTestId("scan-progress")).toHaveCount(0);

    await filter.fill(`record.error.exceptionClass == "${NPE}"`);
    await searchPanel.getByRole("button", { name: "Start" }).click();
    await expect(searchPanel.getByTestId("scan-status")).toHaveText("done");
    await expect(searchPanel.getByTestId("scan-matched")).toHaveText("1");
    await expect(searchPanel.getByTestId("scan-progress")).toContainText("scanned 3 of 3");
    await expect(searchPanel.getByTestId("dlq-message-row")).toHaveCount(1);
    await searchPanel.getByTestId("dlq-message-row").click();
    await expect(searchPanel.getByTestId("message-detail").getByTestId("detail-exception-class")).toHaveText(NPE);

    // Failure groups: one group per exception here; the NPE group counts 1 and leads to a search for exactly its messages.
    await page.getByRole("tab", { name: "Failure groups" }).click();
    const groupsPanel = page.locator("#dlq-panel-groups");
    await expect(groupsPanel.getByTestId("failure-group-row")).toHaveCount(3);
    const npeGroup = groupsPanel.getByTestId("failure-group-row").filter({ hasText: "NullPointerException" });
    await expect(npeGroup.getByTestId("failure-group-count")).toHaveText("1");
    await expect(npeGroup).toContainText(source);
    await expect(npeGroup).toContainText("payments-service");
    await page.screenshot({ path: "test-results/dlq-groups.png", fullPage: true });
    await npeGroup.click();
    await expect(searchPanel).toBeVisible();
    await expect(filter).toHaveValue(/^record\.error\.fingerprint == "[0-9a-f]{16}"$/);
  } finally {
    await producer.disconnect();
    await admin.disconnect();
  }
});

test("an SQS DLQ: take a snapshot (nothing deleted), browse it and search it", async ({ page }) => {
  const sqs = sqsClient();
  const fixture = await createQueueWithDlq(sqs, 3);
  try {
    await signInAsAdmin(page);
    await page.getByRole("link", { name: "DLQs", exact: true }).click();
    const row = page.getByTestId(`dlq-depth-row-${fixture.dlq}`);
    await expect(row).toBeVisible({ timeout: 30_000 });
    await row.getByRole("link", { name: fixture.dlq }).click();
    await expect(page.getByRole("heading", { name: fixture.dlq })).toBeVisible();

    const messagesPanel = page.locator("#dlq-panel-messages");
    await expect(messagesPanel.getByTestId("sqs-snapshot-banner")).toHaveText("No snapshot yet.");
    await messagesPanel.getByRole("button", { name: "Take snapshot" }).click();
    await expect(messagesPanel.getByTestId("sqs-snapshot-banner")).toContainText("3 of ~3 messages (100%)");
    await expect(messagesPanel.getByTestId("dlq-message-row")).toHaveCount(3);
    await messagesPanel.getByTestId("dlq-message-row").first().click();
    await expect(messagesPanel.getByTestId("message-detail").getByTestId("detail-payload")).toContainText('"order"');
    // The snapshot released every message: the DLQ still holds all three.
    await expect.poll(() => brokerQueueDepth(sqs, fixture.dlqUrl), { timeout: 15_000 }).toBe(3);

    await page.getByRole("tab", { name: "Search" }).click();
    const searchPanel = page.locator("#dlq-panel-search");
    await searchPanel.getByLabel("Filter (CEL)").fill("record.value.order == 1");
    await searchPanel.getByRole("button", { name: "Start" }).click();
    await expect(searchPanel.getByTestId("scan-status")).toHaveText("done");
    await expect(searchPanel.getByTestId("scan-matched")).toHaveText("1");
    await expect(searchPanel.getByTestId("dlq-message-row")).toHaveCount(1);
  } finally {
    await fixture.cleanup();
    sqs.destroy();
  }
});

test("a big message: 100 headers, a binary key and a value cut at 256 KiB with a download of the exact bytes", async ({ page }) => {
  const admin = kafka.admin();
  await admin.connect();
  const producer = kafka.producer();
  await producer.connect();
  const dlqTopic = `${uniqueName("e2e-big")}.DLQ`;
  const value = JSON.stringify({ blob: "x".repeat(300 * 1024) });
  const headers: Record<string, string | Buffer> = { "kafka_dlt-exception-fqcn": "com.example.TooBig", "binary-header": Buffer.from([0, 1, 2, 0xff]) };
  for (let i = 0; i < 100; i += 1) headers[`h-${String(i).padStart(3, "0")}`] = `value ${i}`;
  try {
    createdTopics.push(dlqTopic);
    await admin.createTopics({ topics: [{ topic: dlqTopic, numPartitions: 1 }], waitForLeaders: true });
    await producer.send({ topic: dlqTopic, messages: [{ partition: 0, key: Buffer.from([0xde, 0xad, 0x00, 0xbe, 0xef]), value, headers }] });

    await signInAsAdmin(page);
    await page.goto(`/dlqs/kafka/local/${encodeURIComponent(dlqTopic)}`);
    await expect(page.getByRole("heading", { name: dlqTopic })).toBeVisible();
    await page.getByTestId("dlq-message-row").click();
    const detail = page.getByTestId("message-detail");
    await expect(detail.getByTestId("detail-exception-class")).toHaveText("com.example.TooBig");
    await expect(detail.getByTestId("detail-headers").locator("tbody tr")).toHaveCount(102);
    await expect(detail.getByTestId("detail-headers")).toContainText("h-099");
    await expect(detail.getByTestId("detail-headers").locator("tr", { hasText: "binary-header" })).toContainText("binary");
    await expect(detail).toContainText("binary, 5 bytes");
    await expect(detail.getByTestId("detail-key")).toContainText("de ad 00 be ef");
    await expect(detail.getByTestId("payload-truncated")).toContainText(`of ${Buffer.byteLength(value).toLocaleString("en-US")} bytes`);

    const href = await detail.getByRole("link", { name: "Download exact bytes" }).getAttribute("href");
    expect(href).toBeTruthy();
    const download = await page.request.get(href!);
    expect(download.status()).toBe(200);
    expect((await download.body()).toString("utf8")).toBe(value);
  } finally {
    await producer.disconnect();
    await admin.disconnect();
  }
});
