import { GetQueueAttributesCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KAFKA_BROKERS, kafkaDlqFixture } from "../fixtures/kafka";
import { queueDepth, sqsClient, sqsDlqFixture } from "../fixtures/sqs";
import type { ReplayDryRun } from "~/server/db/schema";
import { ApiHarness } from "./helpers/api";
import { KAFKA_BROKER, SQS_ENDPOINT } from "./helpers/environment";

const sqs = sqsClient(SQS_ENDPOINT);
const kafka = new Kafka({ clientId: "redrive-replay-jobs-test", brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING });
const cleanups: (() => Promise<unknown>)[] = [];
let api: ApiHarness;
let operator: string;
let viewer: string;

interface Job {
  id: string;
  state: string;
  stateReason: string | null;
  total: number;
  done: number;
  skipped: number;
  failed: number;
  cameBack: number;
  duplicates: number;
  dryRun: ReplayDryRun | null;
}

beforeAll(async () => {
  api = await ApiHarness.start({
    kafka: [{ name: "local", brokers: [KAFKA_BROKER] }],
    sqs: [{ name: "local", endpoint: SQS_ENDPOINT, region: "elasticmq", credentials: { accessKeyId: "x", secretAccessKey: "x" } }],
  });
  operator = await api.tokenFor("operator");
  viewer = await api.tokenFor("viewer");
  await api.startWorker();
});

afterAll(async () => {
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  sqs.destroy();
  await api?.close();
});

const as = (token: string) => ({ authorization: `Bearer ${token}` });
const mutate = <T>(procedure: string, input: unknown) => api.data<T>(`replayJobs.${procedure}`, { kind: "mutation", input, headers: as(operator) });
const job = async (jobId: string) => (await api.data<{ job: Job }>("replayJobs.get", { kind: "query", input: { jobId }, headers: as(viewer) })).job;

