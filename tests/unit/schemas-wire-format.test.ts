import net from "node:net";
import type avro from "avsc";
import Long from "long";
import protobuf from "protobufjs";
import { describe, expect, it } from "vitest";
import { avroDecoder } from "~/server/schemas/avro";
import { schemaRegistryConfigSchema } from "~/server/schemas/config";
import { SchemaDecoder } from "~/server/schemas/decode";
import { decimalText, toJsonText, twosComplement } from "~/server/schemas/json-text";
import { jsonSchemaDecoder } from "~/server/schemas/json-schema";
import { Lru } from "~/server/schemas/lru";
import { protobufDecoder } from "~/server/schemas/protobuf";
import { SchemaRegistryClient } from "~/server/schemas/registry-client";
import { avroEncoder } from "../fixtures/avro-bigint";
import { confluentFrame, encodeMessageIndexes, headerId, locateSchema, parseConfluentHeader, readApicurioRef, readMessageIndexes } from "~/server/schemas/wire-format";

const long8 = (n: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(n);
  return b;
};

describe("Confluent framing", () => {
  it("reads the magic byte and the 4-byte big-endian id", () => {
    expect(parseConfluentHeader(Uint8Array.of(0, 0, 0, 1, 2, 9))).toEqual({ schemaId: 258, dataOffset: 5 });
    expect(parseConfluentHeader(Uint8Array.of(0, 0x7f, 0xff, 0xff, 0xff))).toEqual({ schemaId: 2147483647, dataOffset: 5 });
  });

  it("is not framing: another first byte, too short, or an id that is not positive", () => {
    expect(parseConfluentHeader(Uint8Array.of(1, 0, 0, 0, 1, 5))).toBeNull();
    expect(parseConfluentHeader(Uint8Array.of(0, 0, 0, 1))).toBeNull();
    expect(parseConfluentHeader(Uint8Array.of(0, 0, 0, 0, 0, 5))).toBeNull();
    expect(parseConfluentHeader(Uint8Array.of(0, 0xff, 0xff, 0xff, 0xff))).toBeNull();
    expect(parseConfluentHeader(new TextEncoder().encode('{"id":1}'))).toBeNull();
  });

  it("frames data the way it reads it back, at an offset inside a larger buffer too", () => {
    const framed = confluentFrame(77, Uint8Array.of(9, 8), [2, 1]);
    const inside = new Uint8Array(framed.length + 3);
    inside.set(framed, 3);
    const view = inside.subarray(3);
    expect(parseConfluentHeader(view)).toEqual({ schemaId: 77, dataOffset: 5 });
    expect(readMessageIndexes(view, 5)).toEqual({ indexes: [2, 1], dataOffset: 8 });
  });
});

describe("Protobuf message indexes", () => {
  it("a single zero byte is the first message", () => {
    expect(encodeMessageIndexes([0])).toEqual(Uint8Array.of(0));
    expect(readMessageIndexes(Uint8Array.of(0, 0x08), 0)).toEqual({ indexes: [0], dataOffset: 1 });
  });

  it("zig-zag varints: count then path, multi-byte indexes included", () => {
    // [1]: count 1 -> 2, index 1 -> 2; [300, 0]: 300 -> 600 = 0xd8 0x04.
    expect(encodeMessageIndexes([1])).toEqual(Uint8Array.of(2, 2));
    expect(encodeMessageIndexes([300, 0])).toEqual(Uint8Array.of(4, 0xd8, 0x04, 0));
    expect(readMessageIndexes(Uint8Array.of(4, 0xd8, 0x04, 0, 0x0a), 0)).toEqual({ indexes: [300, 0], dataOffset: 4 });
  });

  it("refuses a negative count, an absurd count and a truncated varint", () => {
    expect(() => readMessageIndexes(Uint8Array.of(1), 0)).toThrow(/count -1/);
    expect(() => readMessageIndexes(Uint8Array.of(0xfe, 0x01), 0)).toThrow(/count 127/);
    expect(() => readMessageIndexes(Uint8Array.of(2, 0x80), 0)).toThrow(/truncated/);
  });
});

