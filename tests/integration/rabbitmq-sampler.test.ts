import { and, count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RabbitMqAdapter } from "~/server/brokers/rabbitmq/adapter";
import { rabbitmqQueueSamples, replayJobItems, replayJobs, replayLedger } from "~/server/db/schema";
import { latestDepths } from "~/server/depth/latest";
import { RabbitMqSampler } from "~/server/jobs/rabbitmq-sampler";
import { applyRetention } from "~/server/jobs/retention";
import { renderMetrics } from "~/server/metrics/prometheus";
import { DEFAULT_JOB_OPTIONS } from "~/server/replay/jobs/default-options";
import { RabbitReplayExecutor } from "~/server/replay/jobs/rabbitmq-executor";
import { runReplaySlice } from "~/server/replay/jobs/runner";
import { configSchema } from "~/server/config/schema";
import { buildConnections, closeConnections, pingerFor } from "~/server/connections/registry";
import { connectionSampleStates } from "~/server/health/readiness";
import { Collector } from "~/server/jobs/collector";
import { ApiHarness } from "./helpers/api";
import { eventually, RABBITMQ_MANAGEMENT_URL, RABBITMQ_URL, RabbitFixture } from "./helpers/rabbitmq";
import { idOf, management, seedDeadLetters } from "./helpers/rabbitmq-dead-letters";

let api: ApiHarness;
let rabbit: RabbitFixture;
let adapter: RabbitMqAdapter;

beforeAll(async () => {
  api = await ApiHarness.start({ rabbitmq: [{ name: "rabbit", url: RABBITMQ_URL, managementUrl: RABBITMQ_MANAGEMENT_URL }] });
  adapter = api.connections.rabbitmq.get("rabbit")!;
  rabbit = await RabbitFixture.open();
});

afterAll(async () => {
  await rabbit?.cleanup();
  await api?.close();
});

describe("the RabbitMQ sampler", () => {
  it("stores each queue's depth and consumers as the management API reports them, and each DLQ's sources", async () => {
    const { dlq, orders, shop } = await seedDeadLetters(rabbit, 12);
    // Five more orders, two of them held unacknowledged by a consumer that never acks.
    for (let i = 0; i < 5; i++) rabbit.channel.publish(shop, "orders.created", Buffer.from(`later-${i}`));
    await rabbit.channel.waitForConfirms();
    const consumer = await rabbit.connection.createChannel();
    await consumer.prefetch(2);
    await consumer.consume(orders, () => undefined);
    await eventually(
      "orders: 3 ready, 2 unacked, 1 consumer",
      () => management.queue(orders),
      (q) => q?.messagesReady === 3 && q.messagesUnacknowledged === 2 && q.consumers === 1,
    );
    await eventually("dlq: 12 ready", () => management.queue(dlq), (q) => q?.messagesReady === 12);

    await new RabbitMqSampler(api.store.db, adapter).sample();
    const rows = await api.store.db.select().from(rabbitmqQueueSamples).where(eq(rabbitmqQueueSamples.connection, "rabbit"));
    const byName = new Map(rows.map((r) => [r.queue, r]));
    for (const name of [orders, dlq]) {
      const truth = (await management.queue(name))!;
      const sampled = byName.get(name)!;
      expect({ ready: sampled.ready, unacked: sampled.unacked, consumers: sampled.consumers }).toEqual({
        ready: truth.messagesReady,
        unacked: truth.messagesUnacknowledged,
        consumers: truth.consumers,
      });
    }
    expect(byName.get(dlq)).toMatchObject({ isDeadLetterQueue: true, sourceQueues: [orders] });
    expect(byName.get(orders)).toMatchObject({ isDeadLetterQueue: false, sourceQueues: [] });
    // The head of a classic DLQ is read for its x-death time: dead-lettered seconds ago, not never.
    expect(byName.get(dlq)!.headDeadLetteredAgeSeconds).not.toBeNull();
    expect(byName.get(dlq)!.headDeadLetteredAgeSeconds!).toBeLessThan(120);
    // The read returned the head: the DLQ still holds all twelve.
    expect(await rabbit.count(dlq)).toBe(12);
    await consumer.close();

    const depths = await latestDepths(api.store.db, api.connections);
    const listed = depths.dlqs.find((d) => d.kind === "rabbitmq" && d.name === dlq);
    expect(listed).toMatchObject({ connection: "rabbit", sources: [orders], depth: 12, notReplayed: 12, health: { status: "OK" } });
    expect(listed!.oldestMessageAt).not.toBeNull();
    expect(depths.dlqs.some((d) => d.name === orders)).toBe(false);

    const metrics = (await renderMetrics(api.store.db, api.connections)).body;
    expect(metrics).toContain(`rabbitmq_queue_messages_ready{connection="rabbit",vhost="/",queue="${orders}"} 3`);
    expect(metrics).toContain(`rabbitmq_queue_messages_unacked{connection="rabbit",vhost="/",queue="${orders}"} 2`);
    expect(metrics).toContain(`rabbitmq_queue_consumers{connection="rabbit",vhost="/",queue="${orders}"} 1`);
    expect(metrics).toContain(`redrive_dlq_depth{connection="rabbit",dlq="${dlq}"} 12`);
  });
});

