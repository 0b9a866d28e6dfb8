import { describe, expect, it } from "vitest";
import { avroDecoder } from "~/server/schemas/avro";
import { avroEncoder } from "~/server/schemas/avro-encode";
import { encodeWithSchema } from "~/server/schemas/encode";
import { EncodeError, parseJsonExact } from "~/server/schemas/json-exact";
import { protobufDecoder } from "~/server/schemas/protobuf";
import { confluentFrame, encodeMessageIndexes } from "~/server/schemas/wire-format";

const avroSchema = JSON.stringify({
  type: "record",
  name: "Payment",
  namespace: "demo",
  fields: [
    { name: "id", type: "string" },
    { name: "amountCents", type: "long" },
    { name: "price", type: { type: "bytes", logicalType: "decimal", precision: 20, scale: 2 } },
    { name: "fixedPrice", type: { type: "fixed", name: "F8", size: 8, logicalType: "decimal", precision: 18, scale: 4 } },
    { name: "at", type: { type: "long", logicalType: "timestamp-micros" } },
    { name: "atMs", type: { type: "long", logicalType: "timestamp-millis" } },
    { name: "day", type: { type: "int", logicalType: "date" } },
    { name: "time", type: { type: "int", logicalType: "time-millis" } },
    { name: "note", type: ["null", "string"], default: null },
    { name: "tags", type: { type: "array", items: "string" } },
    { name: "attrs", type: { type: "map", values: "int" } },
    { name: "kind", type: { type: "enum", name: "Kind", symbols: ["A", "B"] } },
    { name: "blob", type: "bytes" },
    { name: "ratio", type: "double" },
    { name: "maybeLong", type: ["null", "long"], default: null },
  ],
});

/** Encoded from the JSON below; the (independent) decoder reading it back to the same text checks the bytes. */
function sampleBytes(): Buffer {
  return avroEncoder(avroSchema).encode(parseJsonExact(avroDecoderJson()));
}

/** What the decoder renders: a long beyond 2^53, decimals with their scale (bytes and fixed), ISO instants. */
function avroDecoderJson(): string {
  return '{"id":"p-1","amountCents":9007199254740993,"price":123.45,"fixedPrice":-0.0500,"at":"2023-11-14T22:13:20.123456Z","atMs":"2023-11-14T22:13:20.123Z","day":"2023-12-09","time":"01:02:03.004","note":"hello","tags":["a","b"],"attrs":{"x":1,"y":-2},"kind":"B","blob":"AQID","ratio":0.1,"maybeLong":5}';
}

describe("Avro re-encoding", () => {
  it("decode → encode gives the original bytes, every digit kept", () => {
    const bytes = sampleBytes();
    const json = avroDecoder(avroSchema).decode(bytes);
    expect(json).toBe(avroDecoderJson());
    expect(Buffer.from(avroEncoder(avroSchema).encode(parseJsonExact(json))).equals(bytes)).toBe(true);
  });

  it("refuses a value that does not fit, naming the field", () => {
    const json = JSON.parse(avroDecoderJson()) as Record<string, unknown>;
    const bad = (patch: Record<string, unknown>) => () => avroEncoder(avroSchema).encode(parseJsonExact(JSON.stringify({ ...json, ...patch })));
    expect(bad({ amountCents: "x" })).toThrow(/amountCents: expected a long/);
    expect(bad({ price: 1.234 })).toThrow(/price: 1.234 has more than 2 decimal places/);
    expect(() => avroEncoder(avroSchema).encode(parseJsonExact(avroDecoderJson().replace('"price":123.45', '"price":1234567890123456789.01')))).toThrow(/price: 1234567890123456789.01 has more than 20 digits/);
    expect(bad({ kind: "C" })).toThrow(/kind: expected one of A, B/);
    expect(bad({ tags: ["a", 1] })).toThrow(/tags\[1\]: expected a string/);
    expect(bad({ extra: 1 })).toThrow(/extra: is not a field of demo.Payment/);
    const missing = { ...json };
    delete missing.id;
    expect(() => avroEncoder(avroSchema).encode(parseJsonExact(JSON.stringify(missing)))).toThrow(EncodeError);
    expect(() => avroEncoder(avroSchema).encode(parseJsonExact(JSON.stringify(missing)))).toThrow(/id: is required/);
  });

  it("a missing field with a default takes it", () => {
    const json = JSON.parse(avroDecoderJson()) as Record<string, unknown>;
    delete json.note;
    const decoded = JSON.parse(avroDecoder(avroSchema).decode(avroEncoder(avroSchema).encode(parseJsonExact(JSON.stringify(json))))) as Record<string, unknown>;
    expect(decoded.note).toBeNull();
  });
});

describe("Protobuf and JSON Schema re-encoding", () => {
  const proto = `syntax = "proto3";
package demo;
message Other { string x = 1; }
message Order {
  string id = 1;
  int64 cents = 2;
  repeated string tags = 3;
  message Line { int32 qty = 1; }
  Line line = 4;
  bool flag = 5;
  map<string, int32> counts = 6;
}`;

  it("decode → encode gives the original bytes with the message indexes", () => {
    const p = protobufDecoder(proto);
    const { data, indexes } = p.encode({ id: "o-1", cents: "9007199254740993", tags: ["t"], line: { qty: 3 }, counts: { a: 1 } }, "demo.Order");
    expect(indexes).toEqual([1]);
    const { json } = p.decode(data, { indexes: [1] });
    expect(json).toContain('"cents":9007199254740993');
    const framed = encodeWithSchema({ id: 7, schemaType: "PROTOBUF", schema: proto, references: [] }, [], json, "demo.Order");
    expect(Buffer.from(framed).equals(Buffer.from(confluentFrame(7, data, [1])))).toBe(true);
    expect(Buffer.from(framed.subarray(5, 5 + encodeMessageIndexes([1]).length))).toEqual(Buffer.from(encodeMessageIndexes([1])));
    expect(() => encodeWithSchema({ id: 7, schemaType: "PROTOBUF", schema: proto, references: [] }, [], '{"line":{"qty":"x"}}', "demo.Order")).toThrow(/line.qty: expected int32/);
  });

  it("JSON Schema: validated with ajv, the failing field named", () => {
    const schema = JSON.stringify({ type: "object", properties: { n: { type: "integer" }, s: { type: "string" } }, required: ["s"] });
    const ok = encodeWithSchema({ id: 3, schemaType: "JSON", schema, references: [] }, [], '{"n":1,"s":"a"}');
    expect(Buffer.from(ok.subarray(5)).toString()).toBe('{"n":1,"s":"a"}');
    expect(() => encodeWithSchema({ id: 3, schemaType: "JSON", schema, references: [] }, [], '{"n":"x","s":"a"}')).toThrow(/^n: must be integer/);
    expect(() => encodeWithSchema({ id: 3, schemaType: "JSON", schema, references: [] }, [], '{"n":1}')).toThrow(/^s: must have required property/);
  });
});
