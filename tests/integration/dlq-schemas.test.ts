import http from "node:http";
import type net from "node:net";
import protobuf from "protobufjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatJsonText } from "~/server/lib/json-text";
import { decodeBytes, handleExport, type ExportLine } from "~/server/dlq/export";
import type { DlqMessageDetail, DlqMessageSummary } from "~/server/dlq/messages";
import type { FailureGroup } from "~/server/dlq/groups";
import type { SchemaEvolution } from "~/server/dlq/schema-evolution";
import { confluentFrame } from "~/server/schemas/wire-format";
import { avroEncoder } from "../fixtures/avro-bigint";
import { kafkaDlqFixture, type DlqFixture } from "../fixtures/kafka";
import { ApiHarness } from "./helpers/api";
import { KAFKA_BROKER, uniqueName } from "./helpers/environment";
import { SCHEMA_REGISTRY_URL as REGISTRY, sr, registerSchema as register } from "../fixtures/schema-registry";

// Dead letters written through the real Apicurio Registry (Confluent wire format) on the real Kafka, read back
// through the DLQ page's own tRPC procedures: the page, the detail, a CEL search and the export show the
// decoded values exactly as encoded; masking rules reach decoded fields; a registry that is stopped gives the
// bytes and a note, never a failed page; replay writes the original bytes.

const source = uniqueName("t-sr-src");


const subjects = { value: `${source}-value`, key: `${source}-key`, money: `${uniqueName("t-sr-money")}`, order: `${uniqueName("t-sr-order")}`, event: `${uniqueName("t-sr-event")}` };

const paymentSchema = {
  type: "record",
  name: "Payment",
  namespace: "redrive.dlqtest",
  fields: [
    { name: "id", type: "long" },
    { name: "amount", type: { type: "bytes", logicalType: "decimal", precision: 30, scale: 2 } },
    { name: "card", type: { type: "record", name: "Card", fields: [{ name: "number", type: "string" }] } },
    { name: "note", type: ["null", "string"], default: null },
  ],
};
const payment = (id: bigint, card: string) => ({
  id,
  // -1234567890123456789.01 as 9 big-endian two's-complement bytes.
  amount: Buffer.from(((1n << 72n) - 123456789012345678901n).toString(16).padStart(18, "0"), "hex"),
  card: { number: card },
  note: { string: "ünïcode ✓" },
});
const paymentJson = (id: string, card: string) => `{"id":${id},"amount":-1234567890123456789.01,"card":{"number":"${card}"},"note":"ünïcode ✓"}`;

const moneyProto = 'syntax = "proto3";\npackage redrive.dlqcommon;\nmessage Money {\n  string currency = 1;\n  int64 units = 2;\n}\n';
const orderProto = `syntax = "proto3";
package redrive.dlqorders;
import "common/money.proto";
message Audit { string by = 1; }
message Order {
  uint64 id = 1;
  redrive.dlqcommon.Money total = 2;
}
`;
const orderJson = '{"id":18446744073709551615,"total":{"currency":"EUR","units":-9223372036854775808}}';
const eventSchema = JSON.stringify({ type: "object", properties: { type: { type: "string" }, sequence: { type: "integer" } } });
const eventText = '{"type":"order.paid","sequence":123456789012345678901234567890}';

