import { Admin, ProduceAcks, Producer } from "@platformatic/kafka";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeBytes, handleExport, type ExportLine } from "~/server/dlq/export";
import { ApiHarness, type ApiResponse } from "./helpers/api";
import { KAFKA_BROKER, uniqueName } from "./helpers/environment";
import { waitUntilHosted } from "../fixtures/kafka";

// A dead letter with two headers of the same name (and a binary one between them): export and
// edit-and-replay keep every header, in order, byte for byte (Kafka clients' lastHeader() would keep one).
const admin = new Admin({ clientId: "repeated-headers-test", bootstrapBrokers: [KAFKA_BROKER] });
const source = uniqueName("t-rep-headers");
const dlq = `${source}.DLQ`;
const BINARY = Buffer.from([0x00, 0xff, 0xfe]);
const ORIGINAL: [string, Buffer][] = [
  ["kafka_dlt-original-topic", Buffer.from(source)],
  ["trace", Buffer.from("first")],
  ["bin", BINARY],
  ["trace", Buffer.from("second ✓")],
];
let api: ApiHarness;
let operator: string;

beforeAll(async () => {
  await admin.createTopics({ topics: [source, dlq], partitions: 1, replicas: 1 });
  await waitUntilHosted([source, dlq]);
  const producer = new Producer({ clientId: "repeated-headers-test", bootstrapBrokers: [KAFKA_BROKER], idempotent: true, acks: ProduceAcks.ALL });
  try {
    // A Map keyed by distinct Buffer objects holds a name twice, in order.
    const headers = new Map(ORIGINAL.map(([name, value]) => [Buffer.from(name), value]));
    await producer.send({ messages: [{ topic: dlq, partition: 0, key: Buffer.from("k-1"), value: Buffer.from('{"id":1}'), headers }] });
  } finally {
    await producer.close();
  }
  api = await ApiHarness.start({ kafka: [{ name: "local", brokers: [KAFKA_BROKER], replay: { allowEdit: true } }] });
  operator = await api.tokenFor("operator");
}, 120_000);

afterAll(async () => {
  await admin.deleteTopics({ topics: [source, dlq] }).catch(() => undefined);
  await admin.close();
  await api?.close();
});

const as = () => ({ authorization: `Bearer ${operator}` });
const ok = <T>(response: ApiResponse): T => {
  if (response.status !== 200) throw new Error(`answered ${response.status}: ${JSON.stringify(response.body)}`);
  return (response.body as { result: { data: { json: T } } }).result.data.json;
};
const sameHeaders = (actual: [string, Uint8Array | null][], expected: [string, Buffer][]) => {
  expect(actual.map(([name]) => name)).toEqual(expected.map(([name]) => name));
  actual.forEach(([, value], i) => expect(Buffer.compare(Buffer.from(value!), expected[i]![1])).toBe(0));
};

async function copyAt(target: string, position: string) {
  const [partition, offset] = position.split(":").map(Number) as [number, number];
  const [copy] = await api.connections.kafka.get("local")!.readRecords(target, partition, offset);
  return copy!;
}

describe("repeated header names", () => {
  it("the record on the broker has both, in order (the fixture is what it claims)", async () => {
    const [record] = await api.connections.kafka.get("local")!.readRecords(dlq, 0, 0);
    sameHeaders(record!.headers, ORIGINAL);
  });

  it("are exported in order, bytes kept, next to the last-value map", async () => {
    const request = new Request(`http://redrive.test/api/dlq/export?${new URLSearchParams({ kind: "kafka", connection: "local", dlq, expression: "true" })}`, { headers: as() });
    const response = await handleExport(request, { db: api.store.db, connections: api.connections });
    expect(response.status).toBe(200);
    const [line] = (await response.text()).split("\n").filter(Boolean).map((l) => JSON.parse(l) as ExportLine);
    sameHeaders(line!.headerList.map(([name, value]) => [name, decodeBytes(value)]), ORIGINAL);
    expect(line!.headerList[2]![1]).toEqual({ encoding: "base64", data: BINARY.toString("base64") });
    expect(decodeBytes(line!.headers.trace!)!.toString()).toBe("second ✓");
  });

  it("are offered one by one for editing and replayed in order: one edited in place, the other's bytes kept", async () => {
    const editable = ok<{ headers: { name: string; value: string | null; binary: boolean }[] }>(
      await api.call("replay.editable", { kind: "query", input: { kind: "kafka", connection: "local", dlq, id: "0:0" }, headers: as() }),
    );
    expect(editable.headers.map((h) => [h.name, h.binary ? "(binary)" : h.value])).toEqual([
      ["kafka_dlt-original-topic", source],
      ["trace", "first"],
      ["bin", "(binary)"],
      ["trace", "second ✓"],
    ]);

    // What the form sends: every row by its original position; the first "trace" edited, a header added.
    const list = [
      { from: 0, name: "kafka_dlt-original-topic" },
      { from: 1, name: "trace", value: "first, fixed" },
      { from: 2, name: "bin" },
      { from: 3, name: "trace" },
      { from: null, name: "note", value: "n" },
    ];
    const edited = ok<{ target: string; targetPosition: string; diff: { headers: unknown } }>(
      await api.call("replay.edit", { kind: "mutation", input: { kind: "kafka", connection: "local", dlq, id: "0:0", headers: { list } }, headers: as() }),
    );
    expect(edited.diff.headers).toEqual({ added: [{ name: "note", value: "n" }], removed: [], changed: [{ name: "trace", before: "[first, second ✓]", after: "[first, fixed, second ✓]" }] });
    const copy = await copyAt(edited.target, edited.targetPosition);
    expect(Buffer.compare(copy.value!, Buffer.from('{"id":1}'))).toBe(0);
    // The DLQ's error header is dropped on replay; Redrive's own three follow the operator's headers.
    sameHeaders(copy.headers.slice(0, 4), [["trace", Buffer.from("first, fixed")], ["bin", BINARY], ["trace", Buffer.from("second ✓")], ["note", Buffer.from("n")]]);
    expect(copy.headers.slice(4).map(([name]) => name)).toEqual(["redrive-replay-id", "redrive-replay-count", "redrive-replayed-from"]);

    // A by-name edit changes the last header of the name (the one views show) and keeps the first.
    const byName = ok<{ target: string; targetPosition: string }>(
      await api.call("replay.edit", { kind: "mutation", input: { kind: "kafka", connection: "local", dlq, id: "0:0", headers: { set: [{ name: "trace", value: "last" }] } }, headers: as() }),
    );
    sameHeaders((await copyAt(byName.target, byName.targetPosition)).headers.slice(0, 3), [["trace", Buffer.from("first")], ["bin", BINARY], ["trace", Buffer.from("last")]]);
  });
});
