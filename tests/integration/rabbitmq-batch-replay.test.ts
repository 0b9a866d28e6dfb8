import { spawn } from "node:child_process";
import amqp from "amqplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { batchReplay, type BatchReplayProgress, type BatchReplayRecord } from "~/server/brokers/rabbitmq/batch-replay";
import { BrowseRefusedError } from "~/server/brokers/rabbitmq/reader";
import { REPLAY_COUNT_HEADER } from "~/server/brokers/rabbitmq/replay-copy";
import { eventually, RABBITMQ_URL, RabbitFixture } from "./helpers/rabbitmq";
import { describeQueue, drainIds, drainIdsOnce, idOf, seedDeadLetters } from "./helpers/rabbitmq-dead-letters";

let rabbit: RabbitFixture;

beforeAll(async () => {
  rabbit = await RabbitFixture.open();
});

afterAll(async () => {
  await rabbit?.cleanup();
});

const gold = (c: { message: { content: Buffer } }) => (JSON.parse(c.message.content.toString()) as { tier: string }).tier === "gold";
const ids = (from: number, to: number, step = 1) => Array.from({ length: Math.ceil((to - from) / step) }, (_, k) => idOf(from + k * step));

describe("batch replay of a RabbitMQ DLQ", () => {
  it.each(["consume", "get"] as const)("replays the matching half of 2,000 dead letters exactly once and leaves the rest in order (%s)", async (read) => {
    const { dlq, orders } = await seedDeadLetters(rabbit, 2_000);
    const records: BatchReplayRecord[] = [];
    const seen: BatchReplayProgress[] = [];
    // basic.get is one round trip per message: without TCP_NODELAY, Nagle's algorithm and delayed acks cost ~40 ms each.
    const connection = read === "get" ? await amqp.connect(RABBITMQ_URL, { noDelay: true }) : rabbit.connection;
    const result = await batchReplay(connection, { dlq: await describeQueue(dlq), match: gold, read, prefetch: 100, confirmWindow: 64, onRecord: (r) => records.push(r), onProgress: (p) => seen.push(p) });
    if (connection !== rabbit.connection) await connection.close();
    expect(result).toMatchObject({ stop: "drained", progress: { read: 2_000, matched: 1_000, replayed: 1_000, skipped: 0, failed: 0 }, returned: 1_000 });
    // The channel closes requeue the unreplayed ones; the queue does so just after the close.
    // Every even id on the source queue once; every odd id still in the DLQ, in its original order.
    expect((await drainIds(rabbit, orders)).sort()).toEqual(ids(0, 2_000, 2));
    expect(await drainIdsOnce(rabbit, dlq, 1_000)).toEqual(ids(1, 2_000, 2));
    expect(records).toHaveLength(1_000);
    expect(new Set(records.map((r) => r.publishSeq)).size).toBe(1_000);
    expect(records.every((r) => r.outcome === "replayed" && r.replayId === `${result.runId}:${r.publishSeq}`)).toBe(true);
    expect(seen.at(-1)).toEqual(result.progress);
  });

  it("hands the filter each message's decoded failure (x-death) when it reads it", async () => {
    const { dlq, orders } = await seedDeadLetters(rabbit, 40);
    const seen: { reason: unknown; source: unknown; same: boolean }[] = [];
    const result = await batchReplay(rabbit.connection, {
      dlq: await describeQueue(dlq),
      match: (c) => {
        seen.push({ reason: c.failure?.deathReason, source: c.failure?.sourceQueue, same: c.failure === c.failure });
        return c.failure?.deathReason === "rejected" && c.message.properties.messageId === idOf(0);
      },
    });
    expect(result.progress).toMatchObject({ read: 40, matched: 1, replayed: 1 });
    expect(seen).toHaveLength(40);
    expect(seen.every((f) => f.reason === "rejected" && f.source === orders && f.same)).toBe(true);
    expect(await drainIds(rabbit, orders)).toEqual([idOf(0)]);
  });

  it("keeps every original when the copies are returned unroutable", async () => {
    const { dlq, shop } = await seedDeadLetters(rabbit, 300);
    const records: BatchReplayRecord[] = [];
    const result = await batchReplay(rabbit.connection, { dlq: await describeQueue(dlq), match: () => true, destination: { exchange: shop, routingKey: "nobody.listens" }, onRecord: (r) => records.push(r) });
    expect(result.progress).toEqual({ read: 300, matched: 300, replayed: 0, skipped: 0, failed: 300 });
    expect(new Set(records.map((r) => r.outcome))).toEqual(new Set(["unroutable"]));
    expect(await drainIdsOnce(rabbit, dlq, 300)).toEqual(ids(0, 300));
  });

  it("publishes nothing to an exchange that does not exist, and keeps the originals", async () => {
    const { dlq } = await seedDeadLetters(rabbit, 50);
    const result = await batchReplay(rabbit.connection, { dlq: await describeQueue(dlq), match: () => true, destination: { exchange: rabbit.name("missing"), routingKey: "k" } });
    expect(result.progress).toMatchObject({ matched: 50, replayed: 0, failed: 50 });
    expect(await drainIdsOnce(rabbit, dlq, 50)).toEqual(ids(0, 50));
  });

  it("stops at the limit and returns what it did not replay", async () => {
    const { dlq, orders } = await seedDeadLetters(rabbit, 500);
    const result = await batchReplay(rabbit.connection, { dlq: await describeQueue(dlq), match: () => true, limit: 120 });
    expect(result).toMatchObject({ stop: "limit", progress: { replayed: 120 } });
    const replayed = await drainIds(rabbit, orders);
    const left = await drainIdsOnce(rabbit, dlq, 380);
    expect(replayed).toHaveLength(120);
    expect([...replayed, ...left].sort()).toEqual(ids(0, 500));
  });

  it("publishes on a separate connection when given one", async () => {
    const { dlq, orders } = await seedDeadLetters(rabbit, 200);
    const publishConnection = await amqp.connect(RABBITMQ_URL);
    const result = await batchReplay(rabbit.connection, { dlq: await describeQueue(dlq), match: gold, publishConnection }).finally(() => publishConnection.close());
    expect(result.progress).toMatchObject({ read: 200, matched: 100, replayed: 100 });
    expect((await drainIds(rabbit, orders)).sort()).toEqual(ids(0, 200, 2));
    expect(await drainIdsOnce(rabbit, dlq, 100)).toEqual(ids(1, 200, 2));
  });

  it("stops reading once it holds maxHeld unreplayed messages, and returns them", async () => {
    const { dlq } = await seedDeadLetters(rabbit, 300);
    const result = await batchReplay(rabbit.connection, { dlq: await describeQueue(dlq), match: () => false, maxHeld: 100, prefetch: 40 });
    expect(result).toMatchObject({ stop: "held-limit", progress: { read: 100, matched: 0, replayed: 0 } });
    expect(await drainIdsOnce(rabbit, dlq, 300)).toEqual(ids(0, 300));
  });

  it("is cancellable mid-way: what it did not replay goes back to the DLQ", async () => {
    const { dlq, orders } = await seedDeadLetters(rabbit, 2_000);
    const abort = new AbortController();
    const result = await batchReplay(rabbit.connection, {
      dlq: await describeQueue(dlq),
      match: () => true,
      ratePerSecond: 1_000,
      signal: abort.signal,
      progressIntervalMs: 10,
      onProgress: (p) => p.replayed >= 300 && abort.abort(),
    });
    expect(result.stop).toBe("cancelled");
    expect(result.progress.replayed).toBeGreaterThanOrEqual(300);
    expect(result.progress.replayed).toBeLessThan(2_000);
    const replayed = await drainIds(rabbit, orders);
    const left = await drainIdsOnce(rabbit, dlq, 2_000 - replayed.length);
    expect(replayed).toHaveLength(result.progress.replayed);
    expect([...replayed, ...left].sort()).toEqual(ids(0, 2_000));
  });

  it("publishes each copy only after beforePublish resolves; a rejection stops the run and keeps the message", async () => {
    const { dlq, orders } = await seedDeadLetters(rabbit, 200);
    const before: string[] = [];
    const result = await batchReplay(rabbit.connection, {
      dlq: await describeQueue(dlq),
      match: () => true,
      beforePublish: async ({ key }) => {
        // Slow, as a database write: the copy waits for it.
        await new Promise((resolve) => setTimeout(resolve, 1));
        if (before.length === 50) throw new Error("the control store is down");
        before.push(key);
      },
    });
    expect(result).toMatchObject({ stop: "error", progress: { replayed: 50 } });
    expect(result.reason).toContain("before publishing: the control store is down");
    const replayed = await drainIds(rabbit, orders);
    expect(replayed.map((id) => `id:${id}`)).toEqual(before);
    expect(await drainIdsOnce(rabbit, dlq, 150)).toEqual(ids(50, 200));
  });

  it("loop guard: skips messages replayed maxReplays times unless forced, and counts replays on the copy", async () => {
    const dlq = await rabbit.queue("dlq-looping");
    const target = await rabbit.queue("target");
    for (let i = 0; i < 10; i++) await rabbit.publish("", dlq, `m${i}`, { messageId: idOf(i), headers: { [REPLAY_COUNT_HEADER]: i < 4 ? 3 : 1 } });
    const destination = { exchange: "", routingKey: target };
    const records: BatchReplayRecord[] = [];
    const guarded = await batchReplay(rabbit.connection, { dlq: await describeQueue(dlq), match: () => true, destination, maxReplays: 3, onRecord: (r) => records.push(r) });
    expect(guarded.progress).toMatchObject({ matched: 10, replayed: 6, skipped: 4 });
    expect(records.filter((r) => r.outcome === "loop-guard").map((r) => r.key).sort()).toEqual(ids(0, 4).map((id) => `id:${id}`));
    const copies = await rabbit.drain(target);
    expect(copies.map((m) => m.properties.headers?.[REPLAY_COUNT_HEADER])).toEqual([2, 2, 2, 2, 2, 2]);
    await eventually("the guarded four back in the DLQ", () => rabbit.count(dlq), (n) => n === 4);
    const forced = await batchReplay(rabbit.connection, { dlq: await describeQueue(dlq), match: () => true, destination, maxReplays: 3, force: true });
    expect(forced.progress).toMatchObject({ replayed: 4, skipped: 0 });
    expect((await rabbit.drain(target)).map((m) => m.properties.headers?.[REPLAY_COUNT_HEADER])).toEqual([4, 4, 4, 4]);
    expect(await rabbit.count(dlq)).toBe(0);
  });

  it("refuses the DLQs a browse refuses: a quorum delivery limit, max-length with drop-head", async () => {
    const limited = await rabbit.queue("dlq-limited", { "x-queue-type": "quorum", "x-delivery-limit": 2 });
    const capped = await rabbit.queue("dlq-capped", { "x-max-length": 1000 });
    for (const dlq of [limited, capped]) {
      await rabbit.publish("", dlq, "x", { messageId: "x" });
      await expect(batchReplay(rabbit.connection, { dlq: await describeQueue(dlq), match: () => true, destination: { exchange: "", routingKey: dlq } })).rejects.toThrow(BrowseRefusedError);
      expect(await rabbit.count(dlq)).toBe(1);
    }
  });

  it("replays from a quorum DLQ without a delivery limit; the non-matches stay (their order is the queue's own)", async () => {
    const { dlq, orders } = await seedDeadLetters(rabbit, 400, { "x-queue-type": "quorum" });
    const result = await batchReplay(rabbit.connection, { dlq: await describeQueue(dlq), match: gold, prefetch: 50 });
    expect(result.progress).toMatchObject({ read: 400, matched: 200, replayed: 200 });
    expect((await drainIds(rabbit, orders)).sort()).toEqual(ids(0, 400, 2));
    expect((await drainIdsOnce(rabbit, dlq, 200)).sort()).toEqual(ids(1, 400, 2));
  });

  it("loses nothing when the replaying process is killed -9 mid-way; duplicates stay within the confirm window", async () => {
    const total = 5_000;
    const window = 64;
    const { dlq, orders } = await seedDeadLetters(rabbit, total);
    const child = spawn(process.execPath, ["--import", "tsx", "tests/integration/helpers/rabbitmq-replay-child.ts"], {
      env: { ...process.env, DLQ: dlq, CONFIRM_WINDOW: String(window), RATE: "5000" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let replayed = 0;
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        for (const line of chunk.toString().split("\n")) {
          const n = /^progress (\d+)/.exec(line);
          if (n) replayed = Number(n[1]);
          if (replayed >= 1_500 && child.exitCode === null) child.kill("SIGKILL");
        }
      });
      child.on("exit", (code, signal) => (signal === "SIGKILL" ? resolve() : reject(new Error(`the child ended before the kill: ${code} ${signal}`))));
    });
    // The broker returns the dead connection's unacknowledged messages to the DLQ.
    await eventually("the dead connection's unacknowledged messages back", async () => (await rabbit.count(dlq)) + (await rabbit.count(orders)), (n) => n >= total, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const onTarget = await drainIds(rabbit, orders);
    const inDlq = await drainIds(rabbit, dlq);
    expect(new Set(onTarget).size).toBe(onTarget.length);
    expect(new Set(inDlq).size).toBe(inDlq.length);
    const union = new Set([...onTarget, ...inDlq]);
    expect([...union].sort()).toEqual(ids(0, total));
    const duplicates = onTarget.length + inDlq.length - total;
    expect(duplicates).toBeGreaterThanOrEqual(0);
    expect(duplicates).toBeLessThanOrEqual(window);
    console.log(`kill -9 after ${replayed} replayed: ${onTarget.length} on the target, ${inDlq.length} in the DLQ, ${duplicates} duplicates (window ${window})`);
  });
});
