import avro from "avsc";
import { avroDecoder } from "../server/schemas/avro.ts";
const schema = { type: "record", name: "Payment", namespace: "demo", fields: [
  { name: "id", type: "long" },
  { name: "id2", type: {type: "long"} },
  { name: "amount", type: { type: "bytes", logicalType: "decimal", precision: 20, scale: 2 } },
  { name: "at", type: { type: "long", logicalType: "timestamp-micros" } },
  { name: "atm", type: { type: "long", logicalType: "timestamp-millis" } },
  { name: "day", type: { type: "int", logicalType: "date" } },
  { name: "t", type: { type: "long", logicalType: "time-micros" } },
  { name: "note", type: ["null", "string"] },
  { name: "tags", type: { type: "map", values: "long" } },
  { name: "arr", type: { type: "array", items: ["null", {type:"long", logicalType: "timestamp-millis"}] } },
] };
const enc = avroDecoder(JSON.stringify(schema));
const bl = avro.types.LongType.__with({ fromBuffer: (b: Buffer) => b.readBigInt64LE(), toBuffer: (n: bigint) => { const b = Buffer.alloc(8); b.writeBigInt64LE(n); return b; }, fromJSON: BigInt, toJSON: String, isValid: (n: unknown) => typeof n === "bigint", compare: () => 0 });
const wt = avro.Type.forSchema(schema as avro.Schema, { registry: { long: bl }, wrapUnions: true, typeHook: (s: any) => (typeof s === "object" && s?.type === "long" ? bl : undefined) } as any);
const buf = wt.toBuffer({ id: 9223372036854775807n, id2: -1n, amount: Buffer.from([0xff, 0x85]), at: 1700000000123456n, atm: -1n, day: 19000, t: 86399999999n, note: { string: "hi" }, tags: { a: -9223372036854775808n }, arr: [null, {long: 5n}] });
console.log(enc.decode(buf));
