import { expect, test } from "@playwright/test";
import { createQueueWithDlq, kafkaForSpec, sqsClient, uniqueName } from "./support/brokers";
import { signInAsAdmin } from "./support/session";

const { kafka, createdTopics } = kafkaForSpec("redrive-e2e-replay-safety");

test("Kafka: a replay to a topic that does not exist is refused up front; the confirmation names the consumer groups; soon-expiring records are warned of", async ({ page }) => {
  const admin = kafka.admin();
  await admin.connect();
  const producer = kafka.producer();
  await producer.connect();
  const source = uniqueName("e2e-fanout");
  const dlqTopic = `${source}.DLQ`;
  const missing = uniqueName("e2e-no-such-topic");
  const group = uniqueName("e2e-billing");
  try {
    createdTopics.push(source, dlqTopic);
    // The DLQ keeps records one hour: every record in it expires within a day.
    await admin.createTopics({
      topics: [{ topic: source, numPartitions: 1 }, { topic: dlqTopic, numPartitions: 1, configEntries: [{ name: "retention.ms", value: "3600000" }] }],
      waitForLeaders: true,
    });
    // A consumer group subscribed to the origin topic (a committed offset), which every copy reaches.
    await admin.setOffsets({ groupId: group, topic: source, partitions: [{ partition: 0, offset: "0" }] });
    await producer.send({
      topic: dlqTopic,
      messages: [1, 2, 3].map((n) => ({ key: `k${n}`, value: JSON.stringify({ n }), headers: { "kafka_dlt-original-topic": source, "kafka_dlt-exception-fqcn": "java.lang.IllegalStateException" } })),
    });

    await signInAsAdmin(page);
    await page.goto(`/dlqs/kafka/local/${encodeURIComponent(dlqTopic)}`);
    await expect(page.getByTestId("expiry-warning")).toContainText("3 messages will expire within a day", { timeout: 30_000 });
    await expect(page.getByTestId("expiry-warning")).toContainText("counted from the record timestamp");

    // Single replay: the confirmation says who receives the copy, and refuses a topic that does not exist.
    const messages = page.locator("#dlq-panel-messages");
    await messages.getByTestId("dlq-message-row").first().click();
    const panel = messages.getByTestId("replay-panel");
    await panel.getByRole("button", { name: "Replay…" }).click();
    const confirm = panel.getByRole("group", { name: "Confirm replay" });
    await expect(confirm.getByTestId("audience")).toContainText(`received by 1 consumer group: ${group}`);
    await panel.getByLabel("Destination").fill(missing);
    await expect(confirm.getByTestId("audience-missing")).toContainText(`Topic "${missing}" does not exist`);
    await expect(panel.getByRole("button", { name: "Confirm replay" })).toBeDisabled();

    // Bulk: the dry run to the missing topic is refused with that reason, not started to wait forever.
    await page.getByRole("button", { name: "Replay all…" }).click();
    const dialog = page.getByTestId("bulk-replay-dialog");
    await dialog.getByLabel("Destination topic").fill(missing);
    await dialog.getByRole("button", { name: "Dry run" }).click();
    await expect(dialog.getByTestId("dry-run-error")).toContainText(`Topic "${missing}" does not exist on "local": nothing was sent.`);
    await expect(dialog.getByRole("button", { name: /Start replay/ })).toHaveCount(0);
    // Back to the origin: the confirmation lists the group that will receive the copies.
    await dialog.getByText("Each message's origin").click();
    await dialog.getByRole("button", { name: "Dry run" }).click();
    await expect(dialog.getByTestId("dry-run-count")).toHaveText("3");
    await expect(dialog.getByTestId("confirm-targets")).toContainText(`received by 1 consumer group: ${group}`);

    // Nothing was auto-created by the refused replays.
    expect(await admin.listTopics()).not.toContain(missing);
  } finally {
    await producer.disconnect();
    await admin.deleteGroups([group]).catch(() => undefined);
    await admin.disconnect();
  }
});

test("SQS: a replay to a queue that does not exist is refused up front; the confirmation explains the queue's receivers", async ({ page }) => {
  const sqs = sqsClient();
  const fixture = await createQueueWithDlq(sqs, 3);
  const missing = uniqueName("e2e-no-such-queue");
  try {
    // ElasticMQ neither keeps MessageRetentionPeriod nor lets a test backdate an enqueue time, so the SQS expiry count
    // (from the original enqueue time) is covered by tests/unit/console-outcomes.test.ts.
    await signInAsAdmin(page);
    await page.goto(`/dlqs/sqs/local/${encodeURIComponent(fixture.dlq)}`);
    const messagesPanel = page.locator("#dlq-panel-messages");
    await messagesPanel.getByRole("button", { name: "Take snapshot" }).click();
    await expect(messagesPanel.getByTestId("sqs-snapshot-banner")).toContainText("3 of ~3 messages (100%)", { timeout: 30_000 });
    await expect(messagesPanel.getByTestId("dlq-message-row")).toHaveCount(3);

    await page.getByRole("button", { name: "Replay all…" }).click();
    const dialog = page.getByTestId("bulk-replay-dialog");
    await dialog.getByLabel("Destination queue").fill(missing);
    await dialog.getByRole("button", { name: "Dry run" }).click();
    await expect(dialog.getByTestId("dry-run-error")).toContainText(`Queue "${missing}" does not exist on "local": nothing was sent.`);

    await dialog.getByLabel("Destination queue").fill(fixture.source);
    await dialog.getByRole("button", { name: "Dry run" }).click();
    await expect(dialog.getByTestId("dry-run-count")).toHaveText("3");
    await expect(dialog.getByTestId("confirm-targets")).toContainText("SQS keeps no list of consumers");
  } finally {
    await fixture.cleanup();
    sqs.destroy();
  }
});
