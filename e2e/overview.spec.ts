import { expect, test } from "@playwright/test";
import { brokerQueueDepth, brokerTopicCount, createQueueWithDlq, kafkaAdmin, sqsClient, uniqueName } from "./support/brokers";
import { signInAsAdmin } from "./support/session";

test("Overview shows the topic count and DLQ depth that the brokers report", async ({ page }) => {
  const admin = kafkaAdmin();
  await admin.connect();
  const sqs = sqsClient();
  const topics = [uniqueName("e2e-a"), uniqueName("e2e-b"), uniqueName("e2e-c")];
  const fixture = await createQueueWithDlq(sqs, 12);
  try {
    await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: 2 })), waitForLeaders: true });
    expect(await brokerQueueDepth(sqs, fixture.dlqUrl)).toBe(12);

    await signInAsAdmin(page);
    await expect(page.getByTestId("last-updated")).toBeVisible();

    // The page polls; compare against the broker each time until they agree.
    await expect(async () => {
      const expected = await brokerTopicCount();
      await expect(page.getByTestId("kafka-local").getByTestId("kafka-topics")).toHaveText(String(expected), { timeout: 1_000 });
    }).toPass({ timeout: 20_000 });

    const row = page.getByTestId(`dlq-row-${fixture.dlq}`);
    await expect(row).toBeVisible();
    // The depth is the collector's stored sample (one truth per number): a new queue shows it after the next
    // round, and one slow ElasticMQ answer can hold a round up to the SDK's 10 s request timeout.
    await expect(row.getByTestId("dlq-depth")).toHaveText("12", { timeout: 40_000 });
    await expect(row).toContainText(fixture.source);
    await page.screenshot({ path: "test-results/overview.png", fullPage: true });
  } finally {
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
    await fixture.cleanup();
    sqs.destroy();
  }
});
