import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitUntilHosted, kafkaDlqFixture, type DlqFixture } from "../fixtures/kafka";
import { sqsClient, sqsDlqFixture } from "../fixtures/sqs";
import { Collector } from "~/server/jobs/collector";
import { decodeBytes, handleExport, type ExportLine } from "~/server/dlq/export";
import type { DlqMessageDetail, DlqMessageSummary } from "~/server/dlq/messages";
import type { FailureGroup } from "~/server/dlq/groups";
import { ApiHarness } from "./helpers/api";
import { KAFKA_BROKER, SQS_ENDPOINT, uniqueName } from "./helpers/environment";

const kafka = new Kafka({ clientId: "dlq-test", brokers: [KAFKA_BROKER], logLevel: logLevel.NOTHING });
const sqs = sqsClient(SQS_ENDPOINT);
const cleanups: (() => Promise<unknown>)[] = [];
let api: ApiHarness;
let viewer: string;
let operator: string;

beforeAll(async () => {
  api = await ApiHarness.start({
    kafka: [{ name: "local", brokers: [KAFKA_BROKER] }],
    sqs: [{ name: "local", endpoint: SQS_ENDPOINT, region: "elasticmq", credentials: { accessKeyId: "x", secretAccessKey: "x" } }],
    payloads: {
      readRoles: ["viewer", "operator", "admin"],
      masking: [
        { path: "value.card.number", exemptRoles: ["operator", "admin"] },
        { path: "key.customer.email", exemptRoles: ["operator", "admin"] },
      ],
    },
  });
  viewer = await api.tokenFor("viewer");
  operator = await api.tokenFor("operator");
});

afterAll(async () => {
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  sqs.destroy();
  await api?.close();
});

const as = (token: string) => ({ authorization: `Bearer ${token}` });
const message = (token: string, input: { kind: "kafka" | "sqs"; dlq: string; id: string; snapshotId?: string }) =>
  api.data<DlqMessageDetail>("dlq.message", { kind: "query", input: { connection: "local", ...input }, headers: as(token) });

async function fixture(messages: Parameters<typeof kafkaDlqFixture>[0]["messages"], partitions = 3): Promise<DlqFixture> {
  const created = await kafkaDlqFixture({ messages, partitions });
  cleanups.push(created.cleanup);
  return created;
}

