import { SchemaRegistry, SchemaType } from "@kafkajs/confluent-schema-registry";
import { desc, eq } from "drizzle-orm";
import { Kafka, logLevel, type Consumer } from "kafkajs";
import protobuf from "protobufjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog } from "~/server/db/schema";
import { schemaDecoderFor } from "~/server/dlq/schema-decoders";
import { confluentFrame } from "~/server/schemas/wire-format";
import { avroEncoder, bigLongHook } from "../fixtures/avro-bigint";
import { deleteKafka, kafkaDlqFixture, subscribeFromBeginning, type DlqFixture } from "../fixtures/kafka";
import { ApiHarness } from "./helpers/api";
import { KAFKA_BROKER, uniqueName } from "./helpers/environment";
import { SCHEMA_REGISTRY_URL as REGISTRY, sr, registerSchema as register } from "../fixtures/schema-registry";

// Edit and replay of schema-encoded dead letters on the real Apicurio Registry and Kafka: the operator edits the
// decoded JSON, picks a registered version, and the copy is re-encoded in the Confluent wire format; read back
// by a plain kafkajs consumer that decodes with the registry client library @kafkajs/confluent-schema-registry
// (its own avsc / protobufjs / ajv and its own schema lookups, not the product's decoder).

const source = uniqueName("t-se-src");


const orderTopic = uniqueName("t-se-orders");
const subjects = { value: `${source}-value`, order: `${orderTopic}-value`, event: `${uniqueName("t-se-event")}-value` };

const v1 = {
  type: "record",
  name: "Payment",
  namespace: "redrive.edittest",
  fields: [
    { name: "id", type: "long" },
    { name: "amount", type: { type: "bytes", logicalType: "decimal", precision: 30, scale: 2 } },
    { name: "card", type: { type: "record", name: "Card", fields: [{ name: "number", type: "string" }] } },
    { name: "note", type: ["null", "string"], default: null },
  ],
};
// Backward compatible: a new field with a default.
const v2 = { ...v1, fields: [...v1.fields, { name: "merchant", type: "string", default: "unknown" }] };
const payment = { id: 9_223_372_036_854_775_807n, amount: Buffer.from(((1n << 72n) - 123456789012345678901n).toString(16).padStart(18, "0"), "hex"), card: { number: "4111111111111111" }, note: { string: "ünïcode ✓" } };
const paymentJson = '{"id":9223372036854775807,"amount":-1234567890123456789.01,"card":{"number":"4111111111111111"},"note":"ünïcode ✓"}';

const orderProto = 'syntax = "proto3";\npackage redrive.editorders;\nmessage Audit { string by = 1; }\nmessage Order {\n  uint64 id = 1;\n  int64 cents = 2;\n  string state = 3;\n}\n';
const eventSchema = JSON.stringify({ type: "object", properties: { type: { type: "string" }, sequence: { type: "integer" } }, required: ["type"] });

const ids = { v1: 0, v2: 0, order: 0, event: 0 };
let api: ApiHarness;
let editor: string;
let masked: string;
let dlq: DlqFixture;
let orders: DlqFixture;
let original: Buffer;
let orderBytes: Buffer;
let Order: protobuf.Type;

// The plain consumer's registry clients. avsc's default long (the library's) refuses values beyond 2^53, so
// longs are bigint, as a consumer of 64-bit ids configures it. The library reads a Protobuf value as the file's
// first message type (or the one named in its options) and writes or reads no message indexes
// (kafkajs/confluent-schema-registry#248): Order, the second message, is read with it named.
const library = new SchemaRegistry({ host: REGISTRY }, { [SchemaType.AVRO]: { typeHook: bigLongHook as never } });
const orderLibrary = new SchemaRegistry({ host: REGISTRY }, { [SchemaType.PROTOBUF]: { messageName: "Order" } });
const group = uniqueName("t-se-group");
let consumer: Consumer;
/** Every record the plain consumer has read, by `topic/partition:offset`. */
const consumed = new Map<string, Buffer>();

