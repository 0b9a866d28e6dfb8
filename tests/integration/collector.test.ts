import {
  ChangeMessageVisibilityCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
} from "@aws-sdk/client-sqs";
import { count, eq, sql } from "drizzle-orm";
import { Kafka, logLevel, type Admin } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configSchema } from "~/server/config/schema";
import { buildConnections, closeConnections } from "~/server/connections/registry";
import { openControlStore } from "~/server/db/control-store";
import { kafkaGroupSamples, sqsQueueSamples } from "~/server/db/schema";
import { Collector } from "~/server/jobs/collector";
import { applyRetention } from "~/server/jobs/retention";
import { renderMetrics } from "~/server/metrics/prometheus";
import { createQueuePair, sqsClient, type QueuePair } from "../fixtures/sqs";
import { ApiHarness } from "./helpers/api";
import { createTestDatabase, KAFKA_BROKER, SQS_ENDPOINT, uniqueName } from "./helpers/environment";
import { waitUntilHosted } from "../fixtures/kafka";

const sqs = sqsClient(SQS_ENDPOINT);
const kafka = new Kafka({ clientId: "collector-test", brokers: [KAFKA_BROKER], logLevel: logLevel.NOTHING });
let admin: Admin;
let api: ApiHarness;
let collector: Collector;
const prefix = uniqueName("col");
const queuePairs: QueuePair[] = [];
const topics: string[] = [];

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
  api = await ApiHarness.start({
    kafka: [{ name: "local", brokers: [KAFKA_BROKER], dlq: { mappings: [{ source: `${prefix}-orders`, topic: `${prefix}-orders-failures` }] } }],
    sqs: [{ name: "local", endpoint: SQS_ENDPOINT, region: "elasticmq", credentials: { accessKeyId: "x", secretAccessKey: "x" }, queueNamePrefix: prefix }],
  });
  collector = new Collector(api.store, api.connections, api.connections.config);
});

afterAll(async () => {
  for (const pair of queuePairs) await pair.cleanup();
  await admin?.deleteTopics({ topics }).catch(() => undefined);
  await admin?.disconnect();
  sqs.destroy();
  await api?.close();
});

const metricValue = (metrics: string, name: string, labels: string) => new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, "m").exec(metrics)?.[1];