describe("Kafka DLQ browsing", () => {
  it("decodes exactly what the demo's Spring-style dead-lettering wrote", async () => {
    const created = await fixture([
      { key: "order-7", value: JSON.stringify({ orderId: "order-7", amount: 12.5 }), dlt: { partition: 2, offset: "98765432109", timestamp: "1795000000123", consumerGroup: "payment-processor", exceptionClass: "java.lang.NullPointerException", message: "card is null", stacktrace: "java.lang.NullPointerException: card is null\n\tat Pay(Pay.java:42)", attempts: 4 } },
    ]);
    const page = await api.data<{ messages: DlqMessageSummary[] }>("dlq.kafkaMessages", { kind: "query", input: { connection: "local", topic: created.dlqTopic }, headers: as(viewer) });
    expect(page.messages).toHaveLength(1);
    const detail = await message(viewer, { kind: "kafka", dlq: created.dlqTopic, id: page.messages[0]!.id });
    const written = created.records[0]!.dlt;
    expect(detail.failure).toMatchObject({
      convention: "spring",
      originTopic: written.topic,
      originPartition: 2,
      originOffset: 98_765_432_109,
      originTimestampMs: 1_795_000_000_123,
      consumerGroup: "payment-processor",
      exceptionClass: "java.lang.NullPointerException",
      message: "card is null",
      stacktrace: written.stacktrace,
      attempts: 4,
    });
    expect(detail.key).toMatchObject({ encoding: "text", text: "order-7" });
    expect(detail.value).toMatchObject({ encoding: "json", text: JSON.stringify({ orderId: "order-7", amount: 12.5 }, null, 2) });
    expect(detail.headers.map((h) => h.name)).toEqual(expect.arrayContaining(["kafka_dlt-original-topic", "kafka_dlt-original-partition", "kafka_dlt-exception-stacktrace", "x-attempts"]));
  });

  it("groups failures by origin, exception class and normalised message", async () => {
    const failing = (exceptionClass: string, message: string) => ({ value: "{}", dlt: { exceptionClass, message } });
    const created = await fixture([
      ...[1, 2, 3, 4, 5].map((n) => failing("java.lang.NullPointerException", `order ${n} has no card`)),
      ...[1, 2, 3].map((n) => failing("java.util.concurrent.TimeoutException", `inventory call timed out after ${n * 1000} ms`)),
      ...[1, 2].map((n) => failing("java.lang.IllegalStateException", `unknown schema version '${n}'`)),
    ]);
    const result = await api.data<{ groups: FailureGroup[]; scanned: number }>("dlq.groups", {
      kind: "query",
      input: { kind: "kafka", connection: "local", dlq: created.dlqTopic },
      headers: as(viewer),
    });
    expect(result.scanned).toBe(10);
    expect(result.groups.map((g) => [g.exceptionClass, g.count, g.pattern])).toEqual([
      ["java.lang.NullPointerException", 5, "order <n> has no card"],
      ["java.util.concurrent.TimeoutException", 3, "inventory call timed out after <n> ms"],
      ["java.lang.IllegalStateException", 2, "unknown schema version <value>"],
    ]);
    expect(result.groups[0]!.origin).toBe(created.topic);
  });

  it("returns exactly the messages a CEL filter matches, checked against the broker's own data", async () => {
    const created = await fixture(
      Array.from({ length: 240 }, (_, i) => ({ key: `k${i}`, value: JSON.stringify({ amount: i, currency: i % 2 ? "EUR" : "USD" }), dlt: { partition: i % 3 } })),
    );
    const expression = 'record.value.amount % 7 == 0 && record.value.currency == "EUR"';
    // The broker's data, read by a plain consumer, with the same predicate in JavaScript.
    const consumer = kafka.consumer({ groupId: uniqueName("dlq-check") });
    const expected: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: created.dlqTopic, fromBeginning: true });
    let seen = 0;
    await consumer.run({
      eachMessage: async ({ partition, message: m }) => {
        seen += 1;
        const value = JSON.parse(m.value!.toString()) as { amount: number; currency: string };
        if (value.amount % 7 === 0 && value.currency === "EUR") expected.push(`${partition}:${m.offset}`);
      },
    });
    await expect.poll(() => seen, { timeout: 20_000 }).toBe(240);
    await consumer.disconnect();

    const { id } = await api.data<{ id: string }>("dlq.scan.start", {
      kind: "mutation",
      input: { kind: "kafka", connection: "local", dlq: created.dlqTopic, expression, limit: 1000 },
      headers: as(viewer),
    });
    let status: { status: string; scanned: number; matched: number; total: number | null; matches: DlqMessageSummary[] };
    do {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = await api.data("dlq.scan.status", { kind: "query", input: { id }, headers: as(viewer) });
    } while (status.status === "running");
    expect(status).toMatchObject({ status: "done", scanned: 240, total: 240 });
    expect(status.matches.map((m) => m.id).sort()).toEqual(expected.sort());
    expect(expected.length).toBe(17); // multiples of 7 below 240 that are odd
  });

  it("refuses a bad filter with its position before scanning", async () => {
    const response = await api.call("dlq.scan.start", {
      kind: "mutation",
      input: { kind: "kafka", connection: "local", dlq: "anything.DLQ", expression: "record.value.amount > " },
      headers: as(viewer),
    });
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.body)).toMatch(/Invalid filter: .*line 1, column \d+/);
  });

  it("displays binary, invalid UTF-8, a 1 MiB payload, a null key and 100 headers", async () => {
    const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`h-${String(i).padStart(3, "0")}`, i % 2 ? Buffer.from([0xde, 0xad, i]) : `value ${i}`]));
    // Its own topic: a 1 MiB record needs a topic that accepts more than Kafka's default 1 MB.
    const created = { dlqTopic: uniqueName("display") + ".DLQ" };
    const admin = kafka.admin();
    const producer = kafka.producer();
    await Promise.all([admin.connect(), producer.connect()]);
    cleanups.push(async () => {
      await admin.deleteTopics({ topics: [created.dlqTopic] });
      await admin.disconnect();
    });
    await admin.createTopics({
      topics: [{ topic: created.dlqTopic, numPartitions: 1, configEntries: [{ name: "max.message.bytes", value: String(5 * 1024 * 1024) }] }],
      waitForLeaders: true,
    });
    await waitUntilHosted([created.dlqTopic]);
    for (const m of [
      { key: null, value: Buffer.from([0x00, 0x01, 0xff, 0xfe]) },
      { key: "bad-utf8", value: Buffer.from([0x7b, 0xc3, 0x28, 0x7d]) },
      { key: "big", value: Buffer.alloc(1024 * 1024, "a") },
      { key: "headers", value: Buffer.from("{}"), headers: many },
    ]) {
      await producer.send({ topic: created.dlqTopic, acks: -1, messages: [m] });
    }
    await producer.disconnect();
    const page = await api.data<{ messages: DlqMessageSummary[] }>("dlq.kafkaMessages", {
      kind: "query",
      input: { connection: "local", topic: created.dlqTopic, order: "oldest" },
      headers: as(viewer),
    });
    expect(page.messages.map((m) => m.offset)).toEqual([0, 1, 2, 3]);
    const [binary, invalid, big, headers] = await Promise.all(page.messages.map((m) => message(viewer, { kind: "kafka", dlq: created.dlqTopic, id: m.id })));
    expect(binary).toMatchObject({ key: null, value: { encoding: "binary", hex: "0001fffe", size: 4 } });
    expect(invalid!.value).toMatchObject({ encoding: "binary", hex: "7bc3287d" });
    expect(big!.value).toMatchObject({ encoding: "text", size: 1024 * 1024, truncated: true });
    expect(big!.value!.text!.length).toBe(256 * 1024);
    const custom = headers!.headers.filter((h) => h.name.startsWith("h-"));
    expect(custom).toHaveLength(100);
    expect(custom[0]!.value).toMatchObject({ encoding: "text", text: "value 0" });
    expect(custom[1]!.value).toMatchObject({ encoding: "binary", hex: "dead01" });
  });

  it("masks configured fields for viewers on the server, and shows them to exempt roles", async () => {
    const created = await fixture([{ value: JSON.stringify({ card: { number: "4111111111111111", expiry: "12/29" } }) }], 1);
    const id = "0:0";
    const forViewer = await message(viewer, { kind: "kafka", dlq: created.dlqTopic, id });
    expect(forViewer.value!.text).toContain('"number": "****"');
    expect(JSON.stringify(forViewer)).not.toContain("4111111111111111");
    const forOperator = await message(operator, { kind: "kafka", dlq: created.dlqTopic, id });
    expect(forOperator.value!.text).toContain("4111111111111111");
    // A viewer cannot find the masked value by filtering on it either.
    const { id: scanId } = await api.data<{ id: string }>("dlq.scan.start", {
      kind: "mutation",
      input: { kind: "kafka", connection: "local", dlq: created.dlqTopic, expression: 'record.value.card.number == "4111111111111111"' },
      headers: as(viewer),
    });
    let status: { status: string; matched: number };
    do {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = await api.data("dlq.scan.status", { kind: "query", input: { id: scanId }, headers: as(viewer) });
    } while (status.status === "running");
    expect(status.matched).toBe(0);
  });

  it("masks key fields with key. rules in the list, a search, the detail and the export; the value is untouched by them", async () => {
    const key = JSON.stringify({ customer: { email: "a@b.c" }, region: "eu" });
    const value = JSON.stringify({ customer: { email: "v@x.y" }, order: 1 });
    const created = await fixture([{ key, value }], 1);
    const id = "0:0";
    const page = async (token: string) =>
      (await api.data<{ messages: DlqMessageSummary[] }>("dlq.kafkaMessages", { kind: "query", input: { connection: "local", topic: created.dlqTopic }, headers: as(token) })).messages;
    const scan = async (token: string, expression: string) => {
      const { id: scanId } = await api.data<{ id: string }>("dlq.scan.start", { kind: "mutation", input: { kind: "kafka", connection: "local", dlq: created.dlqTopic, expression }, headers: as(token) });
      let status: { status: string; matches: DlqMessageSummary[] };
      do {
        await new Promise((resolve) => setTimeout(resolve, 100));
        status = await api.data("dlq.scan.status", { kind: "query", input: { id: scanId }, headers: as(token) });
      } while (status.status === "running");
      expect(status.status).toBe("done");
      return status.matches;
    };
    const exported = async (token: string) => {
      const request = new Request(`http://redrive.test/api/dlq/export?kind=kafka&connection=local&dlq=${encodeURIComponent(created.dlqTopic)}&ids=${id}`, { headers: { authorization: `Bearer ${token}` } });
      const response = await handleExport(request, { db: api.store.db, connections: api.connections });
      expect(response.status).toBe(200);
      const [line] = (await response.text()).split("\n").filter(Boolean).map((text) => JSON.parse(text) as ExportLine);
      return { key: JSON.parse(decodeBytes(line!.key)!.toString("utf8")) as unknown, value: JSON.parse(decodeBytes(line!.value)!.toString("utf8")) as unknown };
    };

    // A viewer (not exempt): the key's email is masked everywhere it leaves the server; the value's email is not.
    const [row] = await page(viewer);
    expect(row!.keyPreview).toMatch(/"email": "\*\*\*\*"/);
    expect(row!.keyPreview).not.toContain("a@b.c");
    expect(row!.valuePreview).toContain("v@x.y");
    const [match] = await scan(viewer, 'record.key.region == "eu"');
    expect(match!.keyPreview).not.toContain("a@b.c");
    expect(match!.keyPreview).toContain("****");
    // The filter sees the masked key too: it cannot find the email by its value.
    expect(await scan(viewer, 'record.key.customer.email == "a@b.c"')).toEqual([]);
    const forViewer = await message(viewer, { kind: "kafka", dlq: created.dlqTopic, id });
    expect(JSON.parse(forViewer.key!.text!)).toEqual({ customer: { email: "****" }, region: "eu" });
    expect(JSON.parse(forViewer.value!.text!)).toEqual({ customer: { email: "v@x.y" }, order: 1 });
    expect(JSON.stringify(forViewer)).not.toContain("a@b.c");
    expect(await exported(viewer)).toEqual({ key: { customer: { email: "****" }, region: "eu" }, value: { customer: { email: "v@x.y" }, order: 1 } });

    // An operator (exempt): the key as written, in each of them.
    expect((await page(operator))[0]!.keyPreview).toContain("a@b.c");
    expect((await scan(operator, 'record.key.customer.email == "a@b.c"')).map((m) => m.id)).toEqual([id]);
    expect(JSON.parse((await message(operator, { kind: "kafka", dlq: created.dlqTopic, id })).key!.text!)).toEqual({ customer: { email: "a@b.c" }, region: "eu" });
    expect(await exported(operator)).toEqual({ key: { customer: { email: "a@b.c" }, region: "eu" }, value: { customer: { email: "v@x.y" }, order: 1 } });
  });
});

