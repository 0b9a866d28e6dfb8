import { expect, test } from "@playwright/test";
import { Kafka, logLevel } from "kafkajs";
import { firstRecordOf, uniqueName } from "./support/brokers";
import { signInAsAdmin } from "./support/session";

const kafka = new Kafka({ clientId: "redrive-e2e-replay-edit", brokers: [process.env.KAFKA_BROKER ?? "127.0.0.1:9092"], logLevel: logLevel.NOTHING });

test("edit the JSON of one Kafka dead letter in the browser and replay it: the broker shows the edited copy", async ({ page }) => {
  const admin = kafka.admin();
  await admin.connect();
  const producer = kafka.producer();
  await producer.connect();
  const source = uniqueName("e2e-payments");
  const dlqTopic = `${source}.DLQ`;
  const original = JSON.stringify({ orderId: "order-7", amount: -5 });
  const edited = JSON.stringify({ orderId: "order-7", amount: 5 });
  try {
    await admin.createTopics({ topics: [{ topic: source, numPartitions: 1 }, { topic: dlqTopic, numPartitions: 1 }], waitForLeaders: true });
    await producer.send({
      topic: dlqTopic,
      messages: [
        {
          key: "order-7",
          value: original,
          headers: { "kafka_dlt-original-topic": source, "kafka_dlt-exception-fqcn": "java.lang.IllegalArgumentException", "trace-id": "t-7" },
        },
      ],
    });

    await signInAsAdmin(page);
    await page.goto(`/dlqs/kafka/local/${encodeURIComponent(dlqTopic)}`);
    const messages = page.locator("#dlq-panel-messages");
    await messages.getByTestId("dlq-message-row").first().click();
    const resolve = messages.getByTestId("resolve-panel");
    await resolve.getByRole("button", { name: "Edit and replay…" }).click();
    const form = resolve.getByTestId("edit-replay-form");
    const payload = form.getByRole("textbox", { name: "Payload" });
    // The editor starts from the stored bytes, not from the indented view.
    await expect(payload).toHaveValue(original);

    // Invalid JSON is refused in the browser before anything is sent.
    await payload.fill('{"orderId": "order-7", "amount": ');
    await expect(form.getByTestId("edit-json-error")).toContainText("Not valid JSON");
    await expect(form.getByRole("button", { name: "Replay edited copy…" })).toBeDisabled();

    await payload.fill(edited);
    await expect(form.getByTestId("edit-json-error")).toHaveCount(0);
    await form.getByRole("textbox", { name: "Value of trace-id" }).fill("t-7-fixed");
    await form.getByRole("button", { name: "Replay edited copy…" }).click();
    await expect(form.getByRole("group", { name: "Confirm edited replay" })).toContainText(`Replay the edited message to ${source}?`);
    await form.getByRole("button", { name: "Confirm edited replay" }).click();
    const result = form.getByTestId("edit-result");
    await expect(result).toContainText(`Replayed the edited copy to ${source} at 0:0`);
    await expect(result).toContainText("Payload changed: amount");
    const replayId = /id ([0-9a-f-]{36})/.exec((await result.textContent()) ?? "")?.[1];
    expect(replayId).toBeDefined();
    await expect(messages.getByTestId("replay-history")).toContainText("edited and replayed");

    // The broker's own view of the original topic: the edited bytes and header, the replay headers, no DLQ error headers.
    const [end] = await admin.fetchTopicOffsets(source);
    expect(end?.high).toBe("1");
    const copy = await firstRecordOf(source);
    expect(copy).toMatchObject({ key: "order-7", value: edited });
    expect(copy.headers).toMatchObject({ "trace-id": "t-7-fixed", "redrive-replay-id": replayId, "redrive-replay-count": "1", "redrive-replayed-from": `${dlqTopic}/0/0` });
    expect(copy.headers["kafka_dlt-exception-fqcn"]).toBeUndefined();

    // The audit log keeps the diff.
    await page.getByRole("link", { name: "Audit", exact: true }).click();
    const auditRow = page.getByRole("row").filter({ hasText: "replay.edit" }).first();
    await expect(auditRow).toContainText("edited and replayed message 0:0");
    // The details are pretty-printed JSON: the diff names exactly the edited path.
    await expect(auditRow).toContainText(/"changedPaths":\s*\[\s*"amount"\s*\]/);
    await expect(auditRow).toContainText(replayId!);
  } finally {
    await admin.deleteTopics({ topics: [source, dlqTopic] }).catch(() => undefined);
    await producer.disconnect();
    await admin.disconnect();
  }
});
