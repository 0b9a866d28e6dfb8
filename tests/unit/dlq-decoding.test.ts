import { describe, expect, it } from "vitest";
import { displayBytes } from "~/server/dlq/bytes";
import { failureGroupKey, kafkaFailure, normaliseMessage, sqsFailure } from "~/server/dlq/failure";
import { checkExpression, compileExpression, FilterSyntaxError } from "~/server/dlq/cel-eval";
import { celContext, type FilterRecord } from "~/server/dlq/cel-record";

/** What a filter worker evaluates: the checked expression, compiled (pure logic, in this thread for the test). */
const compileFilter = (expression: string) => compileExpression(checkExpression(expression).expression);

const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const int64 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(n));
  return b;
};
const utf = (s: string) => Buffer.from(s, "utf8");

describe("kafkaFailure", () => {
  it("decodes Spring's kafka_dlt-* headers, with binary partition, offset and timestamp", () => {
    const failure = kafkaFailure(
      new Map<string, Uint8Array>([
        ["kafka_dlt-original-topic", utf("payment.AuthorizePayment")],
        ["kafka_dlt-original-partition", int32(2)],
        ["kafka_dlt-original-offset", int64(123_456_789_012)],
        ["kafka_dlt-original-timestamp", int64(1_795_000_000_000)],
        ["kafka_dlt-original-consumer-group", utf("payment-processor")],
        ["kafka_dlt-exception-fqcn", utf("org.springframework.kafka.listener.ListenerExecutionFailedException")],
        ["kafka_dlt-exception-cause-fqcn", utf("java.lang.NullPointerException")],
        ["kafka_dlt-exception-message", utf("Cannot invoke getCard() because card is null")],
        ["kafka_dlt-exception-stacktrace", utf("java.lang.NullPointerException\n\tat Pay.run(Pay.java:42)")],
        ["x-attempts", utf("3")],
      ]),
    );
    expect(failure).toEqual({
      convention: "spring",
      originTopic: "payment.AuthorizePayment",
      originPartition: 2,
      originOffset: 123_456_789_012,
      originTimestampMs: 1_795_000_000_000,
      sourceQueue: null,
      consumerGroup: "payment-processor",
      exceptionClass: "org.springframework.kafka.listener.ListenerExecutionFailedException",
      causeClass: "java.lang.NullPointerException",
      message: "Cannot invoke getCard() because card is null",
      stacktrace: "java.lang.NullPointerException\n\tat Pay.run(Pay.java:42)",
      attempts: 3,
      connector: null,
      stage: null,
      rabbit: null,
    });
  });

  it("decodes Kafka Connect's __connect.errors.* headers (decimal strings)", () => {
    const failure = kafkaFailure(
      new Map<string, Uint8Array>([
        ["__connect.errors.topic", utf("orders")],
        ["__connect.errors.partition", utf("1")],
        ["__connect.errors.offset", utf("77")],
        ["__connect.errors.connector.name", utf("jdbc-sink")],
        ["__connect.errors.stage", utf("VALUE_CONVERTER")],
        ["__connect.errors.class.name", utf("org.apache.kafka.connect.json.JsonConverter")],
        ["__connect.errors.exception.class.name", utf("org.apache.kafka.connect.errors.DataException")],
        ["__connect.errors.exception.message", utf("Converting byte[] to Kafka Connect data failed")],
      ]),
    );
    expect(failure).toMatchObject({
      convention: "kafka-connect",
      originTopic: "orders",
      originPartition: 1,
      originOffset: 77,
      connector: "jdbc-sink",
      stage: "VALUE_CONVERTER",
      exceptionClass: "org.apache.kafka.connect.errors.DataException",
    });
  });

  it("returns null for a record without failure headers", () => {
    expect(kafkaFailure(new Map([["event-id", utf("x")]]))).toBeNull();
  });
});

