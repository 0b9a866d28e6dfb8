import { expect, test } from "@playwright/test";
import { buildDltHeaders } from "../demo/kafka/dlt-headers";
import { confluentFrame } from "../server/schemas/wire-format";
import { avroEncoder } from "../tests/fixtures/avro-bigint";
import { firstRecordOf, kafkaForSpec, uniqueName } from "./support/brokers";
import { signInAsAdmin } from "./support/session";
import { registerSchema, sr } from "../tests/fixtures/schema-registry";

// An Avro dead letter written through the stack's Apicurio Registry, after a breaking schema change (a required
// field without a default): the detail shows the decoded value with its schema, and the schema evolution panel
// shows the diff and the registry's verdict.

const MAX_LONG = "9223372036854775807";
const { kafka, createdTopics } = kafkaForSpec("redrive-e2e-dlq-schemas");


const payment = {
  type: "record",
  name: "Payment",
  namespace: "redrive.e2e",
  fields: [
    { name: "id", type: "long" },
    { name: "amount", type: { type: "bytes", logicalType: "decimal", precision: 12, scale: 2 } },
  ],
};

test("an Avro dead letter: decoded with its schema, and the breaking change that killed it", async ({ page }) => {
  const source = uniqueName("e2e-avro");
  const dlqTopic = `${source}.DLQ`;
  const subject = `${source}-value`;
  await sr("PUT", `/config/${encodeURIComponent(subject)}`, { compatibility: "NONE" }).catch(() => undefined);
  const v1 = await registerSchema(subject, JSON.stringify(payment));
  await sr("PUT", `/config/${encodeURIComponent(subject)}`, { compatibility: "NONE" });
  const v2 = await registerSchema(subject, JSON.stringify({ ...payment, fields: [...payment.fields, { name: "merchant", type: "string" }] }));
  await sr("PUT", `/config/${encodeURIComponent(subject)}`, { compatibility: "BACKWARD" });

  const value = Buffer.from(confluentFrame(v1, avroEncoder(payment).toBuffer({ id: BigInt(MAX_LONG), amount: Buffer.from([0x30, 0x39]) })));
  const admin = kafka.admin();
  const producer = kafka.producer();
  await Promise.all([admin.connect(), producer.connect()]);
  try {
    createdTopics.push(source, dlqTopic);
    await admin.createTopics({ topics: [{ topic: source, numPartitions: 1 }, { topic: dlqTopic, numPartitions: 1 }], waitForLeaders: true });
    const headers = buildDltHeaders({
      topic: source,
      partition: 0,
      offset: "0",
      timestamp: String(Date.now()),
      consumerGroup: "payment-processor",
      exceptionClass: "org.apache.kafka.common.errors.SerializationException",
      message: `Error deserializing Avro message for id ${v1}: missing required field merchant`,
      stacktrace: "org.apache.kafka.common.errors.SerializationException: Error deserializing Avro message",
      attempts: 1,
    });
    await producer.send({ topic: dlqTopic, messages: [{ partition: 0, key: "pay-1", value, headers }] });
  } finally {
    await Promise.all([admin.disconnect(), producer.disconnect()]);
  }

  try {
    await signInAsAdmin(page);
    await page.getByRole("link", { name: "DLQs", exact: true }).click();
    const row = page.getByTestId(`dlq-depth-row-${dlqTopic}`);
    await expect(row).toBeVisible({ timeout: 30_000 });
    await row.getByRole("link", { name: dlqTopic }).click();

    const messagesPanel = page.locator("#dlq-panel-messages");
    const tableRow = messagesPanel.getByTestId("dlq-message-row");
    await expect(tableRow).toHaveCount(1);
    await expect(tableRow.getByTestId("value-schema-badge")).toHaveText(`avro #${v1}`);
    await expect(tableRow).toContainText(MAX_LONG);

    await tableRow.click();
    const detail = messagesPanel.getByTestId("message-detail");
    await expect(detail.getByTestId("detail-schema-value-format")).toHaveText("Avro");
    await expect(detail.getByTestId("detail-schema-value-subject")).toHaveText(`${subject} v1`);
    await expect(detail.getByTestId("detail-schema-value-id")).toHaveText(String(v1));
    const json = detail.getByTestId("detail-schema-value-json");
    await expect(json).toContainText(`"id": ${MAX_LONG}`);
    await expect(json).toContainText(`"amount": 123.45`);
    await detail.getByTestId("detail-schema-value").getByText("Writer's schema").click();
    await expect(detail.getByTestId("detail-schema-value-text")).toContainText('"name": "Payment"');

    const evolution = detail.getByTestId("schema-evolution");
    await expect(evolution.getByTestId("schema-evolution-summary")).toContainText(`${subject} v1`);
    await expect(evolution.getByTestId("schema-verdict")).toContainText("not compatible under BACKWARD");
    const diff = evolution.getByTestId("schema-diff-row");
    await expect(diff).toHaveCount(1);
    await expect(diff).toContainText("default missing");
    await expect(diff).toContainText("Payment.merchant");
    expect(v2).not.toBe(v1);
    await page.screenshot({ path: "test-results/dlq-schemas.png", fullPage: true });
  } finally {
    await sr("DELETE", `/subjects/${encodeURIComponent(subject)}`).catch(() => undefined);
    await sr("DELETE", `/subjects/${encodeURIComponent(subject)}?permanent=true`).catch(() => undefined);
  }
});

