import { SchemaRegistry } from "@kafkajs/confluent-schema-registry";
import { expect, test } from "@playwright/test";
import { buildDltHeaders } from "../demo/kafka/dlt-headers";
import { confluentFrame } from "../server/schemas/wire-format";
import { avroEncoder } from "../tests/fixtures/avro-bigint";
import { firstRecordOf, kafkaForSpec, uniqueName } from "./support/brokers";
import { signInAsAdmin } from "./support/session";
import { SCHEMA_REGISTRY_URL as REGISTRY, registerSchema, sr } from "../tests/fixtures/schema-registry";

// A Kafka dead letter whose key is Avro through the stack's Apicurio Registry (subject `<topic>-key`): the operator
// edits the key's JSON in the browser, picks the key schema's v2, is told the copy may change partition, confirms
// the new key, and a consumer on the registry's own client reads the new key back.

const { kafka, createdTopics } = kafkaForSpec("redrive-e2e-key-edit");


const keyV1 = { type: "record", name: "AccountKey", namespace: "redrive.e2ekey", fields: [{ name: "account", type: "string" }] };
const keyV2 = { ...keyV1, fields: [...keyV1.fields, { name: "region", type: "string", default: "eu" }] };

test("edit the Avro key of a Kafka dead letter: re-encoded with the picked key schema version, the partition warning and the new key confirmed", async ({ page }) => {
  const source = uniqueName("e2e-keyed");
  const dlqTopic = `${source}.DLQ`;
  const subject = `${source}-key`;
  await sr("PUT", `/config/${encodeURIComponent(subject)}`, { compatibility: "BACKWARD" });
  const v1 = await registerSchema(subject, JSON.stringify(keyV1));
  const v2 = await registerSchema(subject, JSON.stringify(keyV2));
  const key = Buffer.from(confluentFrame(v1, avroEncoder(keyV1).toBuffer({ account: "acct-1" })));

  const admin = kafka.admin();
  const producer = kafka.producer();
  await Promise.all([admin.connect(), producer.connect()]);
  try {
    createdTopics.push(source, dlqTopic);
    await admin.createTopics({ topics: [{ topic: source, numPartitions: 3 }, { topic: dlqTopic, numPartitions: 1 }], waitForLeaders: true });
    const headers = buildDltHeaders({ topic: source, partition: 0, offset: "0", timestamp: String(Date.now()), consumerGroup: "accounts", exceptionClass: "demo.UnknownAccount", message: "unknown account acct-1", stacktrace: "demo.UnknownAccount", attempts: 1 });
    await producer.send({ topic: dlqTopic, messages: [{ partition: 0, key, value: "balance update", headers }] });
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
    const keyField = form.getByTestId("edit-key-field");
    const keyInput = keyField.getByRole("textbox", { name: "Key" });
    // The key starts as its decoded JSON; the value is plain text.
    await expect(keyInput).toHaveValue('{"account":"acct-1"}');
    await expect(form.getByRole("textbox", { name: "Payload" })).toHaveValue("balance update");
    const picker = keyField.getByTestId("key-schema-version-picker");
    await expect(picker).toContainText(`Written with ${subject} v1 (schema id ${v1})`);
    await expect(keyField.getByTestId("edit-key-warning")).toHaveCount(0);

    // Invalid JSON is refused in the browser; a key that differs says what it does to partitions and ordering.
    await keyInput.fill('{"account":');
    await expect(keyField.getByTestId("edit-key-json-error")).toContainText("Key is not valid JSON");
    await expect(form.getByRole("button", { name: "Replay edited copy…" })).toBeDisabled();
    await keyInput.fill('{"account":"acct-2","region":"us"}');
    await expect(keyField.getByTestId("edit-key-warning")).toContainText("another partition");
    await expect(keyField.getByTestId("edit-key-warning")).toContainText("per-key ordering");
    await picker.getByRole("combobox", { name: "Key schema version" }).selectOption("2");

    await form.getByRole("button", { name: "Replay edited copy…" }).click();
    const confirm = form.getByRole("group", { name: "Confirm edited replay" });
    await expect(confirm).toContainText(`Replay the edited message to ${source} with the new key {"account":"acct-2","region":"us"} (encoded with key schema v2), possibly on another partition?`);
    await keyField.screenshot({ path: "test-results/key-edit-key-field.png" });
    await form.getByRole("button", { name: "Confirm edited replay" }).click();
    const result = form.getByTestId("edit-result");
    await expect(result).toContainText(`Replayed the edited copy to ${source} at `);
    await expect(result).toContainText("Key changed.");

    // The copy read by a plain consumer: the key re-encoded with v2 in the Confluent wire format, the value as it was.
    const copy = await firstRecordOf(source);
    expect(copy.value).toBe("balance update");
    expect(copy.keyBytes![0]).toBe(0);
    expect(copy.keyBytes!.readInt32BE(1)).toBe(v2);
    expect(await new SchemaRegistry({ host: REGISTRY }).decode(copy.keyBytes!)).toEqual({ account: "acct-2", region: "us" });
  } finally {
    await sr("DELETE", `/subjects/${encodeURIComponent(subject)}`).catch(() => undefined);
    await sr("DELETE", `/subjects/${encodeURIComponent(subject)}?permanent=true`).catch(() => undefined);
  }
});