describe("the collector", () => {
  it("samples SQS visible, in-flight and delayed counts and each DLQ's depth as the broker reports them", async () => {
    const pair = await createQueuePair(sqs, { sourceQueue: `${prefix}-payments`, dlq: `${prefix}-payments-dlq` });
    queuePairs.push(pair);
    const { dlqUrl, sourceUrl } = pair;
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: sourceUrl, Entries: Array.from({ length: 6 }, (_, i) => ({ Id: `v${i}`, MessageBody: `m${i}` })) }));
    await sqs.send(new SendMessageCommand({ QueueUrl: sourceUrl, MessageBody: "later", DelaySeconds: 60 }));
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: sourceUrl, MaxNumberOfMessages: 2, VisibilityTimeout: 120 }));
    expect(received.Messages).toHaveLength(2);
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: dlqUrl, Entries: Array.from({ length: 9 }, (_, i) => ({ Id: `d${i}`, MessageBody: `dead${i}` })) }));

    await collector.collect("sqs", "local");
    const broker = (
      await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: sourceUrl,
          AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"],
        }),
      )
    ).Attributes!;
    expect(broker).toMatchObject({ ApproximateNumberOfMessages: "4", ApproximateNumberOfMessagesNotVisible: "2", ApproximateNumberOfMessagesDelayed: "1" });

    const rows = await api.store.db.select().from(sqsQueueSamples).where(eq(sqsQueueSamples.connection, "local"));
    const source = rows.find((r) => r.queue === `${prefix}-payments`);
    const dlq = rows.find((r) => r.queue === `${prefix}-payments-dlq`);
    expect(source).toMatchObject({ visible: 4, inFlight: 2, delayed: 1, isDeadLetterQueue: false });
    expect(dlq).toMatchObject({ visible: 9, isDeadLetterQueue: true, sourceQueues: [`${prefix}-payments`] });

    const metrics = (await renderMetrics(api.store.db, api.connections)).body;
    expect(metricValue(metrics, "redrive_dlq_depth", `connection="local",dlq="${prefix}-payments-dlq"`)).toBe("9");
    expect(metricValue(metrics, "redrive_queue_messages", `connection="local",queue="${prefix}-payments",state="visible"`)).toBe("4");
    expect(metricValue(metrics, "redrive_queue_messages", `connection="local",queue="${prefix}-payments",state="in_flight"`)).toBe("2");
    expect(metricValue(metrics, "redrive_queue_messages", `connection="local",queue="${prefix}-payments",state="delayed"`)).toBe("1");

    for (const message of received.Messages ?? []) {
      await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: sourceUrl, ReceiptHandle: message.ReceiptHandle!, VisibilityTimeout: 0 }));
    }
  });

  it("finds Kafka DLQ topics by pattern and by explicit mapping, with their retained message count", async () => {
    const byPattern = `${prefix}-billing.DLQ`;
    const mapped = `${prefix}-orders-failures`;
    const plain = `${prefix}-orders`;
    topics.push(byPattern, mapped, plain);
    await admin.createTopics({ topics: [byPattern, mapped, plain].map((topic) => ({ topic, numPartitions: 2 })), waitForLeaders: true });
    await waitUntilHosted([byPattern, mapped, plain]);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: byPattern, messages: Array.from({ length: 5 }, (_, i) => ({ partition: i % 2, value: `x${i}` })) });
    await producer.send({ topic: mapped, messages: [{ partition: 0, value: "y" }, { partition: 1, value: "z" }] });
    await producer.disconnect();

    await collector.collect("kafka", "local");
    const depth = await api.data<{ dlqs: { kind: string; name: string; depth: number; sources: string[]; oldestMessageAt: Date | null; newestMessageAt: Date | null }[] }>("depth.list", {
      kind: "query",
      headers: { authorization: `Bearer ${await api.tokenFor("viewer")}` },
    });
    const mine = depth.dlqs.filter((d) => d.kind === "kafka" && d.name.startsWith(prefix));
    expect(mine).toEqual([
      expect.objectContaining({ name: byPattern, depth: 5, sources: [] }),
      expect.objectContaining({ name: mapped, depth: 2, sources: [plain] }),
    ]);
    // Oldest and newest record times come from the records themselves.
    const [pattern] = mine;
    expect(pattern!.oldestMessageAt).toBeInstanceOf(Date);
    expect(pattern!.newestMessageAt!.getTime()).toBeGreaterThanOrEqual(pattern!.oldestMessageAt!.getTime());
    expect(Date.now() - pattern!.newestMessageAt!.getTime()).toBeLessThan(120_000);
  });

  it("keeps collecting after a topic it has read is deleted", async () => {
    const doomed = `${prefix}-doomed.DLQ`;
    await admin.createTopics({ topics: [{ topic: doomed, numPartitions: 1 }], waitForLeaders: true });
    await collector.collect("kafka", "local");
    await admin.deleteTopics({ topics: [doomed] });
    const fresh = `${prefix}-fresh.DLQ`;
    topics.push(fresh);
    await admin.createTopics({ topics: [{ topic: fresh, numPartitions: 1 }], waitForLeaders: true });
    await collector.collect("kafka", "local");
    const [run] = await api.store.db.execute(sql`select ok, error from collector_runs where connection_kind = 'kafka' order by id desc limit 1`).then(
      (result) => (result as unknown as { rows: { ok: boolean; error: string | null }[] }).rows,
    );
    expect(run).toEqual({ ok: true, error: null });
  });

  it("folds raw samples past the raw retention into 1-minute averages and drops what is past all retention", async () => {
    const db = api.store.db;
    const base = new Date("2026-01-01T00:10:00Z").getTime();
    const row = (offsetSeconds: number, totalLag: number) => ({
      connection: "retention",
      groupId: "g",
      sampledAt: new Date(base + offsetSeconds * 1000),
      state: "Stable",
      protocolType: "consumer",
      protocol: "range",
      members: 1,
      topics: ["t"],
      totalLag,
      maxLag: totalLag,
      status: "OK",
    });
    // Four samples in one minute, two in the next, and one ancient.
    await db.insert(kafkaGroupSamples).values([row(0, 10), row(15, 20), row(30, 30), row(45, 40), row(60, 100), row(75, 200), row(-30 * 86_400, 1)]);
    await applyRetention(db, api.connections.config.collector, new Date(base + 2 * 86_400_000));
    const rows = await db.select().from(kafkaGroupSamples).where(eq(kafkaGroupSamples.connection, "retention")).orderBy(kafkaGroupSamples.sampledAt);
    expect(rows.map((r) => ({ at: r.sampledAt.toISOString(), resolution: r.resolutionSeconds, lag: r.totalLag }))).toEqual([
      { at: "2026-01-01T00:10:00.000Z", resolution: 60, lag: 25 },
      { at: "2026-01-01T00:11:00.000Z", resolution: 60, lag: 150 },
    ]);
  });

  it("lets only one replica collect when several share a Postgres control store", async () => {
    const database = await createTestDatabase();
    const [first, second] = [await openControlStore({ databaseUrl: database.url }), await openControlStore({ databaseUrl: database.url })];
    const config = configSchema.parse({ sqs: [{ name: "local", endpoint: SQS_ENDPOINT, region: "elasticmq", credentials: { accessKeyId: "x", secretAccessKey: "x" }, queueNamePrefix: prefix }] });
    const [connectionsA, connectionsB] = [buildConnections(config), buildConnections(config)];
    const [a, b] = [new Collector(first, connectionsA, config), new Collector(second, connectionsB, config)];
    try {
      await a.start();
      await b.start();
      const runs = await first.db.execute(sql`select count(*)::int as n from collector_runs`);
      expect((runs as unknown as { rows: { n: number }[] }).rows[0]!.n).toBe(1);
      // When the leader goes away, the other takes over on its next try.
      await a.stop();
      const lease = await second.tryLease(7_346_211_002);
      expect(lease).not.toBeNull();
      await lease!.release();
      const [samples] = await second.db.select({ n: count() }).from(sqsQueueSamples);
      expect(samples!.n).toBeGreaterThan(0);
    } finally {
      await a.stop();
      await b.stop();
      await closeConnections(connectionsA);
      await closeConnections(connectionsB);
      await first.close();
      await second.close();
      await database.drop();
    }
  });
});
