import { COMPATIBILITY, SchemaRegistry, SchemaType } from "@kafkajs/confluent-schema-registry";
import { Kafka, logLevel } from "kafkajs";
import Long from "long";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DlqMessageDetail, DlqMessageSummary } from "~/server/dlq/messages";
import { deleteKafka, kafkaDlqFixture, subscribeFromBeginning, type DlqFixture, type DlqFixtureMessage } from "../fixtures/kafka";
import { ApiHarness } from "./helpers/api";
import { KAFKA_BROKER, uniqueName } from "./helpers/environment";
import { SCHEMA_REGISTRY_URL as REGISTRY, sr } from "../fixtures/schema-registry";

// Issue #19, point 7: CEL matches on decoded fields exactly as a plain consumer with the registry's client
// would. The dead letters are registered and encoded with an independent implementation, the registry client
// library @kafkajs/confluent-schema-registry (its own avsc, protobufjs and ajv, none of Redrive's decoding
// code), written to the real Kafka and read back twice:
// - by a plain consumer: a kafkajs consumer in its own group that decodes every key and value with the
//   library's registry.decode and evaluates each predicate as plain JavaScript over what the library gives;
// - by Redrive: the same predicates as CEL through the real dlq.scan procedures.
// The matched message ids must be the same sets, and the decoded JSON in dlq.message equals the library's
// decoded value once the known representation differences (listed where they are normalised) are accounted for.
//
// What the library cannot do is excluded explicitly, never silently (see `excluded`):
// - Protobuf message indexes: the library writes none (its encode frames `0, id, data`) and decodes every
//   Protobuf value as the first message type of the file after trimming leading zero bytes
//   (kafkajs/confluent-schema-registry#152, #248). The Order values below are framed with Confluent's [0]
//   index byte (which the library's trim skips); Refund values use index [1], which the library cannot read.
// - Values exactly as the library's own encode writes them (no message index at all) are not Confluent's wire
//   format: Redrive reads them as the schema's first message and flags the framing, as the library reads them.
//   Kept in the topic, excluded from the CEL comparison, compared on their own.

const source = uniqueName("t-pc-src");
const subjects = {
  key: `${source}-key`,
  payment: `${source}-value`,
  money: uniqueName("t-pc-money"),
  order: uniqueName("t-pc-order"),
  event: uniqueName("t-pc-event"),
};


// --- the schemas -------------------------------------------------------------------------------------------
const keySchema = { type: "record", name: "PaymentKey", namespace: "redrive.plaintest", fields: [{ name: "region", type: "string" }, { name: "shard", type: "int" }] };
const paymentSchema = {
  type: "record",
  name: "Payment",
  namespace: "redrive.plaintest",
  fields: [
    { name: "id", type: "long" },
    { name: "amount", type: { type: "bytes", logicalType: "decimal", precision: 12, scale: 2 } },
    { name: "createdAt", type: { type: "long", logicalType: "timestamp-millis" } },
    { name: "card", type: { type: "record", name: "Card", fields: [{ name: "number", type: "string" }, { name: "brand", type: { type: "enum", name: "Brand", symbols: ["VISA", "MASTERCARD", "AMEX"] } }] } },
    { name: "note", type: ["null", "string"], default: null },
    { name: "tags", type: { type: "array", items: "string" } },
  ],
};
const moneyProto = 'syntax = "proto3";\npackage redrive.plaincommon;\nmessage Money {\n  string currency = 1;\n  int64 units = 2;\n  int32 nanos = 3;\n}\n';
// Two messages: Order is index [0], Refund [1]. The enum is declared last: the library takes the first thing
// the file declares as its message type.
const orderProto = `syntax = "proto3";
package redrive.plainorders;
import "common/money.proto";
message Order {
  uint64 order_id = 1;
  redrive.plaincommon.Money total = 2;
  State state = 3;
  optional string coupon = 4;
  oneof payment {
    string card = 5;
    string iban = 6;
  }
  repeated string items = 7;
  map<string, int64> attributes = 8;
}
message Refund {
  string reason = 1;
  int64 cents = 2;
}
enum State {
  STATE_UNKNOWN = 0;
  NEW = 1;
  PAID = 2;
  REFUNDED = 3;
}
`;
const eventSchema = JSON.stringify({
  type: "object",
  properties: {
    type: { type: "string" },
    sequence: { type: "integer" },
    source: { type: "object", properties: { system: { type: "string" }, region: { type: "string" } } },
    priority: { enum: ["low", "high"] },
  },
  required: ["type", "sequence"],
});