describe("a RabbitMQ connection whose broker is down", () => {
  it("fails its samples and pings with the reason, and nothing else", async () => {
    const connections = buildConnections(configSchema.parse({ rabbitmq: [{ name: "gone", url: "amqp://127.0.0.1:49999", managementUrl: "http://127.0.0.1:49999", timeoutMs: 2_000 }] }));
    try {
      const collector = new Collector(api.store, connections, connections.config);
      await collector.collect("rabbitmq", "gone");
      const [state] = await connectionSampleStates(api.store.db, connections);
      expect(state).toMatchObject({ kind: "rabbitmq", name: "gone", up: false, lastSuccessAt: null });
      await expect(pingerFor(connections, { kind: "rabbitmq", name: "gone" }).ping()).rejects.toThrow();
      const depths = await latestDepths(api.store.db, connections);
      expect(depths.rabbitmq).toEqual([{ snapshot: expect.objectContaining({ kind: "rabbitmq", connection: "gone", sampledAt: null, lastRunOk: false }), queues: [] }]);
      expect(depths.rabbitmq[0]!.snapshot.lastError).toContain("RabbitMQ management API at 127.0.0.1:49999 is unreachable (ECONNREFUSED)");
    } finally {
      await closeConnections(connections);
    }
  });
});

describe("RabbitMQ sample retention", () => {
  it("folds raw samples past the raw retention into 1-minute averages, keeping a DLQ's sources", async () => {
    const db = api.store.db;
    const minute = Date.UTC(2026, 0, 1, 12, 0, 0);
    const row = (seconds: number, ready: number) => ({
      connection: "retention",
      queue: "old.dlq",
      sampledAt: new Date(minute + seconds * 1000),
      ready,
      unacked: 2,
      consumers: 0,
      consumerUtilisation: null,
      publishRate: 1,
      deliverRate: null,
      isDeadLetterQueue: true,
      sourceQueues: ["old"],
      headDeadLetteredAgeSeconds: 30 + seconds,
    });
    await db.insert(rabbitmqQueueSamples).values([row(0, 10), row(15, 20), row(30, 30)]);
    await applyRetention(db, { ...api.connections.config.collector, rawRetentionHours: 1, rollupRetentionDays: 3650 }, new Date(minute + 2 * 3_600_000));
    const rows = await db.select().from(rabbitmqQueueSamples).where(eq(rabbitmqQueueSamples.connection, "retention"));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ resolutionSeconds: 60, ready: 20, unacked: 2, consumers: 0, isDeadLetterQueue: true, sourceQueues: ["old"], headDeadLetteredAgeSeconds: 45 });
  });
});

