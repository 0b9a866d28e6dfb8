import { expect, test, type Locator, type Page } from "@playwright/test";
import { kafkaForSpec, uniqueName } from "./support/brokers";
import { signInAsAdmin } from "./support/session";

const { kafka, createdTopics } = kafkaForSpec("redrive-e2e-dlq-split");

test.use({ viewport: { width: 1440, height: 900 } });

/** The element fits in the window horizontally (no sideways scrolling needed to see it). */
async function expectInsideWindow(page: Page, locator: Locator) {
  const box = await locator.boundingBox();
  expect(box, "the element is laid out").not.toBeNull();
  expect(box!.x).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width).toBeLessThanOrEqual(1440);
}

async function noSidewaysScroll(page: Page) {
  const overflow = await page.evaluate(() => {
    const table = document.querySelector('[data-testid="message-table"]');
    return { page: document.documentElement.scrollWidth - window.innerWidth, table: table ? table.scrollWidth - table.clientWidth : -1 };
  });
  expect(overflow.page).toBeLessThanOrEqual(0);
  expect(overflow.table).toBeLessThanOrEqual(0);
}

test("the DLQ table fits its card at 1440 px, opens the message beside it, sorts, and remembers the chosen columns", async ({ page }) => {
  test.setTimeout(120_000);
  const admin = kafka.admin();
  const producer = kafka.producer();
  await Promise.all([admin.connect(), producer.connect()]);
  const dlq = `${uniqueName("e2e-split")}.DLQ`;
  createdTopics.push(dlq);
  const longText = "x".repeat(600);
  try {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: dlq, numPartitions: 1 }] });
    // 40 records (more than the scroller shows) with long keys, values and error messages.
    await producer.send({
      topic: dlq,
      messages: Array.from({ length: 40 }, (_, i) => ({
        key: `${String.fromCharCode(97 + (i % 26))}-key-${String(i).padStart(2, "0")}-${longText}`,
        value: JSON.stringify({ n: i, filler: longText }),
        headers: {
          "kafka_dlt-exception-fqcn": "com.example.orders.very.long.package.name.OrderValidationFailedBecauseOfSomethingException",
          "kafka_dlt-exception-message": `validation failed: ${longText}`,
        },
      })),
    });
  } finally {
    await Promise.all([admin.disconnect(), producer.disconnect()]);
  }

  await signInAsAdmin(page);
  await page.evaluate(() => window.localStorage.removeItem("redrive.dlq.hiddenColumns"));
  await page.goto(`/dlqs/kafka/local/${encodeURIComponent(dlq)}`);
  const panel = page.locator("#dlq-panel-messages");
  const rows = panel.getByTestId("dlq-message-row");
  await expect(rows.first()).toBeVisible();

  // Fits: the State column and the row's Replay button are on screen, nothing scrolls sideways.
  await expectInsideWindow(page, panel.getByRole("columnheader", { name: "State" }));
  await expectInsideWindow(page, rows.first().getByRole("button", { name: /^Replay / }));
  await noSidewaysScroll(page);

  // Sticky header: scrolling the rows leaves the header where it was.
  const header = panel.getByRole("columnheader", { name: "State" });
  const before = (await header.boundingBox())!.y;
  await panel.getByTestId("message-table-scroll").evaluate((element) => element.scrollTo({ top: 600 }));
  await expect(rows.filter({ hasText: "-key-39-" })).toHaveCount(0); // newest first: the top rows left the DOM
  expect((await header.boundingBox())!.y).toBeCloseTo(before, 0);
  await panel.getByTestId("message-table-scroll").evaluate((element) => element.scrollTo({ top: 0 }));

  // A row opens its message beside the table, in the URL.
  await rows.filter({ hasText: "-key-39-" }).click();
  const detail = panel.getByTestId("message-detail");
  await expect(detail).toContainText("OrderValidationFailedBecauseOfSomethingException");
  await expect(page).toHaveURL(/[?&]msg=/);
  const tableBox = (await panel.getByTestId("message-table").boundingBox())!;
  const detailBox = (await detail.boundingBox())!;
  expect(detailBox.x).toBeGreaterThanOrEqual(tableBox.x + tableBox.width - 1);
  expect(detailBox.y).toBeLessThan(tableBox.y + tableBox.height);
  await expectInsideWindow(page, detail);
  await expectInsideWindow(page, rows.first().getByRole("button", { name: /^Replay / }));
  await noSidewaysScroll(page);
  await page.screenshot({ path: "test-results/dlq-split.png" });

  // The split is resizable: the bar moves with the keyboard and the detail widens.
  const bar = panel.getByRole("separator");
  await bar.focus();
  for (let i = 0; i < 5; i += 1) await page.keyboard.press("ArrowLeft");
  await expect.poll(async () => (await detail.boundingBox())!.width).toBeGreaterThan(detailBox.width + 20);

  // Reload keeps the open message beside the table.
  await page.reload();
  await expect(panel.getByTestId("message-detail")).toContainText("OrderValidationFailedBecauseOfSomethingException");
  await panel.getByTestId("message-detail").getByRole("button", { name: "Close" }).click();
  await expect(panel.getByTestId("message-detail")).toHaveCount(0);

  // Sorting by key: ascending puts "a-key-00…" first, descending "z-key-25…"; the sort is in the URL.
  await panel.getByTestId("sort-key").click();
  await expect(rows.first()).toContainText("a-key-00-");
  await expect(page).toHaveURL(/[?&]sort=key/);
  await panel.getByTestId("sort-key").click();
  await expect(rows.first()).toContainText("z-key-25-");
  await expect(page).toHaveURL(/[?&]sort=-key/);

  // Column choice: hide Value and Size; the choice survives a reload.
  await panel.getByTestId("column-chooser").locator("summary").click();
  await panel.getByTestId("column-chooser").getByLabel("Value").uncheck();
  await panel.getByTestId("column-chooser").getByLabel("Size").uncheck();
  await expect(panel.getByRole("columnheader", { name: "Value" })).toHaveCount(0);
  await page.reload();
  await expect(rows.first()).toBeVisible();
  await expect(panel.getByRole("columnheader", { name: "Value" })).toHaveCount(0);
  await expect(panel.getByRole("columnheader", { name: "Size" })).toHaveCount(0);
  await expect(panel.getByRole("columnheader", { name: "Key" })).toHaveCount(1);
  await expect(rows.first()).toContainText("z-key-25-");
});
