import { SchemaRegistry } from "@kafkajs/confluent-schema-registry";
import { desc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog } from "~/server/db/schema";
import { confluentFrame } from "~/server/schemas/wire-format";
import { avroEncoder } from "../fixtures/avro-bigint";
import { kafkaDlqFixture, type DlqFixture } from "../fixtures/kafka";
import { ApiHarness } from "./helpers/api";
import { KAFKA_BROKER, uniqueName } from "./helpers/environment";
import { SCHEMA_REGISTRY_URL as REGISTRY, sr, registerSchema as register } from "../fixtures/schema-registry";

// Edit and replay of Kafka record keys on the real Apicurio Registry and Kafka: a text key edited as text, an Avro
// key (Confluent wire format, subject `<topic>-key`) edited as JSON and re-encoded with a picked version, read back
// with the registry's own client (@kafkajs/confluent-schema-registry) as an independent consumer would.

const source = uniqueName("t-ke-src");
const keySubject = `${source}-key`;


const keyV1 = { type: "record", name: "OrderKey", namespace: "redrive.keyedit", fields: [{ name: "id", type: "string" }, { name: "shard", type: "int" }] };
// Backward compatible: a new field with a default.
const keyV2 = { ...keyV1, fields: [...keyV1.fields, { name: "region", type: "string", default: "eu" }] };
const maskedKey = '{"tenant":"t1","card":{"number":"4111111111111111"}}';

const ids = { v1: 0, v2: 0 };
let api: ApiHarness;
let editor: string;
let masked: string;
let dlq: DlqFixture;
let avroKey: Buffer;
let registry: SchemaRegistry;

// The DLQ's records (all in partition 0): a text key, an Avro key, a JSON key with a masked field, a binary key.
const TEXT = "0:0";
const AVRO = "0:1";
const MASKED = "0:2";
const BINARY = "0:3";
// A registry URL nothing listens on: the "down" connection reads the same DLQ with its registry unavailable.
const NOWHERE = "http://127.0.0.1:9/apis/ccompat/v7";

beforeAll(async () => {
  await sr("PUT", `/config/${encodeURIComponent(keySubject)}`, { compatibility: "BACKWARD" });
  ids.v1 = await register(keySubject, JSON.stringify(keyV1));
  ids.v2 = await register(keySubject, JSON.stringify(keyV2));
  avroKey = Buffer.from(confluentFrame(ids.v1, avroEncoder(keyV1).toBuffer({ id: "o-7", shard: 3 })));
  dlq = await kafkaDlqFixture({
    topic: source,
    partitions: 3,
    messages: [
      { key: "order-1", value: '{"a":1}' },
      { key: avroKey, value: "plain text value" },
      { key: maskedKey, value: '{"a":2}' },
      { key: Buffer.from([0xff, 0x00, 0x01]), value: '{"a":3}' },
    ],
  });
  registry = new SchemaRegistry({ host: REGISTRY });
  api = await ApiHarness.start({
    kafka: [
      { name: "local", brokers: [KAFKA_BROKER], schemaRegistry: { url: REGISTRY }, replay: { allowEdit: true } },
      { name: "down", brokers: [KAFKA_BROKER], schemaRegistry: { url: NOWHERE }, replay: { allowEdit: true } },
    ],
    // Key fields are masked by key. rules only: the value rule alone would leave the JSON key's card.number shown.
    payloads: {
      readRoles: ["viewer", "operator", "admin"],
      masking: [
        { path: "value.card.number", exemptRoles: ["admin"] },
        { path: "key.card.number", exemptRoles: ["admin"] },
      ],
    },
  });
  // The admin is exempt from the card masks; the operator may edit, but the key mask hides a field of one key from it.
  editor = await api.tokenFor("admin");
  masked = await api.tokenFor("operator");
}, 120_000);

afterAll(async () => {
  await dlq?.cleanup().catch(() => undefined);
  await api?.close();
  await sr("DELETE", `/subjects/${encodeURIComponent(keySubject)}`).catch(() => undefined);
  await sr("DELETE", `/subjects/${encodeURIComponent(keySubject)}?permanent=true`).catch(() => undefined);
});

