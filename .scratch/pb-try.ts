import protobuf from "protobufjs";
import { protobufDecoder } from "../server/schemas/protobuf.ts";
const money = `syntax = "proto3"; package shop.common; message Money { string currency = 1; int64 units = 2; sint32 nanos = 3; }`;
const main = `syntax = "proto3"; package shop; import "common/money.proto"; import "google/protobuf/timestamp.proto";
message Other { string x = 1; }
message Order { uint64 id = 1; shop.common.Money total = 2; repeated fixed64 ids = 3; map<string, int64> counts = 4; Status status = 5; bytes raw = 6; google.protobuf.Timestamp at = 7;
  enum Status { UNKNOWN = 0; PAID = 1; }
  message Line { sint64 qty = 1; } Line line = 8; double d = 9; }`;
const root = new protobuf.Root();
protobuf.parse(money, root, { keepCase: true }); protobuf.parse(main, root, { keepCase: true });
root.addJSON((protobuf.common.get("google/protobuf/timestamp.proto") as any).nested);
root.resolveAll();
const T = root.lookupType("shop.Order");
const msg = T.fromObject({ id: "18446744073709551615", total: { currency: "EUR", units: "-9223372036854775808", nanos: -5 }, ids: ["9007199254740993"], counts: { a: "9007199254740993" }, status: "PAID", raw: Buffer.from([1,2,3]), at: { seconds: "1700000000", nanos: 5 }, line: { qty: "-9007199254740993" }, d: NaN });
const bytes = T.encode(msg).finish();
const dec = protobufDecoder(main, new Map([["common/money.proto", money]]));
console.log(dec.decode(bytes, { indexes: [1] }));
console.log(dec.decode(T.lookupType("Line").encode({qty: 3}).finish(), { indexes: [1, 0] }));
console.log(dec.decode(new Uint8Array(), { typeName: "Other" }));