describe("sqsFailure", () => {
  it("reads a stamped reason and the source queue", () => {
    const failure = sqsFailure(
      { "failure-reason": { dataType: "String", value: "card declined" }, "exception-class": { dataType: "String", value: "PaymentError" } },
      { DeadLetterQueueSourceArn: "arn:aws:sqs:elasticmq:000000000000:orders-payments", ApproximateReceiveCount: "4" },
    );
    expect(failure).toMatchObject({ convention: "sqs-attribute", sourceQueue: "orders-payments", message: "card declined", exceptionClass: "PaymentError", attempts: 4 });
  });
});

describe("failure groups", () => {
  it("normalises ids, numbers and quoted values", () => {
    expect(normaliseMessage("Order 42 for customer 'bob' not found (id 3f2b8c1e-9d4a-4b7e-8f00-1234567890ab)")).toBe(
      "Order <n> for customer <value> not found (id <uuid>)",
    );
  });

  it("puts messages that differ only in ids in one group, and different origins apart", () => {
    const failure = (topic: string, message: string) => ({ ...kafkaFailure(new Map([["kafka_dlt-original-topic", utf(topic)]]))!, exceptionClass: "E", message });
    const a = failureGroupKey(failure("orders", "order 1 failed"));
    const b = failureGroupKey(failure("orders", "order 2 failed"));
    const c = failureGroupKey(failure("payments", "order 1 failed"));
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(a.fingerprint).not.toBe(c.fingerprint);
  });
});

describe("displayBytes", () => {
  it("pretty-prints JSON, keeps text, and shows binary and invalid UTF-8 as hex", () => {
    expect(displayBytes(utf('{"a":1}'), 1000)).toMatchObject({ encoding: "json", text: '{\n  "a": 1\n}', size: 7, truncated: false });
    expect(displayBytes(utf("plain text"), 1000)).toMatchObject({ encoding: "text", text: "plain text" });
    expect(displayBytes(Buffer.from([0xff, 0xfe, 0x00, 0x41]), 1000)).toMatchObject({ encoding: "binary", hex: "fffe0041", text: null });
    expect(displayBytes(Buffer.from([0xc3, 0x28]), 1000)).toMatchObject({ encoding: "binary", hex: "c328" });
  });

  it("truncates on a character boundary and says so", () => {
    const shown = displayBytes(utf("ééé"), 3); // 6 bytes; a cut at 3 would split the second é
    expect(shown).toMatchObject({ truncated: true, text: "é", size: 6 });
  });
});