describe("SQS DLQ browsing", () => {
  it("snapshots a DLQ of 500 messages without changing any queue's counts or any message's presence", async () => {
    const pair = await sqsDlqFixture({
      client: sqs,
      messages: Array.from({ length: 500 }, (_, i) => ({ body: JSON.stringify({ n: i }), attributes: { "failure-reason": `declined ${i}` } })),
    });
    cleanups.push(pair.cleanup);
    await new Collector(api.store, api.connections, api.connections.config).collect("sqs", "local");
    const counts = async (url: string) =>
      (
        await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: url,
            AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"],
          }),
        )
      ).Attributes;
    const before = { source: await counts(pair.sourceUrl), dlq: await counts(pair.dlqUrl) };
    expect(before.dlq?.ApproximateNumberOfMessages).toBe("500");

    const first = await api.data<{ id: string; captured: number; status: string }>("dlq.sqs.takeSnapshot", {
      kind: "mutation",
      input: { connection: "local", queue: pair.dlq },
      headers: as(viewer),
    });
    expect(first).toMatchObject({ captured: 500, status: "complete" });
    expect({ source: await counts(pair.sourceUrl), dlq: await counts(pair.dlqUrl) }).toEqual(before);

    // Every message is still there: a second snapshot sees the same 500 ids.
    const second = await api.data<{ id: string; captured: number }>("dlq.sqs.takeSnapshot", { kind: "mutation", input: { connection: "local", queue: pair.dlq }, headers: as(viewer) });
    const ids = async (snapshotId: string) => {
      const all: string[] = [];
      let afterSeq = 0;
      for (;;) {
        const page = await api.data<{ messages: DlqMessageSummary[]; nextSeq: number | null }>("dlq.sqs.messages", {
          kind: "query",
          input: { connection: "local", queue: pair.dlq, snapshotId, afterSeq, limit: 500 },
          headers: as(viewer),
        });
        all.push(...page.messages.map((m) => m.id));
        if (page.nextSeq === null) return all.sort();
        afterSeq = page.nextSeq;
      }
    };
    const firstIds = await ids(first.id);
    expect(firstIds).toHaveLength(500);
    expect(await ids(second.id)).toEqual(firstIds);
    expect(firstIds).toEqual([...pair.messageIds].sort());

    const detail = await message(viewer, { kind: "sqs", dlq: pair.dlq, id: pair.messageIds[0]!, snapshotId: first.id });
    expect(detail.failure).toMatchObject({ convention: "sqs-attribute", sourceQueue: pair.sourceQueue, message: "declined 0" });

    // Browsing never receives from a source queue.
    const refused = await api.call("dlq.sqs.takeSnapshot", { kind: "mutation", input: { connection: "local", queue: pair.sourceQueue }, headers: as(viewer) });
    expect(refused.status).toBe(400);
    expect({ source: await counts(pair.sourceUrl), dlq: await counts(pair.dlqUrl) }).toEqual(before);
  });
});