test("edit an Avro dead letter as JSON and replay it re-encoded with the version the operator picks", async ({ page }) => {
  const source = uniqueName("e2e-avro-edit");
  const dlqTopic = `${source}.DLQ`;
  const subject = `${source}-value`;
  await sr("PUT", `/config/${encodeURIComponent(subject)}`, { compatibility: "BACKWARD" });
  const v1 = await registerSchema(subject, JSON.stringify(payment));
  // A compatible change: a new field with a default.
  const withMerchant = { ...payment, fields: [...payment.fields, { name: "merchant", type: "string", default: "unknown" }] };
  const v2 = await registerSchema(subject, JSON.stringify(withMerchant));

  const value = Buffer.from(confluentFrame(v1, avroEncoder(payment).toBuffer({ id: BigInt(MAX_LONG), amount: Buffer.from([0x30, 0x39]) })));
  const admin = kafka.admin();
  const producer = kafka.producer();
  await Promise.all([admin.connect(), producer.connect()]);
  try {
    createdTopics.push(source, dlqTopic);
    await admin.createTopics({ topics: [{ topic: source, numPartitions: 1 }, { topic: dlqTopic, numPartitions: 1 }], waitForLeaders: true });
    const headers = buildDltHeaders({ topic: source, partition: 0, offset: "0", timestamp: String(Date.now()), consumerGroup: "payment-processor", exceptionClass: "demo.AmountRejected", message: "amount too small", stacktrace: "demo.AmountRejected", attempts: 1 });
    await producer.send({ topic: dlqTopic, messages: [{ partition: 0, key: "pay-2", value, headers }] });
  } finally {
    await Promise.all([admin.disconnect(), producer.disconnect()]);
  }

  try {
    await signInAsAdmin(page);
    await page.goto(`/dlqs/kafka/local/${encodeURIComponent(dlqTopic)}`);
    const messages = page.locator("#dlq-panel-messages");
    await messages.getByTestId("dlq-message-row").first().click();
    const resolve = messages.getByTestId("resolve-panel");
    await resolve.getByRole("button", { name: "Edit and replay…" }).click();
    const form = resolve.getByTestId("edit-replay-form");
    const payload = form.getByRole("textbox", { name: "Payload" });
    // The editor starts from the decoded JSON, every digit of the long kept.
    await expect(payload).toHaveValue(`{"id":${MAX_LONG},"amount":123.45}`);
    const picker = form.getByTestId("schema-version-picker");
    await expect(picker).toContainText(`Written with ${subject} v1 (schema id ${v1})`);
    const version = picker.getByRole("combobox", { name: "Schema version" });
    await expect(version).toHaveValue("1");
    await version.selectOption("2");

    // A value that does not fit the schema is refused by the server, naming the field.
    await payload.fill(`{"id":${MAX_LONG},"amount":1.234,"merchant":"acme"}`);
    await form.getByRole("button", { name: "Replay edited copy…" }).click();
    await form.getByRole("button", { name: "Confirm edited replay" }).click();
    await expect(form.getByText("amount: 1.234 has more than 2 decimal places")).toBeVisible();

    await payload.fill(`{"id":${MAX_LONG},"amount":200.00,"merchant":"acme"}`);
    await form.getByRole("button", { name: "Replay edited copy…" }).click();
    await form.getByRole("button", { name: "Confirm edited replay" }).click();
    const result = form.getByTestId("edit-result");
    await expect(result).toContainText(`Replayed the edited copy to ${source} at 0:0`);
    await expect(result).toContainText("Payload changed: amount, merchant");
    await expect(result).toContainText(`Encoded with schema id ${v2} (v2)`);

    // A plain consumer reads the copy with the schema the registry holds for the id in its frame.
    const copy = (await firstRecordOf(source)).valueBytes!;
    expect(copy[0]).toBe(0);
    expect(copy.readInt32BE(1)).toBe(v2);
    const read = avroEncoder(withMerchant).fromBuffer(copy.subarray(5)) as { id: bigint; amount: Buffer; merchant: string };
    expect(read.id).toBe(BigInt(MAX_LONG));
    expect(read.amount.readUIntBE(0, read.amount.length)).toBe(20_000);
    expect(read.merchant).toBe("acme");
    await page.screenshot({ path: "test-results/dlq-schemas-edit.png", fullPage: true });
  } finally {
    await sr("DELETE", `/subjects/${encodeURIComponent(subject)}`).catch(() => undefined);
    await sr("DELETE", `/subjects/${encodeURIComponent(subject)}?permanent=true`).catch(() => undefined);
  }
});