const as = (token: string) => ({ authorization: `Bearer ${token}` });
const edit = (id: string, input: Record<string, unknown>, token = editor) =>
  api.call("replay.edit", { kind: "mutation", input: { kind: "kafka", connection: "local", dlq: dlq.dlqTopic, id, ...input }, headers: as(token) });
const editable = <T>(id: string, token = editor, connection = "local") =>
  api.data<T>("replay.editable", { kind: "query", input: { kind: "kafka", connection, dlq: dlq.dlqTopic, id }, headers: as(token) });
const errorOf = (response: { body: unknown }) => (response.body as { error: { json: { message: string } } }).error.json.message;

interface Copy {
  partition: number;
  key: Buffer | null;
  value: Buffer | null;
}

async function copyOf(response: { status: number; body: unknown }): Promise<Copy> {
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  const { targetPosition } = (response.body as { result: { data: { json: { targetPosition: string } } } }).result.data.json;
  const [partition, offset] = targetPosition.split(":").map(Number) as [number, number];
  const [copy] = await api.connections.kafka.get("local")!.readRecords(source, partition, offset);
  return { partition, key: copy!.key ? Buffer.from(copy!.key) : null, value: copy!.value ? Buffer.from(copy!.value) : null };
}

/** Every record written to the source topic so far (the copies). */
async function produced(): Promise<number> {
  const offsets = await api.connections.kafka.get("local")!.topicOffsets(source);
  return offsets.reduce((sum, p) => sum + p.logEndOffset, 0);
}

async function lastAudit(): Promise<{ outcome: string; parameters: Record<string, unknown> }> {
  const [row] = await api.store.db.select().from(auditLog).where(eq(auditLog.procedure, "replay.edit")).orderBy(desc(auditLog.id)).limit(1);
  return row as unknown as { outcome: string; parameters: Record<string, unknown> };
}

interface EditableKey {
  text: string | null;
  isJson: boolean;
  editable: boolean;
  note: string | null;
  wasNull: boolean;
  schema: { format: string; subject: string | null; schemaId: number; version: number | null; versions: { version: number; schemaId: number }[]; note: string | null } | null;
}

