import { expect, test } from "@playwright/test";
import { Kafka, logLevel } from "kafkajs";
import { uniqueName } from "./support/brokers";
import { signInAsAdmin } from "./support/session";

const kafka = new Kafka({ clientId: "redrive-e2e-bulk", brokers: [process.env.KAFKA_BROKER ?? "127.0.0.1:9092"], logLevel: logLevel.NOTHING });

test("bulk replay in the browser: filter, dry run, start, watch, pause, resume, finish; the broker has exactly the matches", async ({ page }) => {
  test.setTimeout(120_000);
  const admin = kafka.admin();
  const producer = kafka.producer();
  await Promise.all([admin.connect(), producer.connect()]);
  const source = uniqueName("e2e-bulk");
  const dlq = `${source}.DLQ`;
  try {
    await admin.createTopics({ waitForLeaders: true, topics: [source, dlq].map((topic) => ({ topic, numPartitions: 2 })) });
    await producer.send({
      topic: dlq,
      messages: Array.from({ length: 60 }, (_, i) => ({
        key: `order-${i}`,
        value: JSON.stringify({ orderId: i, tier: i % 3 === 0 ? "gold" : "basic" }),
        headers: { "kafka_dlt-original-topic": source, "kafka_dlt-exception-fqcn": "demo.PaymentDeclined" },
      })),
    });

    await signInAsAdmin(page);
    await page.goto(`/dlqs/kafka/local/${encodeURIComponent(dlq)}`);
    await page.getByRole("tab", { name: "Search" }).click();
    const searchPanel = page.locator("#dlq-panel-search");
    await searchPanel.getByLabel("Filter (CEL)").fill('record.value.tier == "gold"');
    await searchPanel.getByRole("button", { name: "Start" }).click();
    await expect(searchPanel.getByTestId("scan-matched")).toHaveText("20");
    await searchPanel.getByRole("button", { name: "Replay matches…" }).click();

    const dialog = page.getByTestId("bulk-replay-dialog");
    // Slow enough that the job is still running when the test pauses it, even on a loaded machine (20 at 2/s: ~10 s).
    await dialog.getByLabel("Rate limit (msg/s)").fill("2");
    await dialog.getByLabel("Canary size").fill("0");
    await dialog.getByRole("button", { name: "Dry run" }).click();
    await expect(dialog.getByTestId("dry-run-count")).toHaveText("20");
    await expect(dialog.getByTestId("confirm-targets")).toContainText(source);
    await dialog.getByRole("button", { name: "Start replay" }).click();

    await expect(page).toHaveURL(/\/replays\/[0-9a-f-]{36}$/);
    const progress = page.getByTestId("job-progress");
    await expect(page.getByTestId("job-state")).toContainText(/running/i);
    await expect(progress).toContainText(/done ([2-9]|1[0-5])\b/, { timeout: 20_000 });
    await page.getByRole("button", { name: "Pause" }).click();
    await expect(page.getByTestId("job-state")).toContainText(/paused/i);
    await expect(page.getByTestId("job-state-reason")).toContainText("Paused by admin");
    await page.getByRole("button", { name: "Resume" }).click();
    await expect(page.getByTestId("job-state")).toContainText(/completed/i, { timeout: 30_000 });
    await expect(progress).toContainText("done 20");
    await expect(page.getByTestId("job-item-row")).toHaveCount(20);

    await page.getByRole("link", { name: "Replays", exact: true }).click();
    await expect(page.getByTestId("replay-job-row").first()).toContainText(dlq);

    // The broker's own view: the origin topic holds exactly the 20 gold orders, each marked as a replay.
    const offsets = await admin.fetchTopicOffsets(source);
    expect(offsets.reduce((sum, p) => sum + Number(p.high), 0)).toBe(20);
    const consumer = kafka.consumer({ groupId: uniqueName("e2e-bulk-check") });
    await consumer.connect();
    await consumer.subscribe({ topic: source, fromBeginning: true });
    const tiers: string[] = [];
    await consumer.run({
      eachMessage: async ({ message }) => {
        expect(message.headers?.["redrive-replay-id"]).toBeDefined();
        tiers.push((JSON.parse(message.value!.toString()) as { tier: string }).tier);
      },
    });
    await expect.poll(() => tiers.length, { timeout: 20_000 }).toBe(20);
    await consumer.disconnect();
    expect(new Set(tiers)).toEqual(new Set(["gold"]));
  } finally {
    await admin.deleteTopics({ topics: [source, dlq] }).catch(() => undefined);
    await Promise.all([admin.disconnect(), producer.disconnect()]);
  }
});