// --- the records -------------------------------------------------------------------------------------------
const AVRO = 150;
const ORDERS = 100;
const EVENTS = 90;
const REFUNDS = 4;
const UNFRAMED = 3;
const PARTITIONS = 3;
const REGIONS = ["eu", "us", "apac"];
const BRANDS = ["VISA", "MASTERCARD", "AMEX"];
const TWO_53 = 9_007_199_254_740_992n;

const keyOf = (i: number) => ({ region: REGIONS[(i >> 1) % 3]!, shard: i % 5 });

/** Big-endian two's complement, as Avro's decimal bytes (what a producer with avsc hands the library). */
function decimalBytes(unscaled: bigint): Buffer {
  let hex = (unscaled < 0n ? (1n << 64n) + unscaled : unscaled).toString(16).padStart(16, "0");
  while (hex.length > 2 && (hex.startsWith("00") ? Number.parseInt(hex.slice(2, 4), 16) < 0x80 : hex.startsWith("ff") && Number.parseInt(hex.slice(2, 4), 16) >= 0x80)) hex = hex.slice(2);
  return Buffer.from(hex, "hex");
}
function unscaledOf(bytes: Buffer): bigint {
  const n = BigInt(`0x${bytes.toString("hex") || "0"}`);
  return bytes.length > 0 && bytes[0]! & 0x80 ? n - (1n << BigInt(bytes.length * 8)) : n;
}
/** The exact decimal text of unscaled × 10^-2, e.g. -1234n → "-12.34". */
function centsText(unscaled: bigint): string {
  const digits = (unscaled < 0n ? -unscaled : unscaled).toString().padStart(3, "0");
  return `${unscaled < 0n ? "-" : ""}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

function payment(i: number) {
  let cents = BigInt(((i * 7717) % 600_000) - 50_000);
  // Every tenth an integral amount ("150.00" is an integer once parsed: CEL compares it as an int).
  if (i % 10 === 0) cents = (cents / 100n) * 100n;
  // On the threshold of the first predicate, and just above it.
  if (i === 7) cents = 100_00n;
  if (i === 8) cents = 100_01n;
  const brand = BRANDS[i % 3]!;
  const number = brand === "AMEX" ? `${i % 2 ? "37" : "34"}${String(i).padStart(13, "0")}` : `${brand === "VISA" ? "4" : "5"}${String(i).padStart(15, "0")}`;
  return {
    id: 9_007_199_254_740_000 + i * 3,
    amount: decimalBytes(cents),
    // A few before 1970 (negative milliseconds, rendered with a floor, not a truncation).
    createdAt: i % 37 === 5 ? -i * 86_400_000 - 1 : Date.UTC(2026, 0, 1) + i * 3 * 86_400_000 + i * 1234,
    card: { number, brand },
    note: i % 4 === 0 ? null : i % 4 === 1 ? "retry later" : i % 4 === 2 ? `manual retry #${i}` : "ok",
    tags: i % 5 === 0 ? ["vip", "eu"] : i % 5 === 1 ? [] : ["standard"],
  };
}

function order(j: number) {
  return {
    // Beyond 2^53: a double would round these, a CEL int or a Long keeps them.
    orderId: Long.fromString((TWO_53 + BigInt(j)).toString(), true),
    ...(j % 10 === 9 ? {} : { total: { currency: ["EUR", "USD", "GBP"][j % 3]!, units: j % 17 === 0 ? Long.MIN_VALUE : Long.fromNumber(((j * 37) % 400) - 150), nanos: (j * 1_000_003) % 1_000_000_000 } }),
    state: j % 4,
    // Proto3 optional: unset, explicitly empty (present), or a value.
    ...(j % 3 === 0 ? {} : { coupon: j % 3 === 1 ? "" : `SPRING${j}` }),
    ...(j % 5 === 0 ? {} : j % 5 < 3 ? { card: `4111${String(j).padStart(12, "0")}` } : { iban: `DE89370400440532${String(j).padStart(6, "0")}` }),
    items: j % 4 === 0 ? ["gift", "book"] : j % 4 === 1 ? [] : ["book"],
    attributes: j % 3 === 2 ? {} : { risk: Long.fromNumber((j * 31) % 100), ...(j % 2 ? { retries: Long.fromNumber(j % 4) } : {}) },
  };
}