const ids = { value: 0, key: 0, order: 0, event: 0 };
let api: ApiHarness;
let viewer: string;
let operator: string;
let dlq: DlqFixture;
let avroValues: Buffer[] = [];
let deadRegistry: http.Server;
const deadSockets = new Set<net.Socket>();
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  ids.value = await register(subjects.value, JSON.stringify(paymentSchema));
  ids.key = await register(subjects.key, '"long"');
  await register(subjects.money, moneyProto, "PROTOBUF");
  ids.order = await register(subjects.order, orderProto, "PROTOBUF", [{ name: "common/money.proto", subject: subjects.money, version: 1 }]);
  ids.event = await register(subjects.event, eventSchema, "JSON");

  const root = new protobuf.Root();
  protobuf.parse(moneyProto, root, { keepCase: true });
  protobuf.parse(orderProto, root, { keepCase: true });
  root.resolveAll();
  const Order = root.lookupType("redrive.dlqorders.Order");
  const order = Order.encode(Order.fromObject({ id: "18446744073709551615", total: { currency: "EUR", units: "-9223372036854775808" } })).finish();
  const avro = avroEncoder(paymentSchema);
  avroValues = [payment(9_223_372_036_854_775_807n, "4111111111111111"), payment(42n, "5500000000000004")].map((p) => Buffer.from(confluentFrame(ids.value, avro.toBuffer(p))));
  const avroKey = Buffer.from(confluentFrame(ids.key, avroEncoder({ type: "long" }).toBuffer(-9_223_372_036_854_775_808n)));

  dlq = await kafkaDlqFixture({
    topic: source,
    partitions: 1,
    messages: [
      { key: avroKey, value: avroValues[0]!, dlt: { exceptionClass: "org.apache.kafka.common.errors.SerializationException", message: "Error deserializing Avro message for id 1" } },
      { key: "p-42", value: avroValues[1]! },
      { key: "order-1", value: Buffer.from(confluentFrame(ids.order, order, [1])) },
      { key: null, value: Buffer.from(confluentFrame(ids.event, new TextEncoder().encode(eventText))) },
      { key: "plain", value: '{"plain":true,"id":7}' },
    ],
  });
  cleanups.push(dlq.cleanup);

  // A registry that accepts connections and never answers: every request hits the timeout.
  deadRegistry = http.createServer(() => undefined);
  deadRegistry.on("connection", (s) => deadSockets.add(s));
  await new Promise<void>((resolve) => deadRegistry.listen(0, "127.0.0.1", resolve));
  const deadPort = (deadRegistry.address() as net.AddressInfo).port;

  api = await ApiHarness.start({
    kafka: [
      { name: "local", brokers: [KAFKA_BROKER], schemaRegistry: { url: REGISTRY } },
      { name: "dead", brokers: [KAFKA_BROKER], schemaRegistry: { url: `http://127.0.0.1:${deadPort}/apis/ccompat/v7`, timeoutMs: 300, auth: { type: "bearer", token: "s3cret-registry-token" } } },
    ],
    payloads: {
      readRoles: ["viewer", "operator", "admin"],
      masking: [
        { path: "value.card.number", exemptRoles: ["operator", "admin"] },
        { path: "key.customer.email", exemptRoles: ["operator", "admin"] },
      ],
    },
  });
  viewer = await api.tokenFor("viewer");
  operator = await api.tokenFor("operator");
}, 120_000);

afterAll(async () => {
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  await api?.close();
  for (const s of deadSockets) s.destroy();
  if (deadRegistry) await new Promise((resolve) => deadRegistry.close(resolve));
  for (const subject of [subjects.order, subjects.money, subjects.value, subjects.key, subjects.event]) {
    await sr("DELETE", `/subjects/${encodeURIComponent(subject)}`).catch(() => undefined);
    await sr("DELETE", `/subjects/${encodeURIComponent(subject)}?permanent=true`).catch(() => undefined);
  }
});

const as = (token: string) => ({ authorization: `Bearer ${token}` });
const page = (token: string, connection = "local") =>
  api.data<{ messages: DlqMessageSummary[] }>("dlq.kafkaMessages", { kind: "query", input: { connection, topic: dlq.dlqTopic, order: "oldest" }, headers: as(token) });
const message = (token: string, id: string, connection = "local") =>
  api.data<DlqMessageDetail>("dlq.message", { kind: "query", input: { kind: "kafka", connection, dlq: dlq.dlqTopic, id }, headers: as(token) });

async function search(token: string, expression: string, connection = "local"): Promise<string[]> {
  const { id } = await api.data<{ id: string }>("dlq.scan.start", { kind: "mutation", input: { kind: "kafka", connection, dlq: dlq.dlqTopic, expression }, headers: as(token) });
  let status: { status: string; error: string | null; matches: DlqMessageSummary[] };
  do {
    await new Promise((resolve) => setTimeout(resolve, 50));
    status = await api.data("dlq.scan.status", { kind: "query", input: { id }, headers: as(token) });
  } while (status.status === "running");
  expect(status).toMatchObject({ status: "done", error: null });
  return status.matches.map((m) => m.id);
}

