import protobuf from "protobufjs";
import { describe, expect, it } from "vitest";
import { compileDecoder } from "~/server/schemas/decode";
import { confluentFrame, encodeMessageIndexes, locateSchema } from "~/server/schemas/wire-format";

// Protobuf framed without Confluent message indexes (what @kafkajs/confluent-schema-registry writes: the data right
// after the id) is read as the schema's first message and flagged; real indexes are read as before, without a note.

const proto = 'syntax = "proto3";\npackage redrive.framing;\nmessage Payment {\n  string id = 1;\n  int64 cents = 2;\n}\nmessage Refund {\n  string payment_id = 1;\n}\n';
const root = protobuf.parse(proto).root;
const Payment = root.lookupType("redrive.framing.Payment");
const data = Payment.encode(Payment.create({ id: "p-1", cents: "9007199254740993" })).finish();
const decode = compileDecoder({ id: 7, schemaType: "PROTOBUF", schema: proto, references: [] }, []);
const read = (bytes: Uint8Array) => decode(bytes, locateSchema(bytes, new Map(), "value")!, new Map(), "value");

describe("Protobuf framing", () => {
  it("reads Confluent message indexes without a note", () => {
    const decoded = read(confluentFrame(7, Buffer.concat([encodeMessageIndexes([0]), data])));
    expect(decoded).toMatchObject({ messageType: "redrive.framing.Payment" });
    expect(decoded.framingNote).toBeUndefined();
    expect(JSON.parse(decoded.json.replace(/"cents":(\d+)/, '"cents":"$1"'))).toEqual({ id: "p-1", cents: "9007199254740993" });
  });

  it("reads data written without message indexes as the first message type, and says so", () => {
    const decoded = read(confluentFrame(7, data));
    expect(decoded.messageType).toBe("redrive.framing.Payment");
    expect(decoded.json).toContain('"cents":9007199254740993');
    expect(decoded.framingNote).toMatch(/without Confluent message indexes/);
  });

  it("still fails, with the original reason, when the bytes fit neither reading", () => {
    expect(() => read(confluentFrame(7, Uint8Array.of(0x7f, 0xff, 0xff, 0xff, 0xff, 0xff)))).toThrow(/message index|not valid|invalid|index out of range/i);
  });
});
