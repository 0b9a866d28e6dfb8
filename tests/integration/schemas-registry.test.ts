import http from "node:http";
import net from "node:net";
import { Kafka, logLevel, type IHeaders } from "kafkajs";
import protobuf from "protobufjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schemaRegistryConfigSchema } from "~/server/schemas/config";
import { SchemaDecoder, type DecodedPayload, type PayloadDecoding } from "~/server/schemas/decode";
import { SchemaRegistryClient } from "~/server/schemas/registry-client";
import { confluentFrame } from "~/server/schemas/wire-format";
import { avroEncoder } from "../fixtures/avro-bigint";
import { KAFKA_BROKER, uniqueName } from "./helpers/environment";
import { SCHEMA_REGISTRY_URL as REGISTRY, sr, registerSchema as register } from "../fixtures/schema-registry";
import { waitUntilHosted } from "../fixtures/kafka";

// Dead letters in the Confluent wire format and with Apicurio's id headers, written to the real Kafka with
// schemas registered in the real Apicurio Registry of the local stack (scripts/stack-registry.mjs), decoded by
// Redrive to exactly what was encoded; then the registry's compatibility verdicts, and a registry that is
// stopped or does not answer (bytes and a note, never an exception).

const NATIVE = REGISTRY.replace(/\/apis\/ccompat\/v\d+$/, "/apis/registry/v3");
const run = uniqueName("sr");
const topic = run;
const subjects = {
  avroValue: `${run}-value`,
  avroCopy: `${run}-copy-value`,
  avroKey: `${run}-key`,
  money: `${run}-money`,
  order: `${run}-order-value`,
  json: `${run}-event-value`,
};



// --- the schemas -------------------------------------------------------------------------------------------
const paymentSchema = {
  type: "record",
  name: "Payment",
  namespace: "redrive.test",
  fields: [
    { name: "id", type: "long" },
    { name: "amount", type: { type: "bytes", logicalType: "decimal", precision: 30, scale: 2 } },
    { name: "at", type: { type: "long", logicalType: "timestamp-micros" } },
    { name: "day", type: { type: "int", logicalType: "date" } },
    { name: "note", type: ["null", "string"], default: null },
    { name: "refund", type: ["null", "long"], default: null },
  ],
};
const payment = {
  id: 9_223_372_036_854_775_807n,
  // -123456789012345678901 as 9 big-endian two's-complement bytes.
  amount: Buffer.from(((1n << 72n) - 123456789012345678901n).toString(16).padStart(18, "0"), "hex"),
  at: 1_764_500_000_123_456n,
  day: 20_422,
  note: { string: "ünïcode ✓" },
  refund: { long: -9_007_199_254_740_993n },
};
const paymentJson =
  '{"id":9223372036854775807,"amount":-1234567890123456789.01,"at":"2025-11-30T10:53:20.123456Z","day":"2025-11-30","note":"ünïcode ✓","refund":-9007199254740993}';

const moneyProto = 'syntax = "proto3";\npackage redrive.common;\nmessage Money {\n  string currency = 1;\n  int64 units = 2;\n  sint32 nanos = 3;\n}\n';
const orderProto = `syntax = "proto3";
package redrive.orders;
import "common/money.proto";
message Audit { string by = 1; }
message Order {
  uint64 id = 1;
  redrive.common.Money total = 2;
  repeated sfixed64 refs = 3;
  message Line { string sku = 1; int64 qty = 2; }
  repeated Line lines = 4;
}
`;
const eventSchema = JSON.stringify({
  $schema: "http://json-schema.org/draft-07/schema#",
  type: "object",
  required: ["type", "sequence"],
  properties: { type: { type: "string" }, sequence: { type: "integer" } },
});
const eventText = '{"type":"order.paid","sequence":123456789012345678901234567890}';