describe("a RabbitMQ bulk replay job", () => {
  it("replays the chosen dead letters through the runner, and the ledger counts what the broker received", async () => {
    const { dlq, orders } = await seedDeadLetters(rabbit, 20);
    await eventually("dlq: 20 ready", () => management.queue(dlq), (q) => q?.messagesReady === 20);
    // The filtered set: the gold tier (even ids), ten of twenty.
    const chosen = Array.from({ length: 20 }, (_, i) => i).filter((i) => i % 2 === 0);
    const db = api.store.db;
    const [job] = await db
      .insert(replayJobs)
      .values({
        kind: "rabbitmq",
        action: "replay",
        connection: "rabbit",
        dlq,
        selection: { source: "filter", expression: 'body.tier == "gold"' },
        options: { ...DEFAULT_JOB_OPTIONS, canarySize: 0, batchSize: 4 },
        // As a worker that died mid-batch leaves it: running, two items marked "sent" (their copies may exist), two
        // "sending" (taken, never published).
        state: "running",
        total: chosen.length,
        createdBy: "test",
      })
      .returning();
    await db.insert(replayJobItems).values(chosen.map((i, seq) => ({ jobId: job!.id, seq, messageId: `id:${idOf(i)}`, state: seq < 2 ? ("sent" as const) : seq < 4 ? ("sending" as const) : ("pending" as const) })));

    // pg-boss handing the slice out again: the crashed batch is recovered first.
    await runReplaySlice({ db, connections: api.connections, queue: await api.jobs() }, job!.id, { retried: true });

    const [after] = await db.select().from(replayJobs).where(eq(replayJobs.id, job!.id));
    // The crashed batch's originals were never acknowledged, so all ten are replayed; the two "sent" may have had copies already.
    expect(after).toMatchObject({ state: "completed", done: 10, failed: 0, skipped: 0, duplicates: 2, recoveries: 1 });

    // Three copies fail again: rejected from their queue, they dead-letter back into the DLQ.
    const consumer = await rabbit.connection.createChannel();
    for (let n = 0; n < 3; n++) {
      const copy = await consumer.get(orders, { noAck: false });
      expect(copy).not.toBe(false);
      if (copy) consumer.nack(copy, false, false);
    }
    await consumer.close();
    await eventually("three copies back in the DLQ", () => rabbit.count(dlq), (n) => n === 13);
    const [running] = await db.select().from(replayJobs).where(eq(replayJobs.id, job!.id));
    expect(await new RabbitReplayExecutor(db, adapter, running!).checkCameBack(true)).toBe(3);
    const [counted] = await db.select().from(replayJobs).where(eq(replayJobs.id, job!.id));
    expect(counted!.cameBack).toBe(3);
    const [ledger] = await db
      .select({ n: count() })
      .from(replayLedger)
      .where(and(eq(replayLedger.kind, "rabbitmq"), eq(replayLedger.connection, "rabbit"), eq(replayLedger.dlq, dlq)));
    // The broker's side: seven copies still in orders (their origin) and three back in the DLQ, which otherwise
    // holds the ten silver dead letters it was not asked to replay.
    const copies = await rabbit.drain(orders);
    const left = await rabbit.drain(dlq);
    const backAgain = left.filter((m) => (m.properties.headers as Record<string, unknown>)["x-redrive-replay-id"] !== undefined);
    expect(ledger!.n).toBe(copies.length + backAgain.length);
    expect([...copies, ...backAgain].map((m) => m.properties.messageId as string).sort()).toEqual(chosen.map(idOf).sort());
    const notReplayed = left.filter((m) => !backAgain.includes(m));
    expect(notReplayed).toHaveLength(10);
    expect(notReplayed.every((m) => (JSON.parse(m.content.toString()) as { tier: string }).tier === "silver")).toBe(true);
    const ledgerTargets = await db.selectDistinct({ target: replayLedger.target }).from(replayLedger).where(eq(replayLedger.dlq, dlq));
    expect(ledgerTargets.map((t) => t.target)).toEqual([expect.stringContaining("/ orders.created")]);
  });

  it("waits with the reason on a DLQ it may not read, leaving every item untouched", async () => {
    const dlq = await rabbit.queue("quorum-dlq", { "x-queue-type": "quorum", "x-delivery-limit": 3 });
    await rabbit.publish("", dlq, "dead", { messageId: "q-1" });
    const db = api.store.db;
    const [job] = await db
      .insert(replayJobs)
      .values({ kind: "rabbitmq", action: "replay", connection: "rabbit", dlq, selection: { source: "all" }, options: { ...DEFAULT_JOB_OPTIONS, canarySize: 0 }, state: "queued", total: 1, createdBy: "test" })
      .returning();
    await db.insert(replayJobItems).values([{ jobId: job!.id, seq: 0, messageId: "id:q-1" }]);
    await expect(runReplaySlice({ db, connections: api.connections, queue: await api.jobs() }, job!.id)).rejects.toThrow(/delivery limit/);
    const [after] = await db.select().from(replayJobs).where(eq(replayJobs.id, job!.id));
    expect(after).toMatchObject({ state: "waiting", done: 0, duplicates: 0 });
    expect(after!.stateReason).toContain("delivery limit");
    const items = await db.select().from(replayJobItems).where(eq(replayJobItems.jobId, job!.id));
    expect(items.map((i) => i.state)).toEqual(["pending"]);
    expect(await rabbit.count(dlq)).toBe(1);
  });
});
