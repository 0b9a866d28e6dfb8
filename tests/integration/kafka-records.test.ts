import { Admin, ProduceAcks, Producer } from "@platformatic/kafka";
import pLimit from "p-limit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consoleProduce } from "../fixtures/kafka-tools";
import { decodeBytes, handleExport, type ExportLine } from "~/server/dlq/export";
import type { DlqMessageDetail, DlqMessageSummary } from "~/server/dlq/messages";
import { ApiHarness } from "./helpers/api";
import { KAFKA_BROKER, uniqueName } from "./helpers/environment";
import { waitUntilHosted } from "../fixtures/kafka";

// Every record a real cluster holds: DLQs written by Kafka's own (Java) producer with each codec, and by a
// transactional producer with committed and aborted transactions; all read, searched, exported and replayed.
const admin = new Admin({ clientId: "records-test", bootstrapBrokers: [KAFKA_BROKER] });
const topics: string[] = [];
let api: ApiHarness;
let operator: string;
const CODECS = ["gzip", "snappy", "lz4", "zstd"] as const;
const codecDlq = new Map<string, { source: string; dlq: string }>();

async function createTopics(names: string[], configs: { name: string; value: string }[] = []): Promise<void> {
  topics.push(...names);
  await admin.createTopics({ topics: names, partitions: 1, replicas: 1, configs });
  await waitUntilHosted(names);
}

beforeAll(async () => {
  api = await ApiHarness.start({ kafka: [{ name: "local", brokers: [KAFKA_BROKER] }] });
  operator = await api.tokenFor("operator");
  // Two JVMs at a time: each console producer starts a JVM, slow on a small shared machine.
  const limit = pLimit(2);
  await Promise.all(
    CODECS.map((codec) => limit(async () => {
      const source = uniqueName(`t-${codec}`);
      const dlq = `${source}.DLQ`;
      await createTopics([source, dlq]);
      codecDlq.set(codec, { source, dlq });
      // Three records in one compressed batch: repeated header names, a binary-free JSON value and a tombstone.
      await consoleProduce(
        KAFKA_BROKER,
        dlq,
        [
          `kafka_dlt-original-topic:${source},trace:first,trace:second\torder-1\t{"id":1,"codec":"${codec}"}`,
          `kafka_dlt-original-topic:${source},attempt:1\torder-2\t{"id":2,"pad":"${"x".repeat(2000)}"}`,
          `kafka_dlt-original-topic:${source}\torder-3\tNULL`,
        ],
        { "compression.type": codec },
      );
    })),
  );
}, 600_000);

afterAll(async () => {
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.close();
  await api?.close();
});

const as = () => ({ authorization: `Bearer ${operator}` });
const page = (topic: string, extra: Record<string, unknown> = {}) =>
  api.data<{ messages: DlqMessageSummary[] }>("dlq.kafkaMessages", { kind: "query", input: { connection: "local", topic, order: "oldest", ...extra }, headers: as() });
const detail = (dlq: string, id: string) => api.data<DlqMessageDetail>("dlq.message", { kind: "query", input: { kind: "kafka", connection: "local", dlq, id }, headers: as() });
const replay = (dlq: string, id: string) => api.call("replay.one", { kind: "mutation", input: { kind: "kafka", connection: "local", dlq, id }, headers: as() });

async function scan(dlq: string, expression: string) {
  const { id } = await api.data<{ id: string }>("dlq.scan.start", { kind: "mutation", input: { kind: "kafka", connection: "local", dlq, expression, limit: 100 }, headers: as() });
  let status: { status: string; scanned: number; matches: DlqMessageSummary[] };
  do {
    await new Promise((resolve) => setTimeout(resolve, 100));
    status = await api.data("dlq.scan.status", { kind: "query", input: { id }, headers: as() });
  } while (status.status === "running");
  return status;
}

async function exported(dlq: string): Promise<ExportLine[]> {
  const request = new Request(`http://redrive.test/api/dlq/export?${new URLSearchParams({ kind: "kafka", connection: "local", dlq, expression: "true" })}`, { headers: as() });
  const response = await handleExport(request, { db: api.store.db, connections: api.connections });
  expect(response.status).toBe(200);
  return (await response.text()).split("\n").filter(Boolean).map((line) => JSON.parse(line) as ExportLine);
}

async function replayedCopy(dlq: string, id: string) {
  const response = await replay(dlq, id);
  expect(response.status).toBe(200);
  const { targetPosition, target } = (response.body as { result: { data: { json: { targetPosition: string; target: string } } } }).result.data.json;
  const [partition, offset] = targetPosition.split(":").map(Number) as [number, number];
  const [copy] = await api.connections.kafka.get("local")!.readRecords(target, partition, offset);
  return copy!;
}