describe("Apicurio header-carried ids", () => {
  it("reads 8-byte (and 4-byte) big-endian ids; anything else is no id", () => {
    expect(headerId(long8(9_007_199_254_740_993n))).toBe(9_007_199_254_740_993n);
    expect(headerId(Uint8Array.of(0, 0, 0, 42))).toBe(42n);
    expect(headerId(Uint8Array.of(42))).toBeNull();
    expect(headerId(long8(0n))).toBeNull();
    expect(headerId(null)).toBeNull();
  });

  it("headers win over the bytes, per part; globalId before contentId", () => {
    const framed = confluentFrame(5, Uint8Array.of(2));
    const headers = new Map<string, Uint8Array | null>([
      ["apicurio.value.contentId", long8(12n)],
      ["apicurio.key.globalId", long8(7n)],
    ]);
    expect(locateSchema(framed, headers, "value")).toEqual({ kind: "apicurio-header", idKind: "contentId", id: 12n, header: "apicurio.value.contentId" });
    expect(locateSchema(framed, headers, "key")).toEqual({ kind: "apicurio-header", idKind: "globalId", id: 7n, header: "apicurio.key.globalId" });
    expect(locateSchema(framed, new Map(), "key")).toEqual({ kind: "confluent", schemaId: 5, dataOffset: 5 });
    expect(locateSchema(Uint8Array.of(2), new Map(), "value")).toBeNull();
  });

  it("reads the Protobuf Ref before the data, and only a well-formed one", () => {
    const name = Buffer.from("Person");
    const ref = Buffer.concat([Buffer.of(name.length + 2, 0x0a, name.length), name, Buffer.of(0x08, 0x01)]);
    expect(readApicurioRef(ref, 0)).toEqual({ name: "Person", dataOffset: name.length + 3 });
    expect(readApicurioRef(Uint8Array.of(0x08, 0x01), 0)).toBeNull();
    expect(readApicurioRef(Uint8Array.of(0x05, 0x0a, 0x09, 0x41), 0)).toBeNull();
  });
});

describe("exact numbers", () => {
  it("decimals from two's complement with their scale, trailing zeros kept", () => {
    expect(decimalText(twosComplement(Uint8Array.of(0x30, 0x39)), 2)).toBe("123.45");
    expect(decimalText(twosComplement(Uint8Array.of(0xff, 0x85)), 2)).toBe("-1.23");
    expect(decimalText(-5n, 3)).toBe("-0.005");
    expect(decimalText(1230n, 3)).toBe("1.230");
    expect(decimalText(7n, 0)).toBe("7");
    expect(decimalText(twosComplement(Uint8Array.of(0x80, 0, 0, 0, 0, 0, 0, 0, 0)), 4)).toBe("-236118324143482260.6848");
  });

  it("JSON text keeps bigint and Long digits; non-finite floats become strings; bytes base64", () => {
    expect(toJsonText({ a: 2n ** 63n - 1n, b: Long.fromString("18446744073709551615", true), c: NaN, d: Uint8Array.of(1, 2, 3), e: [null, -Infinity] })).toBe(
      '{"a":9223372036854775807,"b":18446744073709551615,"c":"NaN","d":"AQID","e":[null,"-Infinity"]}',
    );
  });
});

describe("Avro", () => {
  const schema = {
    type: "record",
    name: "Payment",
    namespace: "shop",
    fields: [
      { name: "id", type: "long" },
      { name: "min", type: { type: "long" } },
      { name: "amount", type: { type: "bytes", logicalType: "decimal", precision: 30, scale: 4 } },
      { name: "price", type: { type: "fixed", name: "Price", size: 8, logicalType: "decimal", precision: 18, scale: 2 } },
      { name: "at", type: { type: "long", logicalType: "timestamp-micros" } },
      { name: "atMs", type: { type: "long", logicalType: "timestamp-millis" } },
      { name: "day", type: { type: "int", logicalType: "date" } },
      { name: "time", type: { type: "int", logicalType: "time-millis" } },
      { name: "note", type: ["null", "string"] },
      { name: "either", type: ["null", "long", "string"] },
      { name: "counts", type: { type: "map", values: "long" } },
      { name: "status", type: { type: "enum", name: "Status", symbols: ["NEW", "PAID"] } },
    ],
  };
  const value = {
    id: 9_223_372_036_854_775_807n,
    min: -9_223_372_036_854_775_808n,
    amount: Buffer.from((123456789012345678901234n).toString(16).padStart(20, "0"), "hex"),
    price: Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x85]),
    at: 1_700_000_000_123_456n,
    atMs: 1_700_000_000_123n,
    day: 19_723,
    time: 45_296_789,
    note: null,
    either: { long: 9_007_199_254_740_993n },
    counts: { a: 9_007_199_254_740_993n },
    status: "PAID",
  };

  it("decodes 64-bit integers, decimals and times with every digit", () => {
    const bytes = avroEncoder(schema).toBuffer(value);
    expect(avroDecoder(JSON.stringify(schema)).decode(bytes)).toBe(
      '{"id":9223372036854775807,"min":-9223372036854775808,"amount":12345678901234567890.1234,"price":-1.23,' +
        '"at":"2023-11-14T22:13:20.123456Z","atMs":"2023-11-14T22:13:20.123Z","day":"2024-01-01","time":"12:34:56.789",' +
        '"note":null,"either":9007199254740993,"counts":{"a":9007199254740993},"status":"PAID"}',
    );
  });

  it("names a type from a referenced schema", () => {
    const money = { type: "record", name: "Money", namespace: "shop.common", fields: [{ name: "units", type: "long" }] };
    const order = { type: "record", name: "Order", namespace: "shop", fields: [{ name: "total", type: "shop.common.Money" }] };
    const registry: Record<string, avro.Type> = {};
    avroEncoder(money, registry);
    const bytes = avroEncoder(order, registry).toBuffer({ total: { units: -42n } });
    expect(avroDecoder(JSON.stringify(order), [JSON.stringify(money)]).decode(bytes)).toBe('{"total":{"units":-42}}');
  });

  it("refuses bytes that do not fit the schema (trailing data)", () => {
    const bytes = Buffer.concat([avroEncoder(schema).toBuffer(value), Buffer.of(1)]);
    expect(() => avroDecoder(JSON.stringify(schema)).decode(bytes)).toThrow();
  });
});