function event(k: number) {
  return {
    type: ["order.created", "order.paid", "payment.failed"][k % 3]!,
    sequence: 1000 + k * 13,
    ...(k % 4 === 0 ? {} : { source: { system: k % 2 ? "billing" : "ledger", region: REGIONS[k % 3]! } }),
    ...(k % 5 === 0 ? {} : { priority: k % 2 ? "high" : "low" }),
  };
}

// --- the predicates ----------------------------------------------------------------------------------------
// Each as CEL (Redrive) and as plain JavaScript over what the library's decode returns (`v` the value, `k` the
// key). The JavaScript reads the library's own representation: Avro longs and timestamp-millis as numbers,
// decimals as Buffers; Protobuf field names camelCased (it parses without keepCase), 64-bit integers as Long,
// enums as numbers, unset fields as the prototype's defaults, the set oneof member named by the oneof's getter.
/** What the library's decode returns (its d.ts says any): read as plain JavaScript would. */
type Decoded = Awaited<ReturnType<SchemaRegistry["decode"]>>;
const isPayment = (v: Decoded) => Buffer.isBuffer(v.amount);
const isOrder = (v: Decoded) => Long.isLong(v.orderId);
const stateName = (v: Decoded) => (v.$type.fields.state.resolvedType.valuesById as Record<number, string>)[v.state as number];
const big = (x: unknown) => (Long.isLong(x) ? BigInt((x as Long).toString()) : BigInt(x as number));

const predicates: Array<{ name: string; cel: string; js: (v: Decoded, k: Decoded) => boolean }> = [
  { name: "Avro decimal above a number", cel: "record.value.amount > 100", js: (v) => isPayment(v) && unscaledOf(v.amount) > 100_00n },
  { name: "Avro decimal below zero and a nested enum", cel: 'record.value.amount < 0.0 && record.value.card.brand == "VISA"', js: (v) => isPayment(v) && unscaledOf(v.amount) < 0n && v.card.brand === "VISA" },
  { name: "nested enum and startsWith", cel: 'record.value.card.brand == "AMEX" && record.value.card.number.startsWith("37")', js: (v) => isPayment(v) && v.card.brand === "AMEX" && v.card.number.startsWith("37") },
  { name: "optional union, contains", cel: 'record.value.note != null && record.value.note.contains("retry")', js: (v) => isPayment(v) && v.note !== null && v.note.includes("retry") },
  { name: "Avro array membership", cel: '"vip" in record.value.tags', js: (v) => isPayment(v) && v.tags.includes("vip") },
  { name: "Avro long (an id near 2^53)", cel: "record.value.id % 2 == 0 && record.value.id > 9007199254740100", js: (v) => isPayment(v) && v.id % 2 === 0 && v.id > 9_007_199_254_740_100 },
  { name: "Avro timestamp-millis before 1970", cel: 'timestamp(record.value.createdAt) < timestamp("1970-01-01T00:00:00Z")', js: (v) => isPayment(v) && v.createdAt < 0 },
  {
    name: "Avro timestamp-millis",
    cel: 'timestamp(record.value.createdAt) >= timestamp("2026-06-01T00:00:00Z")',
    // The library gives epoch milliseconds; Redrive renders the logical type as ISO-8601 text.
    js: (v) => isPayment(v) && v.createdAt >= Date.parse("2026-06-01T00:00:00Z"),
  },
  { name: "Protobuf uint64 beyond 2^53", cel: "record.value.order_id > 9007199254741041", js: (v) => isOrder(v) && big(v.orderId) > 9_007_199_254_741_041n },
  {
    name: "Protobuf imported message: string and int64",
    cel: 'record.value.total.currency == "EUR" && record.value.total.units < 0',
    js: (v) => isOrder(v) && v.total !== null && v.total.currency === "EUR" && big(v.total.units) < 0n,
  },
  { name: "Protobuf int64 minimum", cel: "record.value.total.units == -9223372036854775808", js: (v) => isOrder(v) && v.total !== null && big(v.total.units) === -(2n ** 63n) },
  { name: "Protobuf enum by name", cel: 'record.value.state == "PAID"', js: (v) => isOrder(v) && stateName(v) === "PAID" },
  { name: "Protobuf enum left at its default", cel: 'record.value.state == "STATE_UNKNOWN"', js: (v) => isOrder(v) && stateName(v) === "STATE_UNKNOWN" },
  { name: "Protobuf oneof member set", cel: "has(record.value.iban)", js: (v) => isOrder(v) && v.payment === "iban" },
  // An explicitly written "" is present; unset, the library leaves the prototype's null.
  { name: "Protobuf proto3 optional present", cel: "has(record.value.coupon)", js: (v) => isOrder(v) && v.coupon !== null },
  { name: "Protobuf map entry (int64 values)", cel: 'has(record.value.attributes.risk) && record.value.attributes.risk >= 50', js: (v) => isOrder(v) && v.attributes.risk !== undefined && big(v.attributes.risk) >= 50n },
  { name: "Protobuf map key present", cel: '"retries" in record.value.attributes', js: (v) => isOrder(v) && "retries" in v.attributes },
  { name: "Protobuf repeated membership", cel: '"gift" in record.value.items', js: (v) => isOrder(v) && v.items.includes("gift") },
  { name: "JSON Schema string and integer", cel: 'record.value.type.startsWith("order.") && record.value.sequence % 7 == 0', js: (v) => typeof v.type === "string" && v.type.startsWith("order.") && v.sequence % 7 === 0 },
  { name: "JSON Schema optional nested object", cel: 'has(record.value.source) && record.value.source.system == "billing"', js: (v) => typeof v.type === "string" && v.source !== undefined && v.source.system === "billing" },
  { name: "decoded Avro key", cel: 'record.key.region == "eu" && record.key.shard >= 3', js: (_v, k) => k.region === "eu" && k.shard >= 3 },
  // CEL's `||` absorbs the error of a field a record lacks when the other side is true; otherwise no match.
  { name: "key or value, across formats", cel: 'record.key.region == "apac" || record.value.amount > 5000', js: (v, k) => k.region === "apac" || (isPayment(v) && unscaledOf(v.amount) > 5000_00n) },
];