async function until(jobId: string, done: (job: Job) => boolean, timeoutMs = 60_000): Promise<Job> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = await job(jobId);
    if (done(current)) return current;
    if (Date.now() > deadline) throw new Error(`job ${jobId} is still ${current.state} (${JSON.stringify(current)})`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Every record of a topic, read back from the broker. */
async function readTopic(topic: string) {
  const adapter = api.connections.kafka.get("local")!;
  const records: { partition: number; offset: number; key: Buffer | null; value: Buffer | null; headers: Record<string, string> }[] = [];
  for (const p of await adapter.topicOffsets(topic)) {
    let offset = p.logStartOffset;
    while (offset < p.logEndOffset) {
      const batch = await adapter.readRecords(topic, p.partition, offset);
      for (const r of batch) {
        records.push({
          partition: p.partition,
          offset: Number(r.offset),
          key: r.key,
          value: r.value,
          headers: Object.fromEntries(r.headers.map(([k, v]) => [k, String(v)])),
        });
      }
      offset = Number(batch.at(-1)!.offset) + 1;
    }
  }
  return records;
}

describe("bulk replay jobs, Kafka", () => {
  it("dry-runs a CEL filter exactly, replays only the matches with their bytes, and skips them the second time", async () => {
    const messages = Array.from({ length: 40 }, (_, i) => ({
      key: i % 5 === 0 ? null : `order-${i}`,
      value: JSON.stringify({ orderId: i, tier: i % 2 === 0 ? "gold" : "silver" }),
      headers: { "trace-id": `t-${i}` },
    }));
    const fixture = await kafkaDlqFixture({ messages, partitions: 3 });
    cleanups.push(fixture.cleanup);
    const draft = await mutate<Job>("dryRun", {
      kind: "kafka",
      connection: "local",
      dlq: fixture.dlqTopic,
      selection: { source: "filter", expression: 'record.value.tier == "gold"' },
      options: { canarySize: 5, canaryWaitSeconds: 1, batchSize: 7 },
    });
    expect(draft.state).toBe("draft");
    expect(draft.total).toBe(20);
    expect(draft.dryRun).toMatchObject({ scanned: 40, matched: 20, resolved: 0, quarantined: 0, noTarget: 0 });
    expect(draft.dryRun!.byTarget).toEqual([{ target: fixture.topic, count: 20 }]);
    expect(draft.dryRun!.byGroup.reduce((sum, g) => sum + g.count, 0)).toBe(20);
    expect(draft.dryRun!.sample).toHaveLength(20);

    await mutate("start", { jobId: draft.id });
    const finished = await until(draft.id, (j) => j.state === "completed");
    expect(finished).toMatchObject({ total: 20, done: 20, skipped: 0, failed: 0, duplicates: 0 });

    const copies = await readTopic(fixture.topic);
    expect(copies).toHaveLength(20);
    const byTrace = new Map(copies.map((c) => [c.headers["trace-id"], c]));
    for (const [i, original] of messages.entries()) {
      const copy = byTrace.get(`t-${i}`);
      if (i % 2 === 1) {
        expect(copy).toBeUndefined();
        continue;
      }
      expect(copy!.value!.toString()).toBe(original.value);
      expect(copy!.key?.toString() ?? null).toBe(original.key);
      expect(copy!.headers["redrive-replay-count"]).toBe("1");
      expect(copy!.headers["redrive-replay-id"]).toMatch(/^[0-9a-f-]{36}$/);
      expect(Object.keys(copy!.headers).some((h) => h.startsWith("kafka_dlt-"))).toBe(false);
    }

    const items = await api.data<{ items: { state: string; targetPosition: string; replayId: string }[] }>("replayJobs.items", {
      kind: "query",
      input: { jobId: draft.id, limit: 100 },
      headers: as(viewer),
    });
    expect(items.items.map((i) => i.state)).toEqual(new Array(20).fill("done"));
    for (const item of items.items) {
      const [partition, offset] = item.targetPosition.split(":").map(Number);
      expect(copies.find((c) => c.partition === partition && c.offset === offset)?.headers["redrive-replay-id"]).toBe(item.replayId);
    }

    // A second bulk replay of the same filter skips what the ledger marks done, unless asked again.
    const again = await mutate<Job>("dryRun", {
      kind: "kafka",
      connection: "local",
      dlq: fixture.dlqTopic,
      selection: { source: "filter", expression: 'record.value.tier == "gold"' },
    });
    expect(again.total).toBe(0);
    expect(again.dryRun).toMatchObject({ matched: 20, resolved: 20 });
    const forced = await mutate<Job>("dryRun", {
      kind: "kafka",
      connection: "local",
      dlq: fixture.dlqTopic,
      selection: { source: "filter", expression: 'record.value.tier == "gold"' },
      options: { includeResolved: true },
    });
    expect(forced.total).toBe(20);
  });

  it("keeps binary, invalid UTF-8, 1 MiB and empty payloads and null keys byte for byte", async () => {
    const big = Buffer.alloc(1024 * 1024, 0xab);
    const payloads = [Buffer.from([0x00, 0xff, 0xfe, 0x01]), Buffer.from([0xc3, 0x28, 0xa0, 0xa1]), big, Buffer.alloc(0), null];
    const fixture = await kafkaDlqFixture({ messages: payloads.map((value, i) => ({ key: null, value, headers: { n: String(i) } })), partitions: 1 });
    cleanups.push(fixture.cleanup);
    const draft = await mutate<Job>("dryRun", { kind: "kafka", connection: "local", dlq: fixture.dlqTopic, selection: { source: "all" }, options: { canarySize: 0 } });
    expect(draft.total).toBe(5);
    await mutate("start", { jobId: draft.id });
    await until(draft.id, (j) => j.state === "completed");
    const copies = await readTopic(fixture.topic);
    expect(copies).toHaveLength(5);
    for (const copy of copies) {
      const original = payloads[Number(copy.headers.n)]!;
      expect(copy.key).toBeNull();
      if (original === null) expect(copy.value).toBeNull();
      else expect(Buffer.compare(copy.value ?? Buffer.alloc(0), original)).toBe(0);
    }
  });

  it("pauses, resumes and finishes a rate-limited job; a cancelled job stops", async () => {
    const fixture = await kafkaDlqFixture({ messages: Array.from({ length: 60 }, (_, i) => ({ key: `k-${i}`, value: `v-${i}` })), partitions: 2 });
    cleanups.push(fixture.cleanup);
    const draft = await mutate<Job>("dryRun", {
      kind: "kafka",
      connection: "local",
      dlq: fixture.dlqTopic,
      selection: { source: "all" },
      options: { canarySize: 0, ratePerSecond: 20 },
    });
    await mutate("start", { jobId: draft.id });
    await until(draft.id, (j) => j.done >= 10);
    const paused = await mutate<Job>("pause", { jobId: draft.id });
    expect(paused.state).toBe("paused");
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // a batch in flight may still settle
    const settled = (await job(draft.id)).done;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await job(draft.id)).done).toBe(settled);
    expect(settled).toBeLessThan(60);
    await mutate("resume", { jobId: draft.id });
    const finished = await until(draft.id, (j) => j.state === "completed");
    expect(finished.done).toBe(60);
    expect(await readTopic(fixture.topic)).toHaveLength(60);

    const second = await mutate<Job>("dryRun", {
      kind: "kafka",
      connection: "local",
      dlq: fixture.dlqTopic,
      selection: { source: "all" },
      options: { canarySize: 0, ratePerSecond: 10, includeResolved: true },
    });
    await mutate("start", { jobId: second.id });
    await until(second.id, (j) => j.done >= 5);
    expect((await mutate<Job>("cancel", { jobId: second.id })).state).toBe("cancelled");
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const cancelled = await job(second.id);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await job(second.id)).done).toBe(cancelled.done);
    expect(cancelled.done).toBeLessThan(60);
  });

  it("pauses when the canary's copies die again, and says why", async () => {
    const fixture = await kafkaDlqFixture({ messages: Array.from({ length: 30 }, (_, i) => ({ key: `k-${i}`, value: `{"n":${i}}` })), partitions: 1 });
    cleanups.push(fixture.cleanup);
    // A consumer of the origin topic that still fails: every copy goes back to the DLQ, as a real one would.
    const consumer = kafka.consumer({ groupId: `${fixture.topic}-still-broken` });
    const producer = kafka.producer();
    await Promise.all([consumer.connect(), producer.connect()]);
    await consumer.subscribe({ topic: fixture.topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        await producer.send({ topic: fixture.dlqTopic, messages: [{ key: message.key, value: message.value, headers: { ...message.headers, "kafka_dlt-original-topic": fixture.topic } }] });
      },
    });
    cleanups.push(async () => {
      await consumer.disconnect();
      await producer.disconnect();
    });
    const draft = await mutate<Job>("dryRun", {
      kind: "kafka",
      connection: "local",
      dlq: fixture.dlqTopic,
      selection: { source: "all" },
      options: { canarySize: 5, canaryWaitSeconds: 8, maxFailShare: 0.2 },
    });
    await mutate("start", { jobId: draft.id });
    const paused = await until(draft.id, (j) => j.state !== "running" && j.state !== "queued");
    expect(paused.state).toBe("paused");
    expect(paused.done).toBe(5);
    expect(paused.cameBack).toBeGreaterThanOrEqual(1);
    expect(paused.stateReason).toMatch(/Canary failed: \d of the first 5 replayed messages failed again/);

    // Closing the loop: the copy that died again names the replay and the job it came from.
    const cameBack = await api.data<{ cameBackFrom: { jobId: string; messageId: string; replayCount: number } | null }>("dlq.message", {
      kind: "query",
      input: { kind: "kafka", connection: "local", dlq: fixture.dlqTopic, id: "0:30" },
      headers: as(viewer),
    });
    expect(cameBack.cameBackFrom).toMatchObject({ jobId: draft.id, replayCount: 1 });
    expect(cameBack.cameBackFrom!.messageId).toMatch(/^0:[0-4]$/);
  });

  it("refuses a bad filter with its position, and a viewer cannot start a job", async () => {
    const fixture = await kafkaDlqFixture({ messages: [{ value: "x" }], partitions: 1 });
    cleanups.push(fixture.cleanup);
    const bad = await api.call("replayJobs.dryRun", {
      kind: "mutation",
      input: { kind: "kafka", connection: "local", dlq: fixture.dlqTopic, selection: { source: "filter", expression: "record.value ==" } },
      headers: as(operator),
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/line 1/i);
    // A misspelt field is refused before the DLQ is read, not dry-run as zero matches.
    const misspelt = await api.call("replayJobs.dryRun", {
      kind: "mutation",
      input: { kind: "kafka", connection: "local", dlq: fixture.dlqTopic, selection: { source: "filter", expression: 'record.error.exceptionClas == "x"' } },
      headers: as(operator),
    });
    expect(misspelt.status).toBe(400);
    expect(JSON.stringify(misspelt.body)).toContain("no such field: exceptionClas at line 1, column 14");
    const refused = await api.call("replayJobs.dryRun", {
      kind: "mutation",
      input: { kind: "kafka", connection: "local", dlq: fixture.dlqTopic, selection: { source: "all" } },
      headers: as(viewer),
    });
    expect(refused.status).toBe(403);
  });
});