const ids: Record<keyof typeof subjects, number> = { avroValue: 0, avroCopy: 0, avroKey: 0, money: 0, order: 0, json: 0 };
let copyGlobalId = 0;
const consumed: Array<{ key: Buffer | null; value: Buffer | null; headers: Map<string, Uint8Array | null> }> = [];
const kafka = new Kafka({ clientId: "schemas-test", brokers: [KAFKA_BROKER], logLevel: logLevel.NOTHING });

function headerMap(headers: IHeaders | undefined): Map<string, Uint8Array | null> {
  const map = new Map<string, Uint8Array | null>();
  for (const [name, value] of Object.entries(headers ?? {})) map.set(name, value === undefined ? null : Buffer.isBuffer(value) ? value : Buffer.from(String(value)));
  return map;
}

const PRODUCED = 5;

/** Apicurio's length-delimited `Ref { string name = 1; }`. */
const apicurioRef = (name: string) => {
  const bytes = Buffer.from(name);
  return Buffer.concat([Buffer.of(bytes.length + 2, 0x0a, bytes.length), bytes]);
};

const long8 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(n));
  return b;
};

beforeAll(async () => {
  try {
    await sr("GET", "/subjects");
  } catch (error) {
    throw new Error(`the schema registry is not reachable at ${REGISTRY} (start it: node scripts/stack.mjs up): ${(error as Error).message}`);
  }
  ids.avroValue = await register(subjects.avroValue, JSON.stringify(paymentSchema));
  // The same content under a second subject: the same content id, a new global id.
  ids.avroCopy = await register(subjects.avroCopy, JSON.stringify(paymentSchema));
  copyGlobalId = (await (await fetch(`${NATIVE}/groups/default/artifacts/${subjects.avroCopy}/versions/1`)).json()).globalId;
  ids.avroKey = await register(subjects.avroKey, '"long"');
  ids.money = await register(subjects.money, moneyProto, "PROTOBUF");
  ids.order = await register(subjects.order, orderProto, "PROTOBUF", [{ name: "common/money.proto", subject: subjects.money, version: 1 }]);
  ids.json = await register(subjects.json, eventSchema, "JSON");
  // Apicurio's ccompat default is NONE: say what the verdicts below are measured against.
  for (const subject of [subjects.avroValue, subjects.order, subjects.json]) await sr("PUT", `/config/${encodeURIComponent(subject)}`, { compatibility: "BACKWARD" });

  const root = new protobuf.Root();
  protobuf.parse(moneyProto, root, { keepCase: true });
  protobuf.parse(orderProto, root, { keepCase: true });
  root.resolveAll();
  const Order = root.lookupType("redrive.orders.Order");
  const order = Order.encode(
    Order.fromObject({
      id: "18446744073709551615",
      total: { currency: "EUR", units: "-9223372036854775808", nanos: -999999999 },
      refs: ["-1", "9007199254740993"],
      lines: [{ sku: "A-1", qty: "9223372036854775807" }],
    }),
  ).finish();

  const avroValue = avroEncoder(paymentSchema).toBuffer(payment);
  const avroKey = avroEncoder({ type: "long" }).toBuffer(-9_223_372_036_854_775_808n);
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await Promise.all([admin.connect(), producer.connect()]);
  try {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] });
    await waitUntilHosted([topic]);
    await producer.send({
      topic,
      acks: -1,
      messages: [
        { key: Buffer.from(confluentFrame(ids.avroKey, avroKey)), value: Buffer.from(confluentFrame(ids.avroValue, avroValue)) },
        { key: "order-1", value: Buffer.from(confluentFrame(ids.order, order, [1])) },
        { key: null, value: Buffer.from(confluentFrame(ids.json, new TextEncoder().encode(eventText))) },
        // Apicurio's serdes with headers enabled: the ids in headers, the bodies bare.
        { key: avroKey, value: avroValue, headers: { "apicurio.value.globalId": long8(copyGlobalId), "apicurio.key.contentId": long8(ids.avroKey) } },
        // Apicurio's Protobuf serde without headers: the same framing, a Ref naming the type instead of indexes.
        { key: null, value: Buffer.from(confluentFrame(ids.order, Buffer.concat([apicurioRef("Order"), order]))) },
      ],
    });
  } finally {
    await Promise.all([admin.disconnect(), producer.disconnect()]);
  }
  const consumer = kafka.consumer({ groupId: uniqueName("sr-group") });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${consumed.length} of ${PRODUCED} records consumed`)), 30_000);
    void consumer.run({
      eachMessage: async ({ message }) => {
        consumed.push({ key: message.key, value: message.value, headers: headerMap(message.headers) });
        if (consumed.length === PRODUCED) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
}, 120_000);

afterAll(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
  // Referencing subjects first: the registry refuses to delete a schema something still references.
  for (const subject of [subjects.order, subjects.money, subjects.avroValue, subjects.avroCopy, subjects.avroKey, subjects.json]) {
    await sr("DELETE", `/subjects/${encodeURIComponent(subject)}`).catch(() => undefined);
    await sr("DELETE", `/subjects/${encodeURIComponent(subject)}?permanent=true`).catch(() => undefined);
  }
});

const client = () => new SchemaRegistryClient(schemaRegistryConfigSchema.parse({ url: REGISTRY }));
const decoded = (result: PayloadDecoding): DecodedPayload => {
  if (result.status !== "decoded") throw new Error(`not decoded: ${result.status}: ${result.note}`);
  return result;
};

describe("decoding through the registry", () => {
  it("Avro in the Confluent wire format, key and value: logical types and 64-bit integers exactly as encoded", async () => {
    const registry = client();
    const decoder = new SchemaDecoder(registry);
    const record = consumed[0]!;
    const value = decoded(await decoder.decode(record.value, record.headers, "value", { topic }));
    expect(value).toMatchObject({ format: "avro", schemaId: ids.avroValue, idSource: "confluent", subject: subjects.avroValue, version: 1, json: paymentJson });
    expect(JSON.parse(value.schema)).toEqual(paymentSchema);
    // The same content is registered under two subjects: both are listed, the topic's own is named.
    expect(value.subjects.map((s) => s.subject).sort()).toEqual([subjects.avroCopy, subjects.avroValue].sort());
    const elsewhere = decoded(await new SchemaDecoder(registry).decode(record.value, record.headers, "value", { topic: "another-topic" }));
    expect(elsewhere.subject).toBeUndefined();
    const key = decoded(await decoder.decode(record.key, record.headers, "key", { topic }));
    expect(key).toMatchObject({ format: "avro", schemaId: ids.avroKey, subject: subjects.avroKey, json: "-9223372036854775808" });
    registry.close();
  });

  const orderJson =
    '{"id":18446744073709551615,"total":{"currency":"EUR","units":-9223372036854775808,"nanos":-999999999},' +
    '"refs":[-1,9007199254740993],"lines":[{"sku":"A-1","qty":9223372036854775807}]}';

  it("Protobuf with an import and message indexes: the second message of the file, int64/uint64 exact", async () => {
    const registry = client();
    const record = consumed[1]!;
    const value = decoded(await new SchemaDecoder(registry).decode(record.value, record.headers, "value"));
    expect(value).toMatchObject({
      format: "protobuf",
      schemaId: ids.order,
      subject: subjects.order,
      messageType: "redrive.orders.Order",
      references: [{ name: "common/money.proto", subject: subjects.money, version: 1 }],
      json: orderJson,
    });
    // Apicurio's framing of the same message (a Ref instead of indexes) decodes to the same value.
    const apicurio = decoded(await new SchemaDecoder(registry).decode(consumed[4]!.value, consumed[4]!.headers, "value"));
    expect(apicurio).toMatchObject({ messageType: "redrive.orders.Order", json: orderJson });
    // A plain string key is no schema encoding: said so, bytes kept.
    expect(await new SchemaDecoder(registry).decode(record.key, record.headers, "key")).toMatchObject({ status: "not-schema-encoded", bytes: record.key });
    registry.close();
  });

  it("JSON Schema: the text as written (a 30-digit integer intact) with the writer schema's verdict", async () => {
    const registry = client();
    const record = consumed[2]!;
    const value = decoded(await new SchemaDecoder(registry).decode(record.value, record.headers, "value"));
    expect(value).toMatchObject({ format: "json-schema", schemaId: ids.json, subject: subjects.json, json: eventText, validation: { validated: true, valid: true, errors: [] } });
    registry.close();
  });

  it("Apicurio's header-carried ids: a global id mapped to its content (and subject), a content id directly", async () => {
    expect(copyGlobalId).not.toBe(ids.avroCopy); // the fixture really has a global id that is not the content id
    const registry = client();
    const decoder = new SchemaDecoder(registry);
    const record = consumed[3]!;
    const value = decoded(await decoder.decode(record.value, record.headers, "value"));
    expect(value).toMatchObject({ idSource: "apicurio-globalId", globalId: String(copyGlobalId), schemaId: ids.avroValue, subject: subjects.avroCopy, version: 1, json: paymentJson });
    const key = decoded(await decoder.decode(record.key, record.headers, "key"));
    expect(key).toMatchObject({ idSource: "apicurio-contentId", schemaId: ids.avroKey, json: "-9223372036854775808" });
    registry.close();
  });
});

describe("the registry's own API", () => {
  it("versions, latest, and the compatibility verdict (BACKWARD set explicitly) on a breaking and a safe change", async () => {
    const registry = client();
    expect(await registry.versions(subjects.avroValue)).toEqual([1]);
    expect(await registry.subjectVersion(subjects.avroValue, "latest")).toMatchObject({ id: ids.avroValue, version: 1, schemaType: "AVRO" });
    const breaking = { ...paymentSchema, fields: [...paymentSchema.fields, { name: "merchant", type: "string" }] };
    const safe = { ...paymentSchema, fields: [...paymentSchema.fields, { name: "merchant", type: ["null", "string"], default: null }] };
    expect(await registry.checkCompatibility(subjects.avroValue, "latest", { schema: JSON.stringify(breaking), schemaType: "AVRO", references: [] })).toMatchObject({ compatible: false });
    expect(await registry.checkCompatibility(subjects.avroValue, 1, { schema: JSON.stringify(safe), schemaType: "AVRO", references: [] })).toMatchObject({ compatible: true });
    await expect(registry.schemaById(2_000_000_000)).rejects.toMatchObject({ kind: "not-found", status: 404 });
    registry.close();
  });
});

describe("a registry that is stopped or slow", () => {
  it("stopped (nothing on the port): every key and value comes back as its bytes with a note", async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const registry = new SchemaRegistryClient(schemaRegistryConfigSchema.parse({ url: `http://127.0.0.1:${port}/apis/ccompat/v7` }));
    const decoder = new SchemaDecoder(registry);
    for (const record of consumed.slice(0, 3)) {
      const value = await decoder.decode(record.value, record.headers, "value");
      expect(value.status).toBe("registry-unavailable");
      expect(value.status !== "decoded" && value.note).toMatch(/schema registry unavailable/);
      expect(value.status !== "decoded" && Buffer.compare(Buffer.from(value.bytes!), record.value!)).toBe(0);
    }
    registry.close();
  });

  it("slow (accepts, never answers): the per-request timeout turns it into a note within the timeout", async () => {
    const sockets = new Set<net.Socket>();
    const silent = http.createServer(() => undefined);
    silent.on("connection", (s) => sockets.add(s));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as net.AddressInfo;
    const registry = new SchemaRegistryClient(schemaRegistryConfigSchema.parse({ url: `http://127.0.0.1:${port}`, timeoutMs: 300 }));
    const started = Date.now();
    const value = await new SchemaDecoder(registry).decode(consumed[0]!.value, consumed[0]!.headers, "value");
    const elapsed = Date.now() - started;
    expect(value).toMatchObject({ status: "registry-unavailable", schemaId: ids.avroValue });
    expect(value.status !== "decoded" && value.note).toMatch(/no answer within 300 ms/);
    expect(elapsed).toBeLessThan(2000);
    registry.close();
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });
});