// --- the run -----------------------------------------------------------------------------------------------
const registry = new SchemaRegistry({ host: REGISTRY });
// The library picks a Protobuf message type only by name, for every Protobuf schema the client reads.
const refundRegistry = new SchemaRegistry({ host: REGISTRY }, { [SchemaType.PROTOBUF]: { messageName: "Refund" } });
const ids = { key: 0, payment: 0, money: 0, order: 0, event: 0 };
const kinds = new Map<string, "payment" | "order" | "refund" | "unframed" | "event">();
/** Which payment(n), order(n), event(n)... a message id holds. */
const ordinals = new Map<string, number>();
const excluded = new Set<string>();
const plain = new Map<string, { key: Decoded; value: Decoded }>();
let total = 0;
let dlq: DlqFixture;
let api: ApiHarness;
let operator: string;
const group = uniqueName("t-pc-group");

beforeAll(async () => {
  // Apicurio's ccompat default is NONE; each subject is held to BACKWARD before the library registers (it checks).
  for (const subject of Object.values(subjects)) await sr("PUT", `/config/${encodeURIComponent(subject)}`, { compatibility: "BACKWARD" });
  const opts = (subject: string) => ({ subject, compatibility: COMPATIBILITY.BACKWARD });
  ids.key = (await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(keySchema) }, opts(subjects.key))).id;
  ids.payment = (await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(paymentSchema) }, opts(subjects.payment))).id;
  ids.money = (await registry.register({ type: SchemaType.PROTOBUF, schema: moneyProto }, opts(subjects.money))).id;
  ids.order = (await registry.register({ type: SchemaType.PROTOBUF, schema: orderProto, references: [{ name: "common/money.proto", subject: subjects.money, version: 1 }] }, opts(subjects.order))).id;
  ids.event = (await registry.register({ type: SchemaType.JSON, schema: eventSchema }, opts(subjects.event))).id;

  // Interleaved formats over three partitions.
  const values: Array<{ kind: "payment" | "order" | "refund" | "unframed" | "event"; n: number; value: Buffer }> = [];
  for (let n = 0; n < Math.max(AVRO, ORDERS, EVENTS); n++) {
    if (n < AVRO) values.push({ kind: "payment", n, value: await registry.encode(ids.payment, payment(n)) });
    if (n < ORDERS) {
      // The library writes `0, id, data`; Confluent's Protobuf framing has the message indexes before the data:
      // [0] is the single byte 0.
      const bytes = await registry.encode(ids.order, order(n));
      values.push({ kind: "order", n, value: Buffer.concat([bytes.subarray(0, 5), Buffer.of(0), bytes.subarray(5)]) });
    }
    if (n < EVENTS) values.push({ kind: "event", n, value: await registry.encode(ids.event, event(n)) });
    if (n < REFUNDS) {
      // Refund is index [1] (count 1, index 1, zig-zag: 02 02); the library encodes the data, the test frames it.
      const bytes = await refundRegistry.encode(ids.order, { reason: n % 2 ? "duplicate charge" : "fraud", cents: Long.fromString(`-${n}9223372036854775`) });
      values.push({ kind: "refund", n, value: Buffer.concat([bytes.subarray(0, 5), Buffer.of(2, 2), bytes.subarray(5)]) });
    }
    if (n < UNFRAMED) values.push({ kind: "unframed", n, value: await registry.encode(ids.order, { ...order(n), orderId: Long.fromNumber(7 + n, true) }) });
  }
  const messages: DlqFixtureMessage[] = [];
  for (const [i, { value }] of values.entries()) messages.push({ key: await registry.encode(ids.key, keyOf(i)), value, dlt: { partition: i % PARTITIONS } });
  dlq = await kafkaDlqFixture({ topic: source, partitions: PARTITIONS, messages });
  total = messages.length;
  // Offsets follow the send order within each partition.
  const next = Array.from({ length: PARTITIONS }, () => 0);
  for (const [i, { kind, n }] of values.entries()) {
    const id = `${i % PARTITIONS}:${next[i % PARTITIONS]!++}`;
    kinds.set(id, kind);
    ordinals.set(id, n);
    if (kind === "refund" || kind === "unframed") excluded.add(id);
  }

  // The plain consumer: its own group, from the beginning, every key and value through registry.decode.
  const consumer = new Kafka({ clientId: "t-plain-consumer", brokers: [KAFKA_BROKER], logLevel: logLevel.NOTHING }).consumer({ groupId: group });
  await consumer.connect();
  try {
    await subscribeFromBeginning(consumer, [dlq.dlqTopic]);
    const read = new Set<string>();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the plain consumer read ${read.size} of ${total} records`)), 30_000);
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          const id = `${partition}:${message.offset}`;
          read.add(id);
          if (!excluded.has(id)) plain.set(id, { key: await registry.decode(message.key!), value: await registry.decode(message.value!) });
          if (read.size === total) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }

  api = await ApiHarness.start({
    kafka: [{ name: "local", brokers: [KAFKA_BROKER], schemaRegistry: { url: REGISTRY } }],
    payloads: { readRoles: ["viewer", "operator", "admin"], masking: [] },
  });
  operator = await api.tokenFor("operator");
}, 120_000);

afterAll(async () => {
  await dlq?.cleanup().catch(() => undefined);
  await deleteKafka([KAFKA_BROKER], [], [group]).catch(() => undefined);
  await api?.close();
  // Referencing subjects first: the registry refuses to delete a schema something still references.
  for (const subject of [subjects.order, subjects.money, subjects.payment, subjects.key, subjects.event]) {
    await sr("DELETE", `/subjects/${encodeURIComponent(subject)}`).catch(() => undefined);
    await sr("DELETE", `/subjects/${encodeURIComponent(subject)}?permanent=true`).catch(() => undefined);
  }
});

const as = (token: string) => ({ authorization: `Bearer ${token}` });
const detail = (id: string) => api.data<DlqMessageDetail>("dlq.message", { kind: "query", input: { kind: "kafka", connection: "local", dlq: dlq.dlqTopic, id }, headers: as(operator) });

async function search(expression: string): Promise<string[]> {
  const { id } = await api.data<{ id: string }>("dlq.scan.start", { kind: "mutation", input: { kind: "kafka", connection: "local", dlq: dlq.dlqTopic, expression, limit: 10_000 }, headers: as(operator) });
  let status: { status: string; error: string | null; scanned: number; matches: DlqMessageSummary[] };
  do {
    await new Promise((resolve) => setTimeout(resolve, 50));
    status = await api.data("dlq.scan.status", { kind: "query", input: { id }, headers: as(operator) });
  } while (status.status === "running");
  expect(status).toMatchObject({ status: "done", error: null, scanned: total });
  return status.matches.map((m) => m.id);
}

const sorted = (ids: Iterable<string>) => [...ids].sort();

// Redrive's decoded JSON with every number as its exact text: integers as bigint, others as "#<digits>".
function exact(json: string): unknown {
  return JSON.parse(json, (_key, value: unknown, context?: { source?: string }) => {
    if (typeof value !== "number") return value;
    const text = context!.source!;
    return /^-?\d+$/.test(text) ? BigInt(text) : `#${text}`;
  });
}

