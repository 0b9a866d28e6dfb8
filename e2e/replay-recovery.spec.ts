import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { CreateQueueCommand, DeleteQueueCommand, ReceiveMessageCommand, DeleteMessageBatchCommand, SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import { expect, test } from "@playwright/test";
import { Kafka, logLevel } from "kafkajs";
import { createTestDatabase } from "../tests/integration/helpers/environment";
import { queueDepth } from "../tests/fixtures/sqs";
import { createApiToken } from "~/server/auth/sessions";
import { openControlStore } from "~/server/db/control-store";
import { sqsClient, uniqueName } from "./support/brokers";
import { RedriveServer } from "./support/server-process";

// Crash and outage tests: a Redrive server of their own (port, Postgres control store) that is killed
// with SIGKILL at random points of a replay and started again; and ElasticMQ stopped mid-job.
test.describe.configure({ mode: "serial" });

const KAFKA_BROKER = process.env.KAFKA_BROKER ?? "127.0.0.1:9092";
const kafka = new Kafka({ clientId: "redrive-e2e-recovery", brokers: [KAFKA_BROKER], logLevel: logLevel.NOTHING });
const sqs = sqsClient();
const port = Number(process.env.E2E_RECOVERY_PORT ?? 3111);

interface Job {
  id: string;
  state: string;
  stateReason: string | null;
  total: number;
  done: number;
  skipped: number;
  failed: number;
  duplicates: number;
  recoveries: number;
}

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let server: RedriveServer;
let token: string;

test.beforeAll(async () => {
  database = await createTestDatabase();
  const store = await openControlStore({ databaseUrl: database.url });
  token = (await createApiToken(store.db, { name: "e2e-recovery", role: "operator", createdBy: null, expiresAt: null })).token;
  await store.close();
  server = new RedriveServer(port, { REDRIVE_CONFIG: "e2e/redrive.e2e.yaml", DATABASE_URL: database.url, REDRIVE_DATA_DIR: "" });
  await server.start();
});

test.afterAll(async () => {
  await server?.stop();
  await database?.drop();
  sqs.destroy();
});

const randomBetween = (min: number, max: number) => min + Math.random() * (max - min);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function jobOf(jobId: string): Promise<Job> {
  return (await server.call<{ job: Job }>(token, "replayJobs.get", "query", { jobId })).job;
}

async function until(jobId: string, done: (job: Job) => boolean, timeoutMs: number): Promise<Job> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await jobOf(jobId).catch(() => null);
    if (job && done(job)) return job;
    if (Date.now() > deadline) throw new Error(`job ${jobId}: ${JSON.stringify(job)}\n${server.logs().slice(-3000)}`);
    await sleep(500);
  }
}

/** Kills the server at random points while the job runs, `times` times, restarting it after each. */
async function killRepeatedly(jobId: string, times: number): Promise<number> {
  let kills = 0;
  for (let i = 0; i < times; i += 1) {
    const before = (await jobOf(jobId)).done;
    await until(jobId, (job) => job.done > before || job.state === "completed", 60_000);
    await sleep(randomBetween(500, 3_000));
    if ((await jobOf(jobId)).state === "completed") break;
    await server.kill9();
    kills += 1;
    await sleep(randomBetween(0, 1_000));
    await server.start();
  }
  return kills;
}