describe("compileFilter", () => {
  const record = (over: Partial<FilterRecord> = {}): FilterRecord => ({
    partition: 1,
    offset: 10,
    timestampMs: 1_795_000_000_000,
    key: utf("order-1"),
    value: utf('{"amount": 12.5, "card": {"number": "4111"}}'),
    headers: new Map([["event-type", utf("OrderPlaced")]]),
    failure: { ...kafkaFailure(new Map([["kafka_dlt-exception-fqcn", utf("java.lang.NullPointerException")]]))!, message: "boom" },
    ...over,
  });

  it("evaluates Kafbat-style variables and record.error", () => {
    expect(compileFilter("record.value.amount > 10 && record.partition == 1")(record())).toBe(true);
    expect(compileFilter('record.keyAsText == "order-1" && record.headers["event-type"] == "OrderPlaced"')(record())).toBe(true);
    expect(compileFilter('record.error.exceptionClass.endsWith("NullPointerException")')(record())).toBe(true);
    expect(compileFilter("record.value.amount > 100")(record())).toBe(false);
  });

  it("treats a record the expression cannot evaluate on as no match", () => {
    expect(compileFilter("record.value.missing == 1")(record())).toBe(false);
    expect(compileFilter("record.value.amount > 1")(record({ value: Buffer.from([0xff]) }))).toBe(false);
  });

  it("reports a syntax error with its position before any scan", () => {
    expect(() => compileFilter("record.value.amount > 10 &&\n  (record.partition")).toThrow(FilterSyntaxError);
    try {
      compileFilter("record.value.amount > 10 &&\n  (record.partition");
    } catch (error) {
      expect(error).toMatchObject({ line: 2, column: 20 });
      expect((error as Error).message).toMatch(/line 2, column 20/);
    }
  });
  it("gives JSON integers as CEL ints, nested in objects and arrays, and other numbers as doubles", () => {
    const value = utf('{"qty": 3, "items": [{"n": 7}, 2, [5, 1.5]], "big": 12345678901234567890, "neg": -4}');
    const view = celContext(record({ value })).record;
    expect(view.value).toEqual({ qty: 3n, items: [{ n: 7n }, 2n, [5n, 1.5]], big: 12345678901234567890, neg: -4n });
    expect(compileFilter("record.value.qty % 2 == 1 && record.value.items[0].n == 7 && record.value.items[2][0] == 5")(record({ value }))).toBe(true);
    expect(celContext(record({ value: utf("[1, 2]") })).record.value).toEqual([1n, 2n]);
    expect(celContext(record({ value: utf("42") })).record.value).toBe("42");
    expect(celContext(record({ value: utf('  {"a": 1}') })).record.value).toEqual({ a: 1n });
    expect(celContext(record({ value: utf('"quoted"') })).record.value).toBe("quoted");
  });

  it("decodes key and value as JSON, text or null, and their AsText forms as text or null", () => {
    const text = (value: Uint8Array | null, key: Uint8Array | null = null) => {
      const view = celContext(record({ key, value })).record;
      return { value: view.value, valueAsText: view.valueAsText, key: view.key, keyAsText: view.keyAsText };
    };
    expect(text(utf('{"a": "é"}'), utf('{"id": 1}'))).toEqual({ value: { a: "é" }, valueAsText: '{"a": "é"}', key: { id: 1n }, keyAsText: '{"id": 1}' });
    expect(text(utf("{not json"))).toMatchObject({ value: "{not json", valueAsText: "{not json" });
    expect(text(utf("plain\ttext\n"))).toMatchObject({ value: "plain\ttext\n", valueAsText: "plain\ttext\n" });
    expect(text(null)).toMatchObject({ value: null, valueAsText: null, key: null, keyAsText: null });
    // Invalid UTF-8 is never text, even when a lossy decode would parse as JSON.
    const invalid = Buffer.concat([utf('{"a": "'), Buffer.from([0xff, 0xfe]), utf('"}')]);
    expect(text(invalid)).toMatchObject({ value: null, valueAsText: null });
    // Control characters make a payload binary: DEL inside a JSON string, NUL in text.
    expect(text(utf('{"a": "x\u007f"}'))).toMatchObject({ value: null, valueAsText: null });
    expect(text(utf("[\u0000]"))).toMatchObject({ value: null, valueAsText: null });
    expect(text(Buffer.from([0x01, 0x02]))).toMatchObject({ value: null, valueAsText: null });
    // Read in either order, the results agree.
    const view = celContext(record({ value: utf('{"a": 1}') })).record;
    expect(view.valueAsText).toBe('{"a": 1}');
    expect(view.value).toEqual({ a: 1n });
    // A plain Uint8Array view into a larger buffer, as well as a Buffer.
    const view2 = new Uint8Array(Uint8Array.from(utf('xx{"b": 2}')).buffer, 2);
    expect(celContext(record({ value: view2 })).record.value).toEqual({ b: 2n });
  });

  it("exposes key, value, headers and error as own enumerable properties, in Kafbat's shape", () => {
    const view = celContext(record({ headers: new Map<string, Uint8Array | null>([["t", utf("x")], ["bin", Buffer.from([0x00, 0xff])], ["none", null]]) })).record;
    expect(Object.keys(view).sort()).toEqual(["error", "headers", "key", "keyAsText", "offset", "partition", "timestampMs", "value", "valueAsText"]);
    expect(view.headers).toEqual({ t: "x", bin: "00ff", none: "" });
    expect(view.error).toMatchObject({ exceptionClass: "java.lang.NullPointerException", message: "boom", originTopic: null, attempts: null });
    expect(celContext(record({ failure: null })).record.error).toMatchObject({ exceptionClass: null, message: null });
    expect(compileFilter('record.headers.bin == "00ff" && record.error.originTopic == null')(record({ headers: new Map([["bin", Buffer.from([0x00, 0xff])]]) }))).toBe(true);
  });
});