describe("Protobuf", () => {
  const money = 'syntax = "proto3"; package shop.common; message Money { string currency = 1; int64 units = 2; sint32 nanos = 3; }';
  const order = `syntax = "proto3"; package shop; import "common/money.proto"; import "google/protobuf/timestamp.proto";
    message Ignored { string x = 1; }
    message Order {
      enum Status { UNKNOWN = 0; PAID = 1; }
      message Line { sint64 qty = 1; fixed64 sku = 2; }
      uint64 id = 1; shop.common.Money total = 2; repeated Line lines = 3; map<string, int64> counts = 4;
      Status status = 5; bytes raw = 6; google.protobuf.Timestamp at = 7; double ratio = 8;
    }`;
  const root = new protobuf.Root();
  protobuf.parse(money, root, { keepCase: true });
  protobuf.parse(order, root, { keepCase: true });
  root.addJSON((protobuf.common.get("google/protobuf/timestamp.proto") as { nested: Record<string, protobuf.AnyNestedObject> }).nested);
  root.resolveAll();
  const Order = root.lookupType("shop.Order");
  const decoder = protobufDecoder(order, new Map([["common/money.proto", money]]));

  it("decodes through an import and a well-known type; 64-bit integers exact; every field with its default", () => {
    const message = Order.fromObject({
      id: "18446744073709551615",
      total: { currency: "EUR", units: "-9223372036854775808", nanos: -5 },
      lines: [{ qty: "-9007199254740993", sku: "9007199254740993" }],
      counts: { a: "9007199254740993" },
      status: "PAID",
      raw: Buffer.from([1, 2, 3]),
      at: { seconds: "1700000000", nanos: 5 },
    });
    const decoded = decoder.decode(Order.encode(message).finish(), { indexes: [1] });
    expect(decoded.messageType).toBe("shop.Order");
    expect(decoded.json).toBe(
      '{"id":18446744073709551615,"total":{"currency":"EUR","units":-9223372036854775808,"nanos":-5},' +
        '"lines":[{"qty":-9007199254740993,"sku":9007199254740993}],"counts":{"a":9007199254740993},' +
        '"status":"PAID","raw":"AQID","at":{"seconds":1700000000,"nanos":5},"ratio":0}',
    );
  });

  it("follows a nested index path, and a type named by Apicurio's Ref", () => {
    const Line = root.lookupType("shop.Order.Line");
    const line = Line.encode({ qty: Long.fromNumber(3), sku: Long.fromNumber(4, true) }).finish();
    expect(decoder.decode(line, { indexes: [1, 0] })).toEqual({ json: '{"qty":3,"sku":4}', messageType: "shop.Order.Line" });
    expect(decoder.decode(line, { typeName: "Order.Line" }).messageType).toBe("shop.Order.Line");
    expect(() => decoder.decode(line, { indexes: [5] })).toThrow(/does not match/);
  });

  it("counts the entry type protoc makes for a map field before a nested message, as Confluent's indexes do", () => {
    const source = `syntax = "proto3"; package m;
      message Outer {
        map<string, int64> counts = 1 [deprecated = true];
        message Inner { int64 n = 1; }
        Inner inner = 2;
      }`;
    const r = protobuf.parse(source, new protobuf.Root(), { keepCase: true }).root;
    const inner = r.lookupType("m.Outer.Inner").encode({ n: Long.fromString("-9223372036854775808") }).finish();
    // protoc: Outer.nested_type = [CountsEntry, Inner], so Inner is [0, 1]; [0, 0] is the map entry, never a record type.
    expect(protobufDecoder(source).decode(inner, { indexes: [0, 1] })).toEqual({ json: '{"n":-9223372036854775808}', messageType: "m.Outer.Inner" });
    expect(() => protobufDecoder(source).decode(inner, { indexes: [0, 0] })).toThrow(/does not match/);
  });

  it("an import that is neither a reference nor a well-known type is named", () => {
    expect(() => protobufDecoder(order)).toThrow(/common\/money.proto/);
  });
});