describe("the DLQ page decodes through the connection's schema registry", () => {
  it("the page lists decoded previews with the schema of each value; plain JSON records read as before", async () => {
    const { messages } = await page(operator);
    expect(messages.map((m) => m.id)).toEqual(["0:0", "0:1", "0:2", "0:3", "0:4"]);
    expect(messages[0]!.valuePreview).toBe(formatJsonText(paymentJson("9223372036854775807", "4111111111111111")));
    expect(messages[0]!.keyPreview).toBe("-9223372036854775808");
    expect(messages[0]!.valueSchema).toEqual({ status: "decoded", format: "avro", schemaId: ids.value, subject: subjects.value, version: 1, note: null });
    expect(messages[2]!.valueSchema).toMatchObject({ format: "protobuf", schemaId: ids.order, subject: subjects.order });
    expect(messages[3]!.valueSchema).toMatchObject({ format: "json-schema", schemaId: ids.event });
    expect(messages[4]!).toMatchObject({ valueSchema: null, valuePreview: formatJsonText('{"plain":true,"id":7}'), valueEncoding: "json" });
  });

  it("the detail shows each format decoded exactly, with subject, version, id, type and the writer's schema; the bytes are untouched", async () => {
    const avro = await message(operator, "0:0");
    expect(avro.schemas.value).toMatchObject({
      status: "decoded",
      format: "avro",
      schemaId: ids.value,
      subject: subjects.value,
      version: 1,
      idSource: "confluent",
      json: paymentJson("9223372036854775807", "4111111111111111"),
      truncated: false,
    });
    expect(JSON.parse(avro.schemas.value!.schema!)).toEqual(paymentSchema);
    expect(avro.schemas.key).toMatchObject({ format: "avro", schemaId: ids.key, subject: subjects.key, json: "-9223372036854775808" });
    // The encoded bytes are still shown as they are (binary), for an unmasked role.
    expect(avro.value).toMatchObject({ encoding: "binary", size: avroValues[0]!.length, hex: avroValues[0]!.toString("hex") });

    const proto = await message(operator, "0:2");
    expect(proto.schemas.value).toMatchObject({ format: "protobuf", messageType: "redrive.dlqorders.Order", json: orderJson, references: [{ name: "common/money.proto", subject: subjects.money, version: 1 }] });
    const json = await message(operator, "0:3");
    expect(json.schemas.value).toMatchObject({ format: "json-schema", json: eventText, validation: { validated: true, valid: true } });
    const plain = await message(operator, "0:4");
    expect(plain.schemas).toEqual({ key: null, value: null });
  });

  it("masking rules apply to decoded fields, and the encoded bytes are withheld from a masked role", async () => {
    const detail = await message(viewer, "0:0");
    expect(JSON.parse(detail.schemas.value!.json!)).toMatchObject({ card: { number: "****" }, note: "ünïcode ✓" });
    // Precision survives masking: the long and the decimal keep every digit.
    expect(detail.schemas.value!.json).toContain('"id":9223372036854775807,"amount":-1234567890123456789.01');
    expect(detail.value).toBeNull();
    const { messages } = await page(viewer);
    expect(messages[0]!.valuePreview).toMatch(/"number": "\*\*\*\*"/);
    expect(messages[0]!.valuePreview).not.toContain("4111");
  });

  it("a decoded Avro key is masked by a key. rule, not by the value rule of the same field name", async () => {
    const topic = uniqueName("t-sr-keyed");
    const keySchema = {
      type: "record",
      name: "CustomerKey",
      namespace: "redrive.dlqtest",
      fields: [
        { name: "customer", type: { type: "record", name: "Customer", fields: [{ name: "email", type: "string" }] } },
        { name: "card", type: { type: "record", name: "KeyCard", fields: [{ name: "number", type: "string" }] } },
      ],
    };
    const keyId = await register(`${topic}-key`, JSON.stringify(keySchema));
    cleanups.push(() => sr("DELETE", `/subjects/${encodeURIComponent(`${topic}-key`)}`).then(() => sr("DELETE", `/subjects/${encodeURIComponent(`${topic}-key`)}?permanent=true`)));
    const key = Buffer.from(confluentFrame(keyId, avroEncoder(keySchema).toBuffer({ customer: { email: "a@b.c" }, card: { number: "5500" } })));
    const keyed = await kafkaDlqFixture({ topic, partitions: 1, messages: [{ key, value: '{"card":{"number":"4111"}}' }] });
    cleanups.push(keyed.cleanup);
    const shown = async (token: string) => {
      const detail = await api.data<DlqMessageDetail>("dlq.message", { kind: "query", input: { kind: "kafka", connection: "local", dlq: keyed.dlqTopic, id: "0:0" }, headers: as(token) });
      const { messages } = await api.data<{ messages: DlqMessageSummary[] }>("dlq.kafkaMessages", { kind: "query", input: { connection: "local", topic: keyed.dlqTopic }, headers: as(token) });
      const exported = await handleExport(new Request(`http://redrive.test/api/dlq/export?kind=kafka&connection=local&dlq=${keyed.dlqTopic}&ids=0:0`, { headers: as(token) }), { db: api.store.db, connections: api.connections });
      const line = JSON.parse(await exported.text()) as ExportLine;
      return { detail, preview: messages[0]!.keyPreview, exported: line.decoded?.key?.json, value: JSON.parse(detail.value!.text!) as unknown };
    };
    const masked = await shown(viewer);
    // The key's card.number is not masked: "value.card.number" names the value's field only.
    expect(JSON.parse(masked.detail.schemas.key!.json!)).toEqual({ customer: { email: "****" }, card: { number: "5500" } });
    expect(JSON.parse(masked.exported!)).toEqual({ customer: { email: "****" }, card: { number: "5500" } });
    expect(JSON.parse(masked.preview!)).toEqual({ customer: { email: "****" }, card: { number: "5500" } });
    expect(masked.detail.key).toBeNull();
    expect(masked.value).toEqual({ card: { number: "****" } });
    const exempt = await shown(operator);
    expect(JSON.parse(exempt.detail.schemas.key!.json!)).toEqual({ customer: { email: "a@b.c" }, card: { number: "5500" } });
    expect(JSON.parse(exempt.exported!)).toEqual({ customer: { email: "a@b.c" }, card: { number: "5500" } });
    expect(exempt.detail.key).toMatchObject({ encoding: "binary", hex: key.toString("hex") });
    expect(exempt.value).toEqual({ card: { number: "4111" } });
  });

  it("CEL filters read the decoded value as record.value: 64-bit ids, nested Protobuf fields, JSON Schema text", async () => {
    expect(await search(operator, "record.value.id == 9223372036854775807")).toEqual(["0:0"]);
    expect(await search(operator, 'record.value.total.currency == "EUR" && record.value.total.units < -9223372036854775807')).toEqual(["0:2"]);
    expect(await search(operator, 'record.value.card.number.startsWith("55")')).toEqual(["0:1"]);
    expect(await search(operator, "has(record.value.sequence)")).toEqual(["0:3"]);
    expect(await search(operator, 'record.key == "-9223372036854775808"')).toEqual(["0:0"]);
    expect(await search(operator, "record.value.plain == true")).toEqual(["0:4"]);
    // A masked role filters on the masked value, as it sees it.
    expect(await search(viewer, 'record.value.card.number.startsWith("55")')).toEqual([]);
    expect(await search(viewer, 'record.value.card.number == "****"')).toEqual(["0:0", "0:1"]);
  });

  it("a filtered bulk replay selects on decoded fields, as the search does", async () => {
    const draft = await api.data<{ total: number; dryRun: { matched: number; sample: { id: string; preview: string | null }[] } }>("replayJobs.dryRun", {
      kind: "mutation",
      input: { kind: "kafka", connection: "local", dlq: dlq.dlqTopic, selection: { source: "filter", expression: "record.value.id == 9223372036854775807" } },
      headers: as(operator),
    });
    expect(draft.total).toBe(1);
    expect(draft.dryRun.sample.map((s) => s.id)).toEqual(["0:0"]);
    expect(draft.dryRun.sample[0]!.preview).toContain("9223372036854775807");
  });

  it("the export carries the decoded values beside the exact bytes", async () => {
    const response = await handleExport(new Request(`http://redrive.test/api/dlq/export?kind=kafka&connection=local&dlq=${dlq.dlqTopic}&ids=0:0,0:2`, { headers: as(operator) }), {
      db: api.store.db,
      connections: api.connections,
    });
    expect(response.status).toBe(200);
    const lines = (await response.text()).split("\n").filter(Boolean).map((l) => JSON.parse(l) as ExportLine);
    expect(Buffer.compare(decodeBytes(lines[0]!.value)!, avroValues[0]!)).toBe(0);
    expect(lines[0]!.decoded?.value).toMatchObject({ status: "decoded", format: "avro", schemaId: ids.value, json: paymentJson("9223372036854775807", "4111111111111111") });
    expect(lines[1]!.decoded?.value).toMatchObject({ format: "protobuf", json: orderJson });
    // A masked role gets the masked decoded value and no encoded bytes.
    const masked = await handleExport(new Request(`http://redrive.test/api/dlq/export?kind=kafka&connection=local&dlq=${dlq.dlqTopic}&ids=0:0`, { headers: as(viewer) }), {
      db: api.store.db,
      connections: api.connections,
    });
    const [line] = (await masked.text()).split("\n").filter(Boolean).map((l) => JSON.parse(l) as ExportLine);
    expect(line!.value).toBeNull();
    expect(line!.decoded?.value?.json).toContain('"number":"****"');
  });

  it("a registry that does not answer never fails the page: bytes and a note, and the token is in no note", async () => {
    const started = Date.now();
    const { messages } = await page(operator, "dead");
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(messages[0]!.valueSchema).toMatchObject({ status: "registry-unavailable", schemaId: ids.value });
    expect(messages[0]!.valueSchema!.note).toMatch(/schema registry unavailable/);
    expect(messages[0]!.valuePreview).toBe(`0x${avroValues[0]!.subarray(0, 160).toString("hex")}`);
    expect(messages[4]!.valuePreview).toBe(formatJsonText('{"plain":true,"id":7}'));
    const detail = await message(operator, "0:0", "dead");
    expect(detail.schemas.value).toMatchObject({ status: "registry-unavailable", json: null });
    expect(detail.value).toMatchObject({ encoding: "binary", hex: avroValues[0]!.toString("hex") });
    expect(JSON.stringify([messages, detail])).not.toContain("s3cret-registry-token");
    // A search over the silent registry still runs: the plain JSON record matches, the encoded ones are bytes.
    expect(await search(operator, "record.value.plain == true", "dead")).toEqual(["0:4"]);
  });

  it("a registry stopped mid-browse: what was read before still decodes (schemas by id are cached), a new id gives bytes and a note", async () => {
    // A forwarding proxy in front of the real registry, stopped half-way through.
    const upstream = new URL(REGISTRY);
    const sockets = new Set<net.Socket>();
    const proxy = http.createServer((req, res) => {
      const forward = http.request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: { ...req.headers, host: upstream.host } }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      forward.on("error", () => res.destroy());
      req.pipe(forward);
    });
    proxy.on("connection", (s) => sockets.add(s));
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    const port = (proxy.address() as net.AddressInfo).port;
    const browse = await ApiHarness.start({
      kafka: [{ name: "proxied", brokers: [KAFKA_BROKER], schemaRegistry: { url: `http://127.0.0.1:${port}${upstream.pathname}`, timeoutMs: 500 } }],
      payloads: { readRoles: ["viewer", "operator", "admin"], masking: [] },
    });
    try {
      const token = await browse.tokenFor("viewer");
      const list = () =>
        browse.data<{ messages: DlqMessageSummary[] }>("dlq.kafkaMessages", { kind: "query", input: { connection: "proxied", topic: dlq.dlqTopic, order: "oldest", limit: 2 }, headers: as(token) });
      const before = await list();
      expect(before.messages.map((m) => m.valueSchema?.status)).toEqual(["decoded", "decoded"]);

      for (const s of sockets) s.destroy();
      await new Promise((resolve) => proxy.close(resolve));

      const again = await list();
      expect(again.messages.map((m) => m.valueSchema?.status)).toEqual(["decoded", "decoded"]);
      const rest = await browse.data<{ messages: DlqMessageSummary[] }>("dlq.kafkaMessages", {
        kind: "query",
        input: { connection: "proxied", topic: dlq.dlqTopic, order: "oldest", seekOffset: 2, limit: 3 },
        headers: as(token),
      });
      expect(rest.messages.map((m) => m.id)).toEqual(["0:2", "0:3", "0:4"]);
      expect(rest.messages[0]!.valueSchema).toMatchObject({ status: "registry-unavailable", schemaId: ids.order });
      expect(rest.messages[0]!.valueSchema!.note).toMatch(/schema registry unavailable/);
      expect(rest.messages[0]!.valuePreview).toMatch(/^0x00/);
      expect(rest.messages[2]!.valueSchema).toBeNull();
    } finally {
      await browse.close();
      if (proxy.listening) await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it("replay writes the original encoded bytes, not the decoded JSON", async () => {
    const response = await api.call("replay.one", { kind: "mutation", input: { connection: "local", kind: "kafka", dlq: dlq.dlqTopic, id: "0:1" }, headers: as(operator) });
    expect(response.status).toBe(200);
    const result = (response.body as { result: { data: { json: { targetPosition: string } } } }).result.data.json;
    const [partition, offset] = result.targetPosition.split(":").map(Number) as [number, number];
    const [copy] = await api.connections.kafka.get("local")!.readRecords(source, partition, offset);
    expect(Buffer.compare(copy!.value!, avroValues[1]!)).toBe(0);
    expect(copy!.key!.toString()).toBe("p-42");
  });
});

describe("schema evolution, where it breaks", () => {
  it("failure groups split by the schema id the values were written with", async () => {
    const result = await api.data<{ groups: FailureGroup[] }>("dlq.groups", { kind: "query", input: { kind: "kafka", connection: "local", dlq: dlq.dlqTopic, groupBy: "schema" }, headers: as(viewer) });
    const rows = result.groups.map((g) => [g.exceptionClass, g.schemaId, g.count]);
    expect(rows).toEqual(
      expect.arrayContaining([
        ["org.apache.kafka.common.errors.SerializationException", ids.value, 1],
        ["demo.FixtureError", ids.value, 1],
        ["demo.FixtureError", ids.order, 1],
        ["demo.FixtureError", ids.event, 1],
        ["demo.FixtureError", null, 1],
      ]),
    );
    expect(rows).toHaveLength(5);
    const plain = await api.data<{ groups: FailureGroup[] }>("dlq.groups", { kind: "query", input: { kind: "kafka", connection: "local", dlq: dlq.dlqTopic }, headers: as(viewer) });
    expect(plain.groups.map((g) => [g.exceptionClass, g.schemaId, g.count])).toEqual([
      ["demo.FixtureError", null, 4],
      ["org.apache.kafka.common.errors.SerializationException", null, 1],
    ]);
  });

  it("a breaking change (a required field without a default): the writer's schema beside the latest, the diff and the registry's verdict", async () => {
    // Apicurio's ccompat default is NONE; the breaking version is registered under NONE (as a careless deploy
    // would), then the subject is held to BACKWARD, and the verdict is asked under it.
    await sr("PUT", `/config/${encodeURIComponent(subjects.value)}`, { compatibility: "NONE" });
    const breaking = { ...paymentSchema, fields: [...paymentSchema.fields, { name: "merchant", type: "string" }] };
    const latestId = await register(subjects.value, JSON.stringify(breaking));
    await sr("PUT", `/config/${encodeURIComponent(subjects.value)}`, { compatibility: "BACKWARD" });

    const evolution = await api.data<SchemaEvolution>("dlq.schemaEvolution", { kind: "query", input: { connection: "local", dlq: dlq.dlqTopic, id: "0:0" }, headers: as(viewer) });
    expect(evolution).toMatchObject({
      schemaFailure: true,
      status: "compared",
      writer: { id: ids.value, subject: subjects.value, version: 1, schemaType: "AVRO" },
      latest: { id: latestId, subject: subjects.value, version: 2 },
      writtenWithLatest: false,
      changes: [{ kind: "default-missing", path: "Payment.merchant", from: null, to: "string" }],
      compatibility: { level: "BACKWARD", compatible: false },
    });
    expect(JSON.parse(evolution.latest!.schema)).toEqual(breaking);

    // A dead letter whose failure is no schema error is still compared, and says so.
    const other = await api.data<SchemaEvolution>("dlq.schemaEvolution", { kind: "query", input: { connection: "local", dlq: dlq.dlqTopic, id: "0:1" }, headers: as(viewer) });
    expect(other).toMatchObject({ schemaFailure: false, status: "compared" });
    // A plain JSON dead letter has no schema to compare.
    const plain = await api.data<SchemaEvolution>("dlq.schemaEvolution", { kind: "query", input: { connection: "local", dlq: dlq.dlqTopic, id: "0:4" }, headers: as(viewer) });
    expect(plain).toMatchObject({ status: "not-schema-encoded", writer: null });
    // A registry that does not answer: a note, not an error.
    const dead = await api.data<SchemaEvolution>("dlq.schemaEvolution", { kind: "query", input: { connection: "dead", dlq: dlq.dlqTopic, id: "0:0" }, headers: as(viewer) });
    expect(dead).toMatchObject({ status: "registry-unavailable" });
    expect(dead.note).toMatch(/no answer within 300 ms/);
  });
});