describe("bulk replay jobs, SQS", () => {
  it("replays the filtered messages to their source queue and deletes only those from the DLQ", async () => {
    const fixture = await sqsDlqFixture({
      client: sqs,
      messages: Array.from({ length: 30 }, (_, i) => ({ body: JSON.stringify({ n: i, region: i % 3 === 0 ? "eu" : "us" }), attributes: { tenant: `t${i}` } })),
    });
    cleanups.push(fixture.cleanup);
    const draft = await mutate<Job>("dryRun", {
      kind: "sqs",
      connection: "local",
      dlq: fixture.dlq,
      selection: { source: "filter", expression: 'record.value.region == "eu"' },
      options: { canarySize: 0, batchSize: 4 },
    });
    expect(draft.total).toBe(10);
    expect(draft.dryRun!.byTarget).toEqual([{ target: fixture.sourceQueue, count: 10 }]);
    await mutate("start", { jobId: draft.id });
    const finished = await until(draft.id, (j) => j.state === "completed");
    expect(finished).toMatchObject({ done: 10, skipped: 0, failed: 0 });
    expect(await queueDepth(sqs, fixture.dlqUrl)).toBe(20);
    const copies: { body: string; tenant: string; redrive: string }[] = [];
    for (let round = 0; round < 20 && copies.length < 10; round += 1) {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: fixture.sourceUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ["All"], VisibilityTimeout: 60 }));
      copies.push(...Messages.map((m) => ({ body: m.Body ?? "", tenant: m.MessageAttributes?.tenant?.StringValue ?? "", redrive: m.MessageAttributes?.redrive?.StringValue ?? "" })));
    }
    expect(copies).toHaveLength(10);
    for (const copy of copies) {
      const body = JSON.parse(copy.body) as { n: number; region: string };
      expect(body.region).toBe("eu");
      expect(copy.tenant).toBe(`t${body.n}`);
      expect(JSON.parse(copy.redrive)).toMatchObject({ "redrive-replay-count": 1 });
    }
  });

  it("moves the whole DLQ back with SQS's own move task", async () => {
    const fixture = await sqsDlqFixture({ client: sqs, messages: Array.from({ length: 12 }, (_, i) => `m-${i}`) });
    cleanups.push(fixture.cleanup);
    const started = await mutate<Job & { action: string }>("moveAll", { connection: "local", dlq: fixture.dlq });
    expect(started.action).toBe("move");
    const finished = await until(started.id, (j) => j.state === "completed" || j.state === "failed");
    expect(finished).toMatchObject({ state: "completed", done: 12 });
    const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: fixture.sourceUrl, AttributeNames: ["ApproximateNumberOfMessages"] }));
    expect(Number(attributes.Attributes?.ApproximateNumberOfMessages)).toBe(12);
    expect(await queueDepth(sqs, fixture.dlqUrl)).toBe(0);
  });
});