describe("edit and replay of Kafka keys", () => {
  it("replay.editable offers a text key as text, an Avro key as decoded JSON with the key subject's versions, and not a masked key", async () => {
    expect((await editable<{ key: EditableKey }>(TEXT)).key).toEqual({ text: "order-1", isJson: false, editable: true, note: null, wasNull: false, schema: null });

    const avro = (await editable<{ key: EditableKey; value: string }>(AVRO));
    expect(avro.value).toBe("plain text value");
    expect(avro.key).toMatchObject({ text: '{"id":"o-7","shard":3}', isJson: true, editable: true, note: null });
    expect(avro.key.schema).toMatchObject({
      format: "avro",
      subject: keySubject,
      schemaId: ids.v1,
      version: 1,
      versions: [
        { version: 2, schemaId: ids.v2 },
        { version: 1, schemaId: ids.v1 },
      ],
      note: null,
    });

    const hidden = await editable<{ key: EditableKey; valueEditable: boolean }>(MASKED, masked);
    expect(hidden.key).toMatchObject({ text: null, editable: false });
    expect(hidden.key.note).toMatch(/Masking rules hide fields of this key from your role/);
    // The value has no masked field: it stays editable for that role.
    expect(hidden.valueEditable).toBe(true);
    expect((await editable<{ key: EditableKey }>(MASKED)).key).toMatchObject({ text: maskedKey, editable: true });
  });

  it("a binary key, and an Avro key while the registry is unavailable, are not editable, each with its reason", async () => {
    const binary = await editable<{ key: EditableKey; valueEditable: boolean }>(BINARY);
    expect(binary.key).toMatchObject({ text: null, editable: false, schema: null });
    expect(binary.key.note).toMatch(/^The key is binary/);
    expect(binary.valueEditable).toBe(true);

    const down = await editable<{ key: EditableKey; value: string }>(AVRO, editor, "down");
    expect(down.key).toMatchObject({ text: null, editable: false, schema: null });
    expect(down.key.note).toMatch(/^The key is schema-encoded but cannot be decoded now \(.*schema registry unavailable/);
    expect(down.value).toBe("plain text value");
    const before = await produced();
    const onDown = await api.call("replay.edit", {
      kind: "mutation",
      input: { kind: "kafka", connection: "down", dlq: dlq.dlqTopic, id: AVRO, key: '{"id":"o-8","shard":3}' },
      headers: as(editor),
    });
    expect(onDown.status).toBe(412);
    expect(errorOf(onDown)).toMatch(/^The key is schema-encoded but cannot be decoded now/);
    expect(await produced()).toBe(before);
  });

  it("a text key edited: the copy carries the new key and the original value bytes; the audit diff has the key change", async () => {
    const copy = await copyOf(await edit(TEXT, { key: "order-2", note: "re-key" }));
    expect(copy.key?.toString("utf8")).toBe("order-2");
    expect(copy.value?.toString("utf8")).toBe('{"a":1}');

    const row = await lastAudit();
    expect(row.outcome).toBe("ok");
    const { diff } = (row.parameters as { details: { diff: Record<string, unknown> } }).details;
    expect(diff.key).toEqual({ before: "order-1", after: "order-2", truncated: false, changedPaths: null });
    expect(diff.value).toBeNull();
    // The typed key itself is kept out of the audit input (it is in the diff, masked for its least privileged reader).
    expect(row.parameters.key).toBe("[in the diff]");
  });

  it("an unchanged key keeps its exact bytes: not sent, or sent as its own text or decoded JSON", async () => {
    const valueOnly = await copyOf(await edit(AVRO, { value: "edited text value" }));
    expect(valueOnly.key?.equals(avroKey)).toBe(true);
    expect(valueOnly.value?.toString("utf8")).toBe("edited text value");
    expect((await lastAudit()).parameters).not.toHaveProperty("details.diff.key");

    const sameJson = await copyOf(await edit(AVRO, { key: '{"id":"o-7","shard":3}', value: "edited again" }));
    expect(sameJson.key?.equals(avroKey)).toBe(true);

    const sameText = await copyOf(await edit(TEXT, { key: "order-1", value: '{"a":3}' }));
    expect(sameText.key?.toString("utf8")).toBe("order-1");

    const before = await produced();
    expect(errorOf(await edit(TEXT, { key: "order-1" }))).toMatch(/Nothing was edited/);
    expect(errorOf(await edit(AVRO, { key: '{"id":"o-7","shard":3}', keySchemaVersion: 1 }))).toMatch(/Nothing was edited/);
    expect(await produced()).toBe(before);
  });

  it("an Avro key edited and re-encoded with the writer's version and with v2 reads back through the registry's own client", async () => {
    const withV1 = await copyOf(await edit(AVRO, { key: '{"id":"o-8","shard":3}' }));
    expect(withV1.key!.readInt32BE(1)).toBe(ids.v1);
    expect(await registry.decode(withV1.key!)).toEqual({ id: "o-8", shard: 3 });
    // The value was not edited: its bytes as they were.
    expect(withV1.value?.toString("utf8")).toBe("plain text value");
    expect((await lastAudit()).parameters).toMatchObject({
      details: {
        diff: {
          key: { before: '{"id":"o-7","shard":3}', after: '{"id":"o-8","shard":3}', changedPaths: ["id"] },
          keySchema: { format: "avro", subject: keySubject, from: { schemaId: ids.v1, version: 1 }, to: { schemaId: ids.v1, version: 1 } },
          value: null,
        },
      },
    });

    const withV2 = await copyOf(await edit(AVRO, { key: '{"id":"o-9","shard":4,"region":"us"}', keySchemaVersion: 2 }));
    expect(withV2.key![0]).toBe(0);
    expect(withV2.key!.readInt32BE(1)).toBe(ids.v2);
    expect(await registry.decode(withV2.key!)).toEqual({ id: "o-9", shard: 4, region: "us" });
    expect((await lastAudit()).parameters).toMatchObject({ details: { diff: { keySchema: { from: { schemaId: ids.v1, version: 1 }, to: { schemaId: ids.v2, version: 2 } } } } });

    // Only a new version: the same JSON re-encoded with v2 (the default filled in for a reader of v2).
    const onlyVersion = await copyOf(await edit(AVRO, { keySchemaVersion: 2 }));
    expect(onlyVersion.key!.readInt32BE(1)).toBe(ids.v2);
    expect(await registry.decode(onlyVersion.key!)).toEqual({ id: "o-7", shard: 3, region: "eu" });
  });

  it("a key that does not fit the key schema (or is not JSON) is a 400 naming the field, and nothing is produced", async () => {
    const before = await produced();
    const badType = await edit(AVRO, { key: '{"id":"o-8","shard":"three"}' });
    expect(badType.status).toBe(400);
    expect(errorOf(badType)).toMatch(new RegExp(`^The edited key does not fit ${keySubject} v1 \\(schema id ${ids.v1}\\): shard: `));
    const extra = await edit(AVRO, { key: '{"id":"o-8","shard":3,"region":"us"}', keySchemaVersion: 1 });
    expect(extra.status).toBe(400);
    expect(errorOf(extra)).toMatch(/region: is not a field of redrive.keyedit.OrderKey/);
    const notJson = await edit(AVRO, { key: '{"id":"o-8",' });
    expect(notJson.status).toBe(400);
    expect(errorOf(notJson)).toMatch(/^The edited key does not fit /);
    const jsonKey = await edit(MASKED, { key: '{"tenant":' });
    expect(jsonKey.status).toBe(400);
    expect(errorOf(jsonKey)).toMatch(/^The original key is JSON, and the edited key is not valid JSON: /);
    expect(errorOf(await edit(AVRO, { keySchemaVersion: 9 }))).toMatch(new RegExp(`${keySubject} has no version 9`));
    expect(errorOf(await edit(TEXT, { key: "order-3", keySchemaVersion: 1 }))).toMatch(/The key is not schema-encoded/);
    // zod: the key is bounded like the value.
    expect((await edit(TEXT, { key: "k".repeat(1024 * 1024 + 1) })).status).toBe(400);
    expect((await edit(AVRO, { keySchemaVersion: 0 })).status).toBe(400);
    expect(await produced()).toBe(before);
    expect(await lastAudit()).toMatchObject({ outcome: "error" });
  });

  it("a masked key is not edited by a role the masks do not exempt; the audit diff of an exempt role's edit is masked", async () => {
    const before = await produced();
    const refused = await edit(MASKED, { key: maskedKey.replace("t1", "t2") }, masked);
    expect(refused.status).toBe(412);
    expect(errorOf(refused)).toMatch(/Masking rules hide fields of this key from your role/);
    expect(await produced()).toBe(before);
    // The same role may still edit the value (the key's bytes kept).
    const valueOnly = await copyOf(await edit(MASKED, { value: '{"a":5}' }, masked));
    expect(valueOnly.key?.toString("utf8")).toBe(maskedKey);

    const copy = await copyOf(await edit(MASKED, { key: maskedKey.replace("t1", "t2") }));
    expect(copy.key?.toString("utf8")).toBe(maskedKey.replace("t1", "t2"));
    const row = await lastAudit();
    expect(row.parameters).toMatchObject({ details: { diff: { key: { before: '{"tenant":"t1","card":{"number":"****"}}', after: '{"tenant":"t2","card":{"number":"****"}}', changedPaths: ["tenant"] } } } });
    expect(JSON.stringify(row.parameters)).not.toContain("4111111111111111");
  });
});