describe("CEL over decoded fields matches a plain consumer using the registry's client library", () => {
  it("every predicate selects exactly the records the plain consumer's JavaScript selects", async () => {
    expect(plain.size).toBe(total - excluded.size);
    const counts: Record<string, number> = {};
    for (const { name, cel, js } of predicates) {
      const expected = sorted([...plain].filter(([, r]) => js(r.value, r.key)).map(([id]) => id));
      // The test can fail: each predicate selects some records, never all.
      expect(expected.length, name).toBeGreaterThan(0);
      expect(expected.length, name).toBeLessThan(plain.size);
      const matched = await search(cel);
      expect(sorted(matched.filter((id) => !excluded.has(id))), `${name}: ${cel}`).toEqual(expected);
      counts[name] = expected.length;
    }
    console.info(`plain consumer vs CEL over ${total} records (${excluded.size} excluded):`, counts);
  });

  it("the decoded JSON of the detail equals the library's decoded value (representation differences normalised)", async () => {
    // Every seventh record, and the edge cases: pre-1970 timestamps, the decimals on the threshold, Orders
    // without a total.
    const edge = (id: string, n: number) => (kinds.get(id) === "payment" && (n % 37 === 5 || n === 7 || n === 8)) || (kinds.get(id) === "order" && n % 10 === 9);
    const sample = sorted(plain.keys()).filter((id, at) => at % 7 === 0 || edge(id, ordinals.get(id)!));
    expect(sample.filter((id) => edge(id, ordinals.get(id)!))).toHaveLength(4 + 2 + 10);
    const seen = new Set<string>();
    for (const id of sample) {
      const { key, value } = plain.get(id)!;
      const { schemas } = await detail(id);
      expect(schemas.key, id).toMatchObject({ status: "decoded", format: "avro", schemaId: ids.key });
      // Avro int: a number from the library, an integer in the JSON.
      expect(exact(schemas.key!.json!), id).toEqual({ region: key.region, shard: BigInt(key.shard as number) });
      const kind = kinds.get(id)!;
      seen.add(kind);
      const redrive = exact(schemas.value!.json!) as Record<string, unknown>;
      if (kind === "payment") {
        expect(schemas.value).toMatchObject({ status: "decoded", format: "avro", schemaId: ids.payment, subject: subjects.payment, version: 1 });
        expect(redrive, id).toEqual({
          // avsc's default long is a JS number (exact below 2^53, where these ids are); the JSON keeps the digits.
          id: BigInt(value.id as number),
          // The library leaves the decimal as its bytes; Redrive writes the exact number with the scale's digits.
          amount: `#${centsText(unscaledOf(value.amount))}`,
          // timestamp-millis: epoch milliseconds from the library, ISO-8601 in the JSON.
          createdAt: new Date(value.createdAt as number).toISOString(),
          card: { ...value.card },
          note: value.note,
          tags: value.tags,
        });
      } else if (kind === "order") {
        expect(schemas.value).toMatchObject({ status: "decoded", format: "protobuf", schemaId: ids.order, messageType: "redrive.plainorders.Order" });
        // The library's message rendered by its own protobufjs with every field (as Redrive writes them: unset
        // fields at their default, oneof members and proto3 optionals only when set), 64-bit integers as
        // strings and enums by name; its names are camelCased (parsed without keepCase), Redrive keeps the .proto's.
        const rendered: unknown = value.$type.toObject(value, { longs: String, enums: String, defaults: true });
        expect(snakeToCamel(redrive), id).toEqual(rendered);
      } else {
        expect(schemas.value).toMatchObject({ status: "decoded", format: "json-schema", schemaId: ids.event, validation: { validated: true, valid: true } });
        // JSON Schema: the same JSON; the library's numbers are doubles (all integers here, below 2^53).
        expect(redrive, id).toEqual(exact(JSON.stringify(value)));
      }
    }
    expect(seen).toEqual(new Set(["payment", "order", "event"]));
  });

  it("excluded, as the library cannot read them: Refund (message index [1]) decodes as Refund in Redrive", async () => {
    const refunds = sorted([...kinds].filter(([, k]) => k === "refund").map(([id]) => id));
    expect(refunds).toHaveLength(REFUNDS);
    for (const id of refunds) {
      const [partition, offset] = id.split(":").map(Number) as [number, number];
      const [record] = await api.connections.kafka.get("local")!.readRecords(dlq.dlqTopic, partition, offset);
      const bytes = Buffer.from(record!.value!);
      // The library ignores the indexes: it reads the index bytes and the Refund as the file's first type, Order,
      // and fails (protobufjs: "invalid wire type").
      await expect(registry.decode(bytes)).rejects.toThrow(/wire type/);
      // Told the type by name and handed the data without the indexes, the library reads the Refund Redrive shows.
      const refund: Decoded = await refundRegistry.decode(Buffer.concat([bytes.subarray(0, 5), bytes.subarray(7)]));
      const { schemas } = await detail(id);
      expect(schemas.value).toMatchObject({ status: "decoded", messageType: "redrive.plainorders.Refund" });
      expect(exact(schemas.value!.json!)).toEqual({ reason: refund.reason, cents: big(refund.cents) });
    }
    const matched = await search('record.value.reason == "fraud"');
    expect(sorted(matched)).toEqual(sorted(refunds.filter((_, n) => n % 2 === 0)));
  });

  it("values exactly as the library encodes Protobuf (no message index): Redrive reads them as the library does, and flags the framing", async () => {
    const unframed = sorted([...kinds].filter(([, k]) => k === "unframed").map(([id]) => id));
    expect(unframed).toHaveLength(UNFRAMED);
    const readByLibrary: string[] = [];
    const readByRedrive: string[] = [];
    for (const id of unframed) {
      const [partition, offset] = id.split(":").map(Number) as [number, number];
      const [record] = await api.connections.kafka.get("local")!.readRecords(dlq.dlqTopic, partition, offset);
      // The library reads back what it wrote.
      readByLibrary.push(((await registry.decode(Buffer.from(record!.value!))) as Decoded).orderId.toString());
      const { schemas } = await detail(id);
      // Not readable by the Confluent rule (the data's first bytes would be message indexes): read as the schema's
      // first message instead, and the detail says the framing is not Confluent's.
      expect(schemas.value, id).toMatchObject({ status: "decoded", schemaId: ids.order, note: expect.stringMatching(/without Confluent message indexes/) });
      readByRedrive.push(String((JSON.parse(schemas.value!.json!) as { order_id: number | string }).order_id));
    }
    expect(readByLibrary.sort()).toEqual(["7", "8", "9"]);
    expect(readByRedrive.sort()).toEqual(readByLibrary);
  });
});

/** The 64-bit integer fields of these .proto files (rendered as strings). */
const LONG_FIELDS = new Set(["order_id", "units", "cents", "risk", "retries"]);

/** .proto names as the library's protobufjs.parse (without keepCase) gives them; 64-bit integers as strings. */
function snakeToCamel(value: unknown, field = ""): unknown {
  if (typeof value === "bigint") return LONG_FIELDS.has(field) ? value.toString() : Number(value);
  if (Array.isArray(value)) return value.map((v) => snakeToCamel(v, field));
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()), snakeToCamel(v, k)]));
}
