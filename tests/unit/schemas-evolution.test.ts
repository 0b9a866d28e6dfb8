import { describe, expect, it } from "vitest";
import { diffSchemas } from "~/server/schemas/evolution";

const avro = (fields: object[]) => ({ schemaType: "AVRO" as const, schema: JSON.stringify({ type: "record", name: "Payment", namespace: "demo", fields }) });

describe("field-level schema diff", () => {
  it("Avro: a required field without a default, a safe optional one, a removal, a type change and an aliased rename", () => {
    const writer = avro([
      { name: "id", type: "long" },
      { name: "amount", type: "int" },
      { name: "customer", type: "string" },
      { name: "legacy", type: ["null", "string"], default: null },
      { name: "card", type: { type: "record", name: "Card", fields: [{ name: "number", type: "string" }] } },
    ]);
    const latest = avro([
      { name: "id", type: "long" },
      { name: "amount", type: { type: "bytes", logicalType: "decimal", precision: 12, scale: 2 } },
      { name: "customerId", type: "string", aliases: ["customer"] },
      { name: "card", type: { type: "record", name: "Card", fields: [{ name: "number", type: "string" }, { name: "expiry", type: "string" }] } },
      { name: "merchant", type: "string" },
      { name: "channel", type: ["null", "string"], default: null },
    ]);
    expect(diffSchemas(writer, latest)).toEqual([
      { kind: "type-changed", path: "Payment.amount", from: "int", to: "bytes:decimal(12,2)" },
      { kind: "renamed", path: "Payment.customerId", from: "customer", to: "customerId" },
      { kind: "default-missing", path: "Payment.card.expiry", from: null, to: "string" },
      { kind: "default-missing", path: "Payment.merchant", from: null, to: "string" },
      { kind: "added", path: "Payment.channel", from: null, to: "null | string" },
      { kind: "removed", path: "Payment.legacy", from: "null | string", to: null },
    ]);
    expect(diffSchemas(writer, writer)).toEqual([]);
  });

  it("Protobuf: fields by number (a rename keeps its number), a changed type, added and removed fields", () => {
    const writer = { schemaType: "PROTOBUF" as const, schema: 'syntax = "proto3";\npackage p;\nmessage Order {\n  int64 id = 1;\n  string customer = 2;\n  int32 qty = 3;\n  string gone = 4;\n}\n' };
    const latest = { schemaType: "PROTOBUF" as const, schema: 'syntax = "proto3";\npackage p;\nmessage Order {\n  int64 id = 1;\n  string customer_id = 2;\n  int64 qty = 3;\n  repeated string tags = 5;\n}\n' };
    expect(diffSchemas(writer, latest)).toEqual([
      { kind: "renamed", path: "p.Order.customer_id", from: "customer", to: "customer_id" },
      { kind: "type-changed", path: "p.Order.qty", from: "int32", to: "int64" },
      { kind: "added", path: "p.Order.tags", from: null, to: "repeated string" },
      { kind: "removed", path: "p.Order.gone", from: "string", to: null },
    ]);
  });

  it("JSON Schema: a newly required property is a missing default; an optional one is an addition", () => {
    const writer = { schemaType: "JSON" as const, schema: JSON.stringify({ type: "object", properties: { id: { type: "integer" } } }) };
    const latest = { schemaType: "JSON" as const, schema: JSON.stringify({ type: "object", required: ["id", "region"], properties: { id: { type: "integer" }, region: { type: "string" }, note: { type: "string" } } }) };
    expect(diffSchemas(writer, latest)).toEqual([
      { kind: "default-missing", path: "value.id", from: "optional", to: "required" },
      { kind: "default-missing", path: "value.region", from: null, to: "string" },
      { kind: "added", path: "value.note", from: null, to: "string" },
    ]);
  });
});