describe("JSON Schema", () => {
  const schema = JSON.stringify({ $schema: "http://json-schema.org/draft-07/schema#", type: "object", required: ["id"], properties: { id: { type: "integer" } } });

  it("keeps the text as written (big integers exact) and gives the schema's verdict", () => {
    const ok = jsonSchemaDecoder(schema).decode(new TextEncoder().encode(' {"id": 123456789012345678901234567890} '));
    expect(ok).toEqual({ json: '{"id": 123456789012345678901234567890}', verdict: { validated: true, valid: true, errors: [] } });
    const bad = jsonSchemaDecoder(schema).decode(new TextEncoder().encode('{"id":"x"}'));
    expect(bad.verdict.valid).toBe(false);
    expect(bad.verdict.errors.join()).toMatch(/\/id must be integer/);
  });

  it("not JSON is a decoding failure; a draft-04 schema is shown unvalidated", () => {
    expect(() => jsonSchemaDecoder(schema).decode(new TextEncoder().encode("{nope"))).toThrow();
    const old = jsonSchemaDecoder(JSON.stringify({ $schema: "http://json-schema.org/draft-04/schema#" })).decode(new TextEncoder().encode("{}"));
    expect(old.verdict).toMatchObject({ validated: false, valid: null });
  });
});

describe("registry config", () => {
  it("parses auth and TLS, trims the URL, applies defaults", () => {
    const config = schemaRegistryConfigSchema.parse({ url: "https://registry.example:8081/", auth: { type: "basic", username: "u", password: "p" }, tls: { ca: "PEM" } });
    expect(config).toMatchObject({ url: "https://registry.example:8081", auth: { type: "basic", username: "u", password: "p" }, tls: { ca: "PEM", rejectUnauthorized: true }, timeoutMs: 3000, cacheSize: 1000 });
    expect(schemaRegistryConfigSchema.parse({ url: "http://r", auth: { type: "bearer", token: " t \n" } }).auth).toEqual({ type: "bearer", token: "t" });
  });

  it("refuses a password given twice, a missing token, a half client certificate, other schemes", () => {
    expect(schemaRegistryConfigSchema.safeParse({ url: "http://r", auth: { type: "basic", username: "u", password: "p", passwordFile: "/x" } }).success).toBe(false);
    expect(schemaRegistryConfigSchema.safeParse({ url: "http://r", auth: { type: "bearer" } }).success).toBe(false);
    expect(schemaRegistryConfigSchema.safeParse({ url: "http://r", tls: { cert: "C" } }).success).toBe(false);
    expect(schemaRegistryConfigSchema.safeParse({ url: "ftp://r" }).success).toBe(false);
  });
});

describe("LRU", () => {
  it("evicts the least recently used entry", () => {
    const lru = new Lru<number, string>(2);
    lru.set(1, "a");
    lru.set(2, "b");
    lru.get(1);
    lru.set(3, "c");
    expect([lru.get(1), lru.get(2), lru.get(3), lru.size]).toEqual(["a", undefined, "c", 2]);
  });
});

describe("a registry that does not answer", () => {
  it("gives the bytes and a note, never an exception, and does not ask again at once", async () => {
    // A port that refuses connections: bound, then closed.
    const port = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const client = new SchemaRegistryClient(schemaRegistryConfigSchema.parse({ url: `http://127.0.0.1:${port}`, timeoutMs: 500 }));
    const decoder = new SchemaDecoder(client);
    const bytes = confluentFrame(3, Uint8Array.of(2));
    const first = await decoder.decode(bytes, new Map(), "value");
    expect(first).toMatchObject({ status: "registry-unavailable", schemaId: 3, bytes });
    expect(first.status === "registry-unavailable" && first.note).toMatch(/schema id 3: schema registry unavailable \(.*ECONNREFUSED\)/);
    const second = await decoder.decode(bytes, new Map(), "value");
    expect(second.status === "registry-unavailable" && second.note).toMatch(/retried in a few seconds/);
    expect(await decoder.decode(new TextEncoder().encode('{"a":1}'), new Map(), "value")).toMatchObject({ status: "not-schema-encoded" });
    client.close();
  });
});