beforeAll(async () => {
  for (const subject of Object.values(subjects)) await sr("PUT", `/config/${encodeURIComponent(subject)}`, { compatibility: "BACKWARD" });
  ids.v1 = await register(subjects.value, JSON.stringify(v1));
  ids.v2 = await register(subjects.value, JSON.stringify(v2));
  ids.order = await register(subjects.order, orderProto, "PROTOBUF");
  ids.event = await register(subjects.event, eventSchema, "JSON");

  original = Buffer.from(confluentFrame(ids.v1, avroEncoder(v1).toBuffer(payment)));
  const root = protobuf.parse(orderProto, new protobuf.Root(), { keepCase: true }).root;
  Order = root.lookupType("redrive.editorders.Order");
  orderBytes = Buffer.from(confluentFrame(ids.order, Order.encode(Order.fromObject({ id: "18446744073709551615", cents: "-42", state: "" })).finish(), [1]));
  dlq = await kafkaDlqFixture({
    topic: source,
    partitions: 1,
    messages: [
      { key: "p-1", value: original },
      { key: "e-1", value: Buffer.from(confluentFrame(ids.event, Buffer.from('{"type":"paid","sequence":1}'))) },
    ],
  });
  orders = await kafkaDlqFixture({ topic: orderTopic, partitions: 1, messages: [{ key: "o-1", value: orderBytes }] });
  // A plain consumer on the two topics replays write to, from the beginning, in its own group.
  consumer = new Kafka({ clientId: "t-se-plain-consumer", brokers: [KAFKA_BROKER], logLevel: logLevel.NOTHING }).consumer({ groupId: group });
  await consumer.connect();
  await subscribeFromBeginning(consumer, [source, orderTopic]);
  void consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      consumed.set(`${topic}/${partition}:${message.offset}`, message.value!);
    },
  });

  api = await ApiHarness.start({
    kafka: [{ name: "local", brokers: [KAFKA_BROKER], schemaRegistry: { url: REGISTRY }, replay: { allowEdit: true } }],
    payloads: { readRoles: ["viewer", "operator", "admin"], masking: [{ path: "value.card.number", exemptRoles: ["admin"] }] },
  });
  // The admin is exempt from the card mask and edits; the operator may edit, but masks hide a field from it.
  editor = await api.tokenFor("admin");
  masked = await api.tokenFor("operator");
}, 120_000);

afterAll(async () => {
  await consumer?.disconnect().catch(() => undefined);
  await deleteKafka([KAFKA_BROKER], [], [group]).catch(() => undefined);
  await dlq?.cleanup().catch(() => undefined);
  await orders?.cleanup().catch(() => undefined);
  await api?.close();
  for (const subject of Object.values(subjects)) {
    await sr("DELETE", `/subjects/${encodeURIComponent(subject)}`).catch(() => undefined);
    await sr("DELETE", `/subjects/${encodeURIComponent(subject)}?permanent=true`).catch(() => undefined);
  }
});

const as = (token: string) => ({ authorization: `Bearer ${token}` });
const edit = (input: Record<string, unknown>, token = editor, at: DlqFixture = dlq) =>
  api.call("replay.edit", { kind: "mutation", input: { kind: "kafka", connection: "local", dlq: at.dlqTopic, id: "0:0", ...input }, headers: as(token) });
const errorOf = (response: { body: unknown }) => (response.body as { error: { json: { message: string } } }).error.json.message;

/** The replayed copy's value as the plain consumer read it from the topic. */
async function copyOf(response: { status: number; body: unknown }, topic = source): Promise<Buffer> {
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  const { targetPosition } = (response.body as { result: { data: { json: { targetPosition: string } } } }).result.data.json;
  const key = `${topic}/${targetPosition}`;
  for (const deadline = Date.now() + 20_000; !consumed.has(key); await new Promise((resolve) => setTimeout(resolve, 50))) {
    if (Date.now() > deadline) throw new Error(`the plain consumer has not read ${key}`);
  }
  return consumed.get(key)!;
}

/**
 * Framed Avro decoded by the library's registry.decode, and the registered version the library's own lookup
 * gives for the id in the frame (getRegistryId(subject, version) for each version of the subject).
 */
async function readBack(bytes: Buffer): Promise<{ schemaId: number; version: number; value: Record<string, unknown> }> {
  expect(bytes[0]).toBe(0);
  const schemaId = bytes.readInt32BE(1);
  const versions = await Promise.all([1, 2].map(async (version) => ({ version, id: await library.getRegistryId(subjects.value, version) })));
  const version = versions.find((v) => v.id === schemaId)?.version ?? 0;
  return { schemaId, version, value: (await library.decode(bytes)) as Record<string, unknown> };
}

