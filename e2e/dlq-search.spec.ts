import { expect, test } from "@playwright/test";
import { kafkaForSpec, uniqueName } from "./support/brokers";
import { adminCookie, callProcedure, signInAsAdmin } from "./support/session";

const { kafka, createdTopics } = kafkaForSpec("redrive-e2e-search");

/** A DLQ with two failure groups of the same exception class: 3 "order N is closed", 2 "stock missing for sku N". */
async function dlqWithTwoGroupsOfOneClass(): Promise<{ source: string; dlq: string }> {
  const admin = kafka.admin();
  const producer = kafka.producer();
  await Promise.all([admin.connect(), producer.connect()]);
  const source = uniqueName("e2e-orders");
  const dlq = `${source}.DLQ`;
  createdTopics.push(source, dlq);
  try {
    await admin.createTopics({ waitForLeaders: true, topics: [source, dlq].map((topic) => ({ topic, numPartitions: 1 })) });
    const failure = (message: string) => ({
      "kafka_dlt-original-topic": source,
      "kafka_dlt-exception-fqcn": "java.lang.IllegalStateException",
      "kafka_dlt-exception-message": message,
    });
    await producer.send({
      topic: dlq,
      messages: [
        ...[1, 2, 3].map((n) => ({ key: `order-${n}`, value: JSON.stringify({ order: n }), headers: failure(`order ${n} is closed`) })),
        ...[7, 9].map((n) => ({ key: `sku-${n}`, value: JSON.stringify({ sku: n }), headers: failure(`stock missing for sku ${n}`) })),
      ],
    });
  } finally {
    await Promise.all([admin.disconnect(), producer.disconnect()]);
  }
  return { source, dlq };
}

test("a failure group opens exactly its messages; results stay with the expression that produced them", async ({ page }) => {
  test.setTimeout(120_000);
  const { dlq } = await dlqWithTwoGroupsOfOneClass();
  await signInAsAdmin(page);
  await page.goto(`/dlqs/kafka/local/${encodeURIComponent(dlq)}`);

  // Point 4: the group of 3 opens its 3 messages, not the 5 of its exception class.
  await page.getByRole("tab", { name: "Failure groups" }).click();
  const groupRow = page.getByTestId("failure-group-row").filter({ hasText: "closed" });
  await expect(groupRow.getByTestId("failure-group-count")).toHaveText("3");
  await groupRow.click();
  const search = page.locator("#dlq-panel-search");
  const filter = search.getByLabel("Filter (CEL)");
  await expect(filter).toHaveValue(/record\.error\.fingerprint == "[0-9a-f]{16}"/);
  await search.getByRole("button", { name: "Start" }).click();
  await expect(search.getByTestId("scan-status")).toHaveText("done");
  await expect(search.getByTestId("scan-matched")).toHaveText("3");
  await expect(search.getByTestId("dlq-message-row")).toHaveCount(3);
  const groupExpression = await filter.inputValue();

  // Point 5: editing the text marks the results stale, and the actions keep to what the results show.
  await filter.fill('record.error.exceptionClass == "java.lang.IllegalStateException"');
  await expect(search.getByTestId("scan-stale")).toContainText(groupExpression);
  await search.getByRole("button", { name: "Replay matches…" }).click();
  const dialog = page.getByTestId("bulk-replay-dialog");
  await dialog.getByRole("button", { name: "Dry run" }).click();
  await expect(dialog.getByTestId("dry-run-count")).toHaveText("3");
  await page.keyboard.press("Escape");
  await page.goto(`/dlqs/kafka/local/${encodeURIComponent(dlq)}`);

  // A misspelt field is an error before the scan, with where it is; not a silent "matched 0".
  await page.getByRole("tab", { name: "Search" }).click();
  await search.getByLabel("Filter (CEL)").fill('record.error.exceptionClas == "java.lang.IllegalStateException"');
  await search.getByRole("button", { name: "Start" }).click();
  await expect(search.getByTestId("filter-error")).toContainText("no such field: exceptionClas at line 1, column 14");
  await expect(search.getByTestId("scan-progress")).toHaveCount(0);
});

test("invalid input is refused in words, not as raw validation JSON", async ({ request }) => {
  const cookie = await adminCookie(request);
  const response = await callProcedure(request, "dlq.scan.start", {
    kind: "mutation",
    cookie,
    input: { kind: "kafka", connection: "local", dlq: "anything.DLQ", expression: "", limit: 0 },
  });
  expect(response.status()).toBe(400);
  const body = (await response.json()) as { error: { json: { message: string } } };
  const message = body.error.json.message;
  expect(message).not.toMatch(/^\s*[[{]/);
  expect(message).toContain("expression: ");
  expect(message).toContain("limit: ");
});