test("Kafka: 50,000-message replay survives kill -9 several times; every message reaches the target, duplicates as shown", async () => {
  test.setTimeout(600_000);
  const source = uniqueName("e2e-crash-src");
  const dlq = `${source}.DLQ`;
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await Promise.all([admin.connect(), producer.connect()]);
  try {
    await admin.createTopics({ waitForLeaders: true, topics: [source, dlq].map((topic) => ({ topic, numPartitions: 4 })) });
    const TOTAL = 50_000;
    const padding = "x".repeat(200);
    for (let start = 0; start < TOTAL; start += 5_000) {
      await producer.send({
        topic: dlq,
        acks: -1,
        messages: Array.from({ length: 5_000 }, (_, i) => ({
          key: `order-${(start + i) % 997}`,
          value: JSON.stringify({ n: start + i, padding }),
          headers: { "kafka_dlt-original-topic": source, "kafka_dlt-exception-fqcn": "demo.Crash" },
        })),
      });
    }

    const draft = await server.call<Job>(token, "replayJobs.dryRun", "mutation", {
      kind: "kafka",
      connection: "local",
      dlq,
      selection: { source: "all" },
      options: { canarySize: 0, ratePerSecond: 2_500, batchSize: 500 },
    });
    expect(draft.total).toBe(TOTAL);
    await server.call(token, "replayJobs.start", "mutation", { jobId: draft.id });
    const kills = await killRepeatedly(draft.id, 3);
    expect(kills).toBeGreaterThanOrEqual(2);
    const finished = await until(draft.id, (job) => job.state === "completed", 300_000);
    expect(finished.done).toBe(TOTAL);
    expect(finished.recoveries).toBeGreaterThanOrEqual(1);

    // The broker's own view of the target: every snapshotted message at least once.
    const offsets = await admin.fetchTopicOffsets(source);
    const copies = offsets.reduce((sum, p) => sum + Number(p.high), 0);
    const seen = new Map<string, number>();
    const consumer = kafka.consumer({ groupId: uniqueName("e2e-crash-check") });
    await consumer.connect();
    await consumer.subscribe({ topic: source, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const from = message.headers?.["redrive-replayed-from"]?.toString() ?? "?";
        seen.set(from, (seen.get(from) ?? 0) + 1);
      },
    });
    await expect.poll(() => [...seen.values()].reduce((a, b) => a + b, 0), { timeout: 120_000 }).toBe(copies);
    await consumer.disconnect();
    expect(seen.size).toBe(TOTAL);
    const duplicates = copies - TOTAL;
    expect(duplicates).toBe(finished.duplicates);
    expect(duplicates).toBeLessThanOrEqual(kills * 500); // at most one in-flight batch per crash
    await admin.deleteGroups([]).catch(() => undefined);
  } finally {
    await admin.deleteTopics({ topics: [source, dlq] }).catch(() => undefined);
    await Promise.all([admin.disconnect(), producer.disconnect()]);
  }
});

test("SQS: 5,000-message replay survives kill -9 and an ElasticMQ outage; nothing leaves the DLQ without its copy", async () => {
  test.setTimeout(600_000);
  const dlqName = uniqueName("e2e-crash-dlq");
  const targetName = uniqueName("e2e-crash-target");
  const { QueueUrl: dlqUrl } = await sqs.send(new CreateQueueCommand({ QueueName: dlqName }));
  const { QueueUrl: targetUrl } = await sqs.send(new CreateQueueCommand({ QueueName: targetName }));
  try {
    const TOTAL = 5_000;
    for (let start = 0; start < TOTAL; start += 10) {
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: dlqUrl,
          Entries: Array.from({ length: 10 }, (_, i) => ({ Id: String(i), MessageBody: JSON.stringify({ n: start + i }) })),
        }),
      );
    }
    const draft = await server.call<Job>(token, "replayJobs.dryRun", "mutation", {
      kind: "sqs",
      connection: "local",
      dlq: dlqName,
      target: targetName,
      selection: { source: "all" },
      options: { canarySize: 0, ratePerSecond: 300, batchSize: 50 },
    });
    expect(draft.total).toBe(TOTAL);
    await server.call(token, "replayJobs.start", "mutation", { jobId: draft.id });
    const kills = await killRepeatedly(draft.id, 2);

    // Stop ElasticMQ mid-job: the job waits, says why, and goes on when it is back.
    const pid = Number(readFileSync(".stack/elasticmq.pid", "utf8").trim());
    process.kill(pid, "SIGTERM");
    const waiting = await until(draft.id, (job) => job.state === "waiting", 120_000);
    expect(waiting.stateReason).toMatch(/Waiting for SQS/);
    execFileSync("node", ["scripts/stack.mjs", "up"], { stdio: "ignore" });
    const finished = await until(draft.id, (job) => job.state === "completed", 400_000);
    expect(finished.done).toBe(TOTAL);

    // Nothing left the DLQ without its copy: the DLQ is empty and the target holds every message.
    expect(await queueDepth(sqs, dlqUrl!)).toBe(0);
    const counts = new Map<number, number>();
    for (let empty = 0; empty < 3; ) {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: targetUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 120 }));
      if (Messages.length === 0) {
        empty += 1;
        continue;
      }
      for (const m of Messages) {
        const n = (JSON.parse(m.Body ?? "{}") as { n: number }).n;
        counts.set(n, (counts.get(n) ?? 0) + 1);
      }
      await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: targetUrl, Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
    }
    expect(counts.size).toBe(TOTAL);
    const duplicates = [...counts.values()].reduce((sum, c) => sum + c - 1, 0);
    // SQS cannot be asked whether a copy arrived: the job counts every resend of an unconfirmed batch.
    expect(duplicates).toBeLessThanOrEqual(finished.duplicates);
    expect(finished.duplicates).toBeLessThanOrEqual((kills + 1) * 50);
  } finally {
    await sqs.send(new DeleteQueueCommand({ QueueUrl: dlqUrl })).catch(() => undefined);
    await sqs.send(new DeleteQueueCommand({ QueueUrl: targetUrl })).catch(() => undefined);
  }
});