async function lastAudit(): Promise<Record<string, unknown>> {
  const [row] = await api.store.db.select().from(auditLog).where(eq(auditLog.procedure, "replay.edit")).orderBy(desc(auditLog.id)).limit(1);
  return row as unknown as Record<string, unknown>;
}

describe("edit and replay of schema-encoded values", () => {
  it("replay.editable offers the decoded JSON and the subject's versions; a masked role may not edit", async () => {
    const editable = await api.data<{ value: string; valueIsJson: boolean; valueEditable: boolean; schema: Record<string, unknown> }>("replay.editable", {
      kind: "query",
      input: { kind: "kafka", connection: "local", dlq: dlq.dlqTopic, id: "0:0" },
      headers: as(editor),
    });
    expect(editable).toMatchObject({ value: paymentJson, valueIsJson: true, valueEditable: true });
    expect(editable.schema).toEqual({
      format: "avro",
      subject: subjects.value,
      schemaId: ids.v1,
      version: 1,
      versions: [
        { version: 2, schemaId: ids.v2, schemaType: "AVRO" },
        { version: 1, schemaId: ids.v1, schemaType: "AVRO" },
      ],
      note: null,
    });
    const hidden = await api.data<{ value: string | null; valueEditable: boolean; valueNote: string }>("replay.editable", { kind: "query", input: { kind: "kafka", connection: "local", dlq: dlq.dlqTopic, id: "0:0" }, headers: as(masked) });
    expect(hidden).toMatchObject({ value: null, valueEditable: false });
    expect(hidden.valueNote).toMatch(/Masking rules hide fields/);
  });

  it("unedited JSON re-encodes to the original bytes (refused as nothing edited); with v2 it is a real re-encode", async () => {
    // The product's own decode → encode, with the writer's schema fetched from the registry: the original bytes.
    const decoder = schemaDecoderFor(api.connections, "local")!;
    const decoded = await decoder.decode(original, new Map(), "value");
    expect(decoded).toMatchObject({ status: "decoded", json: paymentJson });
    expect(Buffer.from(await decoder.encode(await decoder.client.schemaById(ids.v1), paymentJson)).equals(original)).toBe(true);
    const protoDecoded = await decoder.decode(orderBytes, new Map(), "value");
    if (protoDecoded.status !== "decoded") throw new Error(protoDecoded.note);
    expect(Buffer.from(await decoder.encode(await decoder.client.schemaById(ids.order), protoDecoded.json, protoDecoded.messageType)).equals(orderBytes)).toBe(true);

    const same = await edit({ value: paymentJson });
    expect(errorOf(same)).toMatch(/Nothing was edited/);
    const sameV1 = await edit({ value: paymentJson, schemaVersion: 1 });
    expect(errorOf(sameV1)).toMatch(/Nothing was edited/);

    const asV2 = await readBack(await copyOf(await edit({ schemaVersion: 2 })));
    expect(asV2).toMatchObject({ schemaId: ids.v2, version: 2 });
    expect(asV2.value).toMatchObject({ id: 9_223_372_036_854_775_807n, card: { number: "4111111111111111" }, merchant: "unknown" });
  });

  it("an edited field re-encoded with v1 and with v2 reads back as edited, every digit kept; the audit row keeps the diff and the version", async () => {
    const edited = paymentJson.replace("-1234567890123456789.01", "98765432109876543210.99").replace('"ünïcode ✓"', "null");
    const withV1 = await readBack(await copyOf(await edit({ value: edited, note: "fix amount" })));
    expect(withV1).toMatchObject({ schemaId: ids.v1, version: 1 });
    expect(withV1.value.id).toBe(9_223_372_036_854_775_807n);
    expect(BigInt(`0x${(withV1.value.amount as Buffer).toString("hex")}`)).toBe(9876543210987654321099n);
    expect(withV1.value.note).toBeNull();

    const row = await lastAudit();
    expect(row.outcome).toBe("ok");
    const { diff } = (row.parameters as { details: { diff: { value: { before: string; after: string; changedPaths: string[] }; schema: unknown } } }).details;
    expect(diff.value.changedPaths).toEqual(["amount", "note"]);
    expect(diff.value.after).toBe(edited.replace("4111111111111111", "****"));
    expect(diff.schema).toEqual({ format: "avro", subject: subjects.value, from: { schemaId: ids.v1, version: 1 }, to: { schemaId: ids.v1, version: 1 } });
    // The diff in the audit log is masked for its least privileged reader.
    expect(JSON.stringify(row.parameters)).not.toContain("4111111111111111");

    const withV2 = await readBack(await copyOf(await edit({ value: edited.replace(/}$/, ',"merchant":"acme"}'), schemaVersion: 2 })));
    expect(withV2).toMatchObject({ schemaId: ids.v2, version: 2 });
    expect(withV2.value).toMatchObject({ id: 9_223_372_036_854_775_807n, merchant: "acme", note: null });
    expect((await lastAudit()).parameters).toMatchObject({ details: { diff: { schema: { from: { schemaId: ids.v1, version: 1 }, to: { schemaId: ids.v2, version: 2 } }, value: { changedPaths: ["amount", "note", "merchant"] } } } });
  });

  it("an edit that does not fit the chosen version is refused naming the field; an unknown version is refused", async () => {
    const badLong = await edit({ value: paymentJson.replace("9223372036854775807", '"x"') });
    expect(badLong.status).toBe(400);
    expect(errorOf(badLong)).toMatch(new RegExp(`does not fit ${subjects.value} v1 \\(schema id ${ids.v1}\\): id: expected a long`));
    const badScale = await edit({ value: paymentJson.replace("-1234567890123456789.01", "1.234") });
    expect(errorOf(badScale)).toMatch(/amount: 1.234 has more than 2 decimal places/);
    const extra = await edit({ value: paymentJson.replace(/}$/, ',"merchant":"acme"}'), schemaVersion: 1 });
    expect(errorOf(extra)).toMatch(/merchant: is not a field of redrive.edittest.Payment/);
    expect(errorOf(await edit({ schemaVersion: 9 }))).toMatch(/has no version 9/);
    const zod = await edit({ schemaVersion: 0 });
    expect(zod.status).toBe(400);
  });

  it("a role the masks do not exempt may not edit the decoded value", async () => {
    const refused = await edit({ value: paymentJson.replace("4111111111111111", "****").replace("9223372036854775807", "1") }, masked);
    expect(refused.status).toBe(412);
    expect(errorOf(refused)).toMatch(/Masking rules hide fields of this payload from your role/);
  });

  it("Protobuf: unedited round-trips to the bytes, an edit keeps the message indexes and int64 digits", async () => {
    const editable = await api.data<{ value: string }>("replay.editable", { kind: "query", input: { kind: "kafka", connection: "local", dlq: orders.dlqTopic, id: "0:0" }, headers: as(editor) });
    expect(editable.value).toBe('{"id":18446744073709551615,"cents":-42,"state":""}');
    expect(errorOf(await edit({ value: editable.value }, editor, orders))).toMatch(/Nothing was edited/);
    const copy = await copyOf(await edit({ value: '{"id":18446744073709551615,"cents":-9223372036854775808,"state":"paid"}' }, editor, orders), orderTopic);
    // Magic byte, the same schema id, message indexes [1] (count 1, index 1, zig-zag: 2 2), then the data.
    expect(copy.subarray(0, 7)).toEqual(Buffer.concat([orderBytes.subarray(0, 5), Buffer.from([2, 2])]));
    // The library, told the type, reads the data after the indexes with the schema it fetches for the id.
    const decoded = (await orderLibrary.decode(Buffer.concat([copy.subarray(0, 5), copy.subarray(7)]))) as protobuf.Message;
    expect(decoded.$type.fullName).toBe(".redrive.editorders.Order");
    expect(decoded.toJSON()).toEqual({ id: "18446744073709551615", cents: "-9223372036854775808", state: "paid" });
    expect(errorOf(await edit({ value: '{"id":1,"cents":"x"}' }, editor, orders))).toMatch(/cents: expected int64/);
  });

  it("JSON Schema: validated with ajv, the failing field named", async () => {
    expect(errorOf(await edit({ id: "0:1", value: '{"sequence":2}' }))).toMatch(/: type: must have required property/);
    expect(errorOf(await edit({ id: "0:1", value: '{"type":"paid","sequence":"two"}' }))).toMatch(/sequence: must be integer/);
    const copy = await copyOf(await edit({ id: "0:1", value: '{"type":"refunded","sequence":2}' }));
    expect(copy.readInt32BE(1)).toBe(ids.event);
    expect(copy.subarray(5).toString()).toBe('{"type":"refunded","sequence":2}');
    // The library validates it against the schema it fetches for the id as it decodes.
    expect(await library.decode(copy)).toEqual({ type: "refunded", sequence: 2 });
  });
});