describe.each(CODECS)("a DLQ written by Kafka's console producer with %s", (codec) => {
  it("browses, searches, exports and replays byte for byte, repeated headers in order, tombstone kept", async () => {
    const { dlq } = codecDlq.get(codec)!;
    const listed = await page(dlq);
    expect(listed.messages.map((m) => m.id)).toEqual(["0:0", "0:1", "0:2"]);

    const first = await detail(dlq, "0:0");
    expect(JSON.parse(first.value!.text!)).toEqual({ id: 1, codec });
    expect(first.headers.map((h) => `${h.name}=${h.value?.text}`).slice(1)).toEqual(["trace=first", "trace=second"]);
    expect(first.timestampType).toBe("CreateTime");
    expect((await detail(dlq, "0:2")).value).toBeNull();

    const found = await scan(dlq, "record.value.id == 2");
    expect(found).toMatchObject({ status: "done", scanned: 3 });
    expect(found.matches.map((m) => m.id)).toEqual(["0:1"]);

    const lines = await exported(dlq);
    expect(lines.map((l) => l.key && decodeBytes(l.key)!.toString())).toEqual(["order-1", "order-2", "order-3"]);
    expect(decodeBytes(lines[1]!.value)!.toString()).toBe(`{"id":2,"pad":"${"x".repeat(2000)}"}`);
    expect(lines[2]!.value).toBeNull();

    const copy = await replayedCopy(dlq, "0:0");
    expect(copy.key!.toString()).toBe("order-1");
    expect(Buffer.compare(copy.value!, Buffer.from(`{"id":1,"codec":"${codec}"}`))).toBe(0);
    expect(copy.headers.filter(([name]) => name === "trace").map(([, value]) => value!.toString())).toEqual(["first", "second"]);
    const tombstone = await replayedCopy(dlq, "0:2");
    expect(tombstone.key!.toString()).toBe("order-3");
    expect(tombstone.value).toBeNull();
  });
});

describe("transactions", () => {
  it("never lists markers, hides aborted records unless asked, marks them, and refuses to replay them", async () => {
    const source = uniqueName("t-tx");
    const dlq = `${source}.DLQ`;
    await createTopics([source, dlq]);
    const producer = new Producer({ clientId: "records-test-tx", bootstrapBrokers: [KAFKA_BROKER], transactionalId: uniqueName("tx"), idempotent: true, acks: ProduceAcks.ALL });
    const record = (value: string) => ({ topic: dlq, key: Buffer.from(value), value: Buffer.from(value), headers: new Map([[Buffer.from("kafka_dlt-original-topic"), Buffer.from(source)]]) });
    try {
      for (const [values, commit] of [[["c1", "c2"], true], [["a1", "a2"], false], [["c3"], true]] as const) {
        const transaction = await producer.beginTransaction();
        await transaction.send({ messages: values.map(record) });
        if (commit) await transaction.commit();
        else await transaction.abort();
      }
    } finally {
      await producer.close();
    }
    // Log: c1 c2 COMMIT a1 a2 ABORT c3 COMMIT.
    const shown = await page(dlq);
    expect(shown.messages.map((m) => [m.id, m.keyPreview, m.aborted])).toEqual([["0:0", "c1", false], ["0:1", "c2", false], ["0:6", "c3", false]]);
    const all = await page(dlq, { includeAborted: true });
    expect(all.messages.map((m) => [m.id, m.keyPreview, m.aborted])).toEqual([["0:0", "c1", false], ["0:1", "c2", false], ["0:3", "a1", true], ["0:4", "a2", true], ["0:6", "c3", false]]);

    expect((await scan(dlq, "true")).matches.map((m) => m.keyPreview)).toEqual(["c1", "c2", "c3"]);
    expect((await exported(dlq)).map((l) => l.id)).toEqual(["0:0", "0:1", "0:6"]);

    const refused = await replay(dlq, "0:3");
    expect(refused.status).toBe(412);
    expect(JSON.stringify(refused.body)).toContain("aborted transaction");
    expect((await api.connections.kafka.get("local")!.topicOffsets(source))[0]!.logEndOffset).toBe(0);
    const copy = await replayedCopy(dlq, "0:6");
    expect(copy.value!.toString()).toBe("c3");
  });
});

describe("timestamps", () => {
  it("labels a broker-assigned timestamp as LogAppendTime", async () => {
    const dlq = `${uniqueName("t-lat")}.DLQ`;
    await createTopics([dlq], [{ name: "message.timestamp.type", value: "LogAppendTime" }]);
    const producer = new Producer({ clientId: "records-test-lat", bootstrapBrokers: [KAFKA_BROKER], idempotent: true, acks: ProduceAcks.ALL });
    const before = Date.now();
    try {
      await producer.send({ messages: [{ topic: dlq, value: Buffer.from("v"), timestamp: 1_000n }] });
    } finally {
      await producer.close();
    }
    const one = await detail(dlq, "0:0");
    expect(one.timestampType).toBe("LogAppendTime");
    expect(one.timestampMs).toBeGreaterThanOrEqual(before - 5_000); // the broker's clock, not the 1970 the producer sent
  });
});
