import { expect, test } from "@playwright/test";
import { Kafka, logLevel } from "kafkajs";
import { firstRecordOf, uniqueName } from "./support/brokers";
import { signInAsAdmin } from "./support/session";

const kafka = new Kafka({ clientId: "redrive-e2e-replay", brokers: [process.env.KAFKA_BROKER ?? "127.0.0.1:9092"], logLevel: logLevel.NOTHING });

test("one-click replay of one message: the broker shows the copy in the original topic", async ({ page }) => {
  const admin = kafka.admin();
  await admin.connect();
  const producer = kafka.producer();
  await producer.connect();
  const source = uniqueName("e2e-orders");
  const dlqTopic = `${source}.DLQ`;
  try {
    await admin.createTopics({ topics: [{ topic: source, numPartitions: 1 }, { topic: dlqTopic, numPartitions: 1 }], waitForLeaders: true });
    await producer.send({
      topic: dlqTopic,
      messages: [
        {
          key: "order-42",
          value: JSON.stringify({ orderId: "order-42", amount: 99 }),
          headers: { "kafka_dlt-original-topic": source, "kafka_dlt-exception-fqcn": "java.lang.IllegalStateException", "trace-id": "t-42" },
        },
      ],
    });

    await signInAsAdmin(page);
    await page.goto(`/dlqs/kafka/local/${encodeURIComponent(dlqTopic)}`);
    const messages = page.locator("#dlq-panel-messages");
    await messages.getByTestId("dlq-message-row").first().click();
    const panel = messages.getByTestId("replay-panel");
    await panel.getByRole("button", { name: "Replay…" }).click();
    await expect(panel.getByRole("group", { name: "Confirm replay" })).toContainText(`Replay this message to ${source}?`);
    await panel.getByRole("button", { name: "Confirm replay" }).click();
    const result = panel.getByTestId("replay-result");
    await expect(result).toContainText(`Replayed to ${source} at 0:0`);
    const replayId = /id ([0-9a-f-]{36})/.exec((await result.textContent()) ?? "")?.[1];
    expect(replayId).toBeDefined();
    await page.getByRole("link", { name: "Replays", exact: true }).click();
    await expect(page.getByTestId("replay-row").filter({ hasText: dlqTopic })).toContainText(replayId!);

    // The broker's own view of the original topic.
    const [end] = await admin.fetchTopicOffsets(source);
    expect(end?.high).toBe("1");
    const copy = await firstRecordOf(source);
    expect(copy).toMatchObject({ key: "order-42", value: JSON.stringify({ orderId: "order-42", amount: 99 }) });
    expect(copy.headers).toMatchObject({ "trace-id": "t-42", "redrive-replay-id": replayId, "redrive-replay-count": "1" });
    expect(copy.headers["kafka_dlt-exception-fqcn"]).toBeUndefined();
  } finally {
    await admin.deleteTopics({ topics: [source, dlqTopic] }).catch(() => undefined);
    await producer.disconnect();
    await admin.disconnect();
  }
});
