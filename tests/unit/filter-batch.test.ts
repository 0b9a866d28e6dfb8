import { describe, expect, it } from "vitest";
import { checkExpression, compileExpression } from "~/server/dlq/cel-eval";
import type { FilterRecord } from "~/server/dlq/cel-record";
import { kafkaFailure } from "~/server/dlq/failure";
import { batchSize, BatchRecord, packBatch, type FilterInput } from "~/server/dlq/filter-batch";
import evaluateBatch from "~/server/dlq/filter-worker";

const utf = (text: string) => Buffer.from(text, "utf8");
type Entries = [string, Uint8Array | null][];

const spring: Entries = [
  ["kafka_dlt-original-topic", utf("orders")],
  ["kafka_dlt-exception-fqcn", utf("java.lang.IllegalStateException")],
  ["kafka_dlt-exception-message", utf("payment declined")],
  ["retry-count", utf("3")],
  ["trace", utf("first")],
  ["trace", utf("second")],
  ["empty", null],
];
const inputs: (FilterInput & { headers: Entries })[] = [
  { partition: 0, offset: 7, timestampMs: 1_000, key: utf("k1"), value: utf('{"amount": 142, "id": 9223372036854775807}'), headers: spring },
  { partition: 2, offset: 9_007_199_254_740_991, timestampMs: 2_000, key: null, value: null, headers: [] },
  { partition: null, offset: 3, timestampMs: 3_000, key: utf(""), value: utf("not json"), headers: [["x-attempts", utf("2")]] },
];

/** The record the filter saw before packing: a message's headers Map (last value wins) and failure. */
function asRecord(input: FilterInput & { headers: Entries }, failureHeadersOnly = false): FilterRecord {
  const all = new Map(input.headers);
  const failure = kafkaFailure(all);
  const headers = failureHeadersOnly ? new Map([...all].filter(([name]) => name.startsWith("kafka_dlt-") || name === "x-attempts")) : all;
  return { ...input, key: failureHeadersOnly ? null : input.key, value: failureHeadersOnly ? null : input.value, headers, failure };
}

const EXPRESSIONS = [
  "record.value.amount % 100 == 42",
  "record.value.id == 9223372036854775807",
  'record.headers.trace == "second"',
  'record.headers["retry-count"] == "3"',
  'has(record.headers.empty) && record.headers.empty == ""',
  'record.error.exceptionClass == "java.lang.IllegalStateException" && record.error.attempts == 3',
  "record.error.attempts == 2",
  "record.partition == null",
  "record.offset == 9007199254740991 && record.key == null",
  'record.keyAsText == "" && record.valueAsText == "not json"',
  "record.timestampMs >= 2000",
];

describe("packed filter batches", () => {
  it("give every expression the same answers as the records they were packed from", () => {
    for (const expression of EXPRESSIONS) {
      const checked = checkExpression(expression).expression;
      const evaluate = compileExpression(checked);
      const expected = inputs.map((input) => (evaluate(asRecord(input)) ? 1 : 0));
      expect(expected.some((bit) => bit === 1), expression).toBe(true);
      // Kafka: the failure decoded from the headers in the worker.
      expect([...evaluateBatch(packBatch(checked, inputs, null, false))], expression).toEqual(expected);
      // Records with their failure given (SQS, or filter views built on the server's thread).
      const records = inputs.map((input) => asRecord(input));
      expect([...evaluateBatch(packBatch(checked, records, records.map((r) => r.failure), false))], expression).toEqual(expected);
    }
  });

  it("show only failure headers without payload access, with the failure still read from every header", () => {
    const hidden = inputs.map((input) => ({ ...input, key: null, value: null }));
    const record = new BatchRecord(packBatch("true", hidden, null, true)).at(0);
    expect([...record.headers.keys()]).toEqual(["kafka_dlt-original-topic", "kafka_dlt-exception-fqcn", "kafka_dlt-exception-message"]);
    expect(record.failure).toEqual(kafkaFailure(new Map(spring)));
    expect(record.failure?.attempts).toBe(3);
    for (const expression of ['record.headers.trace == "second"', 'record.error.message == "payment declined"', "record.value == null"]) {
      const checked = checkExpression(expression).expression;
      const expected = inputs.map((input) => (compileExpression(checked)(asRecord(input, true)) ? 1 : 0));
      expect([...evaluateBatch(packBatch(checked, hidden, null, true))], expression).toEqual(expected);
    }
  });

  it("reads back fields exactly, nulls included", () => {
    const batch = packBatch("true", inputs, null, false);
    expect(batchSize(batch)).toBe(3);
    const view = new BatchRecord(batch);
    expect(view.at(1)).toMatchObject({ partition: 2, offset: 9_007_199_254_740_991, timestampMs: 2_000, key: null, value: null });
    expect(view.at(2).partition).toBeNull();
    expect(Buffer.from(view.at(2).key!).toString()).toBe("");
    expect(Buffer.from(view.at(0).value!).toString()).toBe('{"amount": 142, "id": 9223372036854775807}');
    expect(view.at(0).headers.get("trace")).toEqual(utf("second"));
    expect(view.at(0).headers.get("empty")).toBeNull();
  });
});
