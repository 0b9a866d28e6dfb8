import type { RecordsBatch } from "@platformatic/kafka";
import { describe, expect, it } from "vitest";
import { decodePartition, explainKafkaError, lastHeader, toRawRecord, withAbortedRecords } from "~/server/brokers/kafka/kafka-records";

const TX = 1 << 4;
const CONTROL = 1 << 5;
const LOG_APPEND = 1 << 3;
const marker = (type: 0 | 1) => Buffer.from([0, 0, 0, type]);

function batch(firstOffset: number, keys: string[], options: { attributes?: number; producerId?: number; control?: 0 | 1 } = {}): RecordsBatch {
  return {
    firstOffset: BigInt(firstOffset),
    length: 0,
    partitionLeaderEpoch: 0,
    magic: 2,
    crc: 0,
    attributes: (options.attributes ?? 0) | (options.control !== undefined ? CONTROL | TX : 0),
    lastOffsetDelta: keys.length - 1 || 0,
    firstTimestamp: 1_000n,
    maxTimestamp: 9_000n,
    producerId: BigInt(options.producerId ?? -1),
    producerEpoch: 0,
    firstSequence: 0,
    records: (options.control !== undefined ? [marker(options.control)] : keys.map((k) => Buffer.from(k))).map((key, i) => ({
      length: 0,
      attributes: 0,
      timestampDelta: BigInt(i),
      offsetDelta: i,
      key,
      value: options.control !== undefined ? null : Buffer.from(`v-${key.toString()}`),
      headers: [[Buffer.from("h"), Buffer.from("1")], [Buffer.from("h"), Buffer.from("2")]],
    })),
  };
}

// c1 c2 COMMIT a1 a2 ABORT c3 COMMIT, as a transactional producer (id 7) writes them.
const log = [
  batch(0, ["c1", "c2"], { attributes: TX, producerId: 7 }),
  batch(2, ["m"], { producerId: 7, control: 1 }),
  batch(3, ["a1", "a2"], { attributes: TX, producerId: 7 }),
  batch(5, ["m"], { producerId: 7, control: 0 }),
  batch(6, ["c3"], { attributes: TX, producerId: 7 }),
  batch(7, ["m"], { producerId: 7, control: 1 }),
];
const keys = (records: { key: Buffer | null }[]) => records.map((r) => r.key!.toString());

describe("record batches to records", () => {
  it("drops markers and aborted transactions, or marks the aborted ones when asked", () => {
    const data = { records: log, abortedTransactions: [{ producerId: 7n, firstOffset: 3n }] };
    expect(keys(decodePartition(data, 0).records)).toEqual(["c1", "c2", "c3"]);
    const all = decodePartition(data, 0, true);
    expect(all.records.map((r) => [r.key!.toString(), r.aborted])).toEqual([["c1", false], ["c2", false], ["a1", true], ["a2", true], ["c3", false]]);
    expect(all.nextOffset).toBe(8);
  });

  it("adds aborted records from a read_uncommitted fetch the client already filtered", () => {
    const committed = decodePartition({ records: log.filter((b) => b.firstOffset !== 3n), abortedTransactions: [{ producerId: 7n, firstOffset: 3n }] }, 0);
    const merged = withAbortedRecords(committed, { records: log, abortedTransactions: null }, 0);
    expect(merged.records.map((r) => `${r.offset}:${r.key!.toString()}:${r.aborted}`)).toEqual(["0:c1:false", "1:c2:false", "3:a1:true", "4:a2:true", "6:c3:false"]);
  });

  it("keeps records at or after the asked offset, repeated headers in order, and labels the timestamp type", () => {
    const [first, second] = decodePartition({ records: [batch(10, ["x", "y", "z"], { attributes: LOG_APPEND })], abortedTransactions: null }, 11).records;
    expect([first!.offset, second!.offset]).toEqual(["11", "12"]);
    expect(first!.headers.map(([n, v]) => `${n}=${v!.toString()}`)).toEqual(["h=1", "h=2"]);
    expect(lastHeader(first!, "h")!.toString()).toBe("2");
    expect(first).toMatchObject({ timestampType: "LogAppendTime", timestamp: "9000" });
    const [created] = decodePartition({ records: [batch(0, ["x", "y"])], abortedTransactions: null }, 1).records;
    expect(created).toMatchObject({ timestampType: "CreateTime", timestamp: "1001" });
  });

  it("gives a bulk copy the same records as the client decoded them: no markers, no aborted ones, header names as bytes", () => {
    const data = { records: log, abortedTransactions: [{ producerId: 7n, firstOffset: 3n }] };
    const raw = decodePartition(data, 1, false, toRawRecord);
    expect(raw.records.map((r) => `${r.offset}:${r.key!.toString()}`)).toEqual(["1:c2", "6:c3"]);
    expect(raw.nextOffset).toBe(8);
    expect(raw.records[0]!.headers.map(([n, v]) => `${n!.toString()}=${v!.toString()}`)).toEqual(["h=1", "h=2"]);
    expect(raw.records[0]!.value).toBe(log[0]!.records[1]!.value);
  });

  it("names the root cause of the client's nested errors", () => {
    const nested = new AggregateError([new AggregateError([new Error("connect ECONNREFUSED 127.0.0.1:1")], "metadata failed 2 times.")], "Listing topics failed.");
    expect((explainKafkaError(nested) as Error).message).toBe("Listing topics failed: connect ECONNREFUSED 127.0.0.1:1");
  });
});
