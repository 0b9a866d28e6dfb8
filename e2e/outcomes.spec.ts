import { expect, test } from "@playwright/test";
import { brokerQueueDepth, createQueueWithDlq, sqsClient } from "./support/brokers";
import { signInAsAdmin } from "./support/session";

test("outcomes where you act: a stale SQS snapshot says so, a job page stays live to the end with rate and ETA, and the Replays page shows the outcome", async ({ page }) => {
  test.setTimeout(120_000);
  const sqs = sqsClient();
  const fixture = await createQueueWithDlq(sqs, 6);
  try {
    await signInAsAdmin(page);
    await page.goto(`/dlqs/sqs/local/${encodeURIComponent(fixture.dlq)}`);
    const messages = page.locator("#dlq-panel-messages");
    await messages.getByRole("button", { name: "Take snapshot" }).click();
    await expect(messages.getByTestId("sqs-snapshot-banner")).toContainText("6 of ~6 messages (100%)", { timeout: 30_000 });
    await expect(messages.getByTestId("sqs-snapshot-stale")).toHaveCount(0);

    // A discard takes the message off the queue: the snapshot no longer shows the queue and says so.
    await messages.getByTestId("dlq-message-row").first().click();
    await messages.getByRole("button", { name: "Discard…" }).click();
    const discard = messages.getByTestId("discard-form");
    await discard.getByRole("textbox").fill("duplicate order, already refunded");
    await discard.getByRole("button", { name: "Confirm discard" }).click();
    await expect(discard.getByTestId("discard-result")).toBeVisible();
    await expect(messages.getByTestId("sqs-snapshot-stale")).toContainText("1 message was replayed or discarded");
    await expect.poll(() => brokerQueueDepth(sqs, fixture.dlqUrl), { timeout: 15_000 }).toBe(5);

    // A paced bulk replay of the other five to the source queue.
    await page.getByRole("button", { name: "Replay all…" }).click();
    const dialog = page.getByTestId("bulk-replay-dialog");
    await dialog.getByLabel("Destination queue").fill(fixture.source);
    await dialog.getByLabel("Rate limit (msg/s)").fill("2");
    await dialog.getByLabel("Canary size").fill("0");
    await dialog.getByRole("button", { name: "Dry run" }).click();
    await expect(dialog.getByTestId("dry-run-count")).toHaveText("5");
    await dialog.getByRole("button", { name: /Start replay/ }).click();

    // The job page, never reloaded: it follows the job to its end.
    await expect(page.getByTestId("job-state")).toContainText(/completed/i, { timeout: 60_000 });
    const states = page.getByTestId("job-item-state");
    await expect(states).toHaveCount(5);
    await expect(states.filter({ hasText: /^done$/ })).toHaveCount(5, { timeout: 15_000 });
    await expect(page.getByTestId("job-rate")).toContainText(/\d(\.\d)? msg\/s/);
    await expect(page.getByTestId("job-eta")).toContainText("done");
    await expect.poll(() => brokerQueueDepth(sqs, fixture.sourceUrl), { timeout: 15_000 }).toBe(5);

    await page.getByRole("link", { name: "Replays", exact: true }).click();
    const row = page.getByTestId("replay-job-row").filter({ hasText: fixture.dlq }).first();
    await expect(row.getByTestId("replay-job-outcome")).toHaveText("5 of 5 delivered, none came back");
    await expect(page.getByTestId("replay-row").filter({ hasText: fixture.dlq }).filter({ hasText: "discarded" }).getByTestId("replay-outcome")).toHaveText(
      "resolved without a copy",
    );
  } finally {
    await fixture.cleanup();
    sqs.destroy();
  }
});
