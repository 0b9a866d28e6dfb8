import { and, count, desc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPLAY_COUNT_HEADER } from "~/server/brokers/rabbitmq/replay-copy";
import { auditLog, replayJobItems, replayJobs, replayLedger, type ReplayDryRun } from "~/server/db/schema";
import { DEFAULT_JOB_OPTIONS } from "~/server/replay/jobs/default-options";
import { ApiHarness } from "./helpers/api";
import { eventually, RABBITMQ_MANAGEMENT_URL, RABBITMQ_URL, RabbitFixture } from "./helpers/rabbitmq";
import { drainIds, drainIdsOnce, idOf, seedDeadLetters } from "./helpers/rabbitmq-dead-letters";

let api: ApiHarness;
let rabbit: RabbitFixture;
let operator: string;
let viewer: string;

interface Job {
  id: string;
  kind: string;
  state: string;
  stateReason: string | null;
  total: number;
  done: number;
  skipped: number;
  failed: number;
  duplicates: number;
  dryRun: ReplayDryRun | null;
}

beforeAll(async () => {
  api = await ApiHarness.start({ rabbitmq: [{ name: "rabbit", url: RABBITMQ_URL, managementUrl: RABBITMQ_MANAGEMENT_URL }] });
  rabbit = await RabbitFixture.open();
  operator = await api.tokenFor("operator");
  viewer = await api.tokenFor("viewer");
  await api.startWorker();
});

const shovels: string[] = [];

afterAll(async () => {
  for (const name of shovels) await api?.connections.rabbitmq.get("rabbit")?.management.deleteShovel(name).catch(() => false);
  await rabbit?.cleanup();
  await api?.close();
});

const as = (token: string) => ({ authorization: `Bearer ${token}` });
const mutate = <T>(procedure: string, input: unknown) => api.data<T>(`replayJobs.${procedure}`, { kind: "mutation", input, headers: as(operator) });
const job = async (jobId: string) => (await api.data<{ job: Job }>("replayJobs.get", { kind: "query", input: { jobId }, headers: as(viewer) })).job;
const ids = (from: number, to: number, step = 1) => Array.from({ length: Math.ceil((to - from) / step) }, (_, k) => idOf(from + k * step));

async function until(jobId: string, done: (job: Job) => boolean, timeoutMs = 60_000): Promise<Job> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = await job(jobId);
    if (done(current)) return current;
    if (Date.now() > deadline) throw new Error(`job ${jobId} is still ${current.state} (${JSON.stringify(current)})`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const ledgerCount = async (dlq: string) =>
  (
    await api.store.db
      .select({ n: count() })
      .from(replayLedger)
      .where(and(eq(replayLedger.kind, "rabbitmq"), eq(replayLedger.connection, "rabbit"), eq(replayLedger.dlq, dlq)))
  )[0]!.n;

describe("bulk replay jobs, RabbitMQ", () => {
  it("dry-runs a CEL filter to the exact matches without losing a message, replays only those to their origin, and writes the ledger", async () => {
    const { dlq, shop, orders } = await seedDeadLetters(rabbit, 40);
    const effects = await api.data<{ dryRun: string; job: string } | null>("replayJobs.effects", {
      kind: "query",
      input: { kind: "rabbitmq", connection: "rabbit", dlq },
      headers: as(viewer),
    });
    expect(effects?.job).toMatch(/read and not matched .* requeued/);
    expect(effects?.dryRun).toContain("nothing is removed");

    const draft = await mutate<Job>("dryRun", {
      kind: "rabbitmq",
      connection: "rabbit",
      dlq,
      selection: { source: "filter", expression: 'record.value.tier == "gold"' },
      options: { canarySize: 4, canaryWaitSeconds: 1, batchSize: 6 },
    });
    expect(draft).toMatchObject({ kind: "rabbitmq", state: "draft", total: 20 });
    expect(draft.dryRun).toMatchObject({ scanned: 40, matched: 20, resolved: 0, quarantined: 0, noTarget: 0 });
    expect(draft.dryRun!.byTarget).toEqual([{ target: `${shop} / orders.created`, count: 20 }]);
    expect(draft.dryRun!.audiences).toEqual([expect.objectContaining({ exists: true, kind: "queues", queues: [expect.objectContaining({ name: orders })] })]);
    // The dry run read the whole DLQ and returned every message: nothing moved.
    await eventually("the dry run's read returned", () => rabbit.count(dlq), (n) => n === 40);
    expect(await rabbit.count(orders)).toBe(0);
    const items = await api.store.db.select().from(replayJobItems).where(eq(replayJobItems.jobId, draft.id));
    expect(items.map((i) => i.messageId).sort()).toEqual(ids(0, 40, 2).map((id) => `id:${id}`));

    await mutate("start", { jobId: draft.id });
    const finished = await until(draft.id, (j) => j.state === "completed" || j.state === "paused" || j.state === "failed");
    expect(finished).toMatchObject({ state: "completed", total: 20, done: 20, skipped: 0, failed: 0, duplicates: 0 });
    // Every gold one on its origin queue once; every silver one still in the DLQ.
    expect((await drainIds(rabbit, orders)).sort()).toEqual(ids(0, 40, 2));
    expect((await drainIdsOnce(rabbit, dlq, 20)).sort()).toEqual(ids(1, 40, 2));
    expect(await ledgerCount(dlq)).toBe(20);
    const done = await api.store.db.select().from(replayJobItems).where(eq(replayJobItems.jobId, draft.id));
    expect(done.every((i) => i.state === "done" && i.targetPosition !== null)).toBe(true);

    // Audited: the dry run and the start, by the operator's token, with the DLQ.
    for (const procedure of ["replayJobs.dryRun", "replayJobs.start"]) {
      const [row] = await api.store.db.select().from(auditLog).where(eq(auditLog.procedure, procedure)).orderBy(desc(auditLog.id)).limit(1);
      expect(row).toMatchObject({ outcome: "ok", actorKind: "token", actorName: "token:test-operator" });
      expect(JSON.stringify(row!.parameters)).toContain(procedure === "replayJobs.dryRun" ? dlq : draft.id);
    }
  });

  it("leaves out what the loop guard quarantines, and counts a copy that came back as a new dead letter (not resolved)", async () => {
    const dlq = await rabbit.queue("dlq-guard");
    const target = await rabbit.queue("target");
    // Three replayed three times already; two never; one a copy of an earlier replay of "m-again" that died again.
    for (let i = 0; i < 3; i++) await rabbit.publish("", dlq, `looping-${i}`, { messageId: `loop-${i}`, headers: { [REPLAY_COUNT_HEADER]: 3 } });
    for (let i = 0; i < 2; i++) await rabbit.publish("", dlq, `fresh-${i}`, { messageId: `fresh-${i}` });
    await api.store.db.insert(replayLedger).values({
      replayId: crypto.randomUUID(),
      kind: "rabbitmq",
      connection: "rabbit",
      dlq,
      messageId: "id:m-again",
      target: `(default) / ${target}`,
      targetPosition: "x",
      replayCount: 1,
      replayedBy: "earlier",
    });
    await rabbit.publish("", dlq, "again", { messageId: "m-again", headers: { [REPLAY_COUNT_HEADER]: 1 } });
    const draft = await mutate<Job>("dryRun", { kind: "rabbitmq", connection: "rabbit", dlq, target, selection: { source: "all" }, options: { canarySize: 0 } });
    expect(draft.dryRun).toMatchObject({ scanned: 6, matched: 6, quarantined: 3, resolved: 0 });
    expect(draft.total).toBe(3);
    await mutate("start", { jobId: draft.id });
    await until(draft.id, (j) => j.state === "completed");
    expect((await rabbit.drain(target)).map((m) => String(m.properties.messageId)).sort()).toEqual(["fresh-0", "fresh-1", "m-again"]);
    expect((await drainIdsOnce(rabbit, dlq, 3)).sort()).toEqual(["loop-0", "loop-1", "loop-2"]);
  });

  it("pauses, resumes and finishes a rate-limited job; a cancelled job stops and leaves the rest in the DLQ", async () => {
    const { dlq, orders } = await seedDeadLetters(rabbit, 60);
    const draft = await mutate<Job>("dryRun", { kind: "rabbitmq", connection: "rabbit", dlq, selection: { source: "all" }, options: { canarySize: 0, ratePerSecond: 20 } });
    expect(draft.total).toBe(60);
    await mutate("start", { jobId: draft.id });
    await until(draft.id, (j) => j.done >= 10);
    expect((await mutate<Job>("pause", { jobId: draft.id })).state).toBe("paused");
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // a batch in flight may still settle
    const settled = (await job(draft.id)).done;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await job(draft.id)).done).toBe(settled);
    expect(settled).toBeLessThan(60);
    expect(await rabbit.count(orders)).toBe(settled);
    await mutate("resume", { jobId: draft.id });
    const finished = await until(draft.id, (j) => j.state === "completed");
    expect(finished).toMatchObject({ done: 60, failed: 0 });
    expect((await drainIds(rabbit, orders)).sort()).toEqual(ids(0, 60));
    expect(await ledgerCount(dlq)).toBe(60);

    const second = await seedDeadLetters(rabbit, 60);
    const slow = await mutate<Job>("dryRun", { kind: "rabbitmq", connection: "rabbit", dlq: second.dlq, selection: { source: "all" }, options: { canarySize: 0, ratePerSecond: 10 } });
    await mutate("start", { jobId: slow.id });
    await until(slow.id, (j) => j.done >= 5);
    expect((await mutate<Job>("cancel", { jobId: slow.id })).state).toBe("cancelled");
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const cancelled = await job(slow.id);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await job(slow.id)).done).toBe(cancelled.done);
    expect(cancelled.done).toBeLessThan(60);
    // Nothing lost: what was replayed is on the origin queue, the rest back in the DLQ.
    const replayed = await drainIds(rabbit, second.orders);
    const left = await drainIdsOnce(rabbit, second.dlq, 60 - replayed.length);
    expect(replayed).toHaveLength(cancelled.done);
    expect([...replayed, ...left].sort()).toEqual(ids(0, 60));
  });

  it("refuses a viewer, a bulk discard, and a destination that routes back into the DLQ", async () => {
    const dlq = await rabbit.queue("dlq-refusals");
    await rabbit.publish("", dlq, "x", { messageId: "x-1" });
    const input = { kind: "rabbitmq", connection: "rabbit", dlq, selection: { source: "all" } };
    const refused = await api.call("replayJobs.dryRun", { kind: "mutation", input, headers: as(viewer) });
    expect(refused.status).toBe(403);
    const [audited] = await api.store.db.select().from(auditLog).where(eq(auditLog.procedure, "replayJobs.dryRun")).orderBy(desc(auditLog.id)).limit(1);
    expect(audited).toMatchObject({ outcome: "error", actorName: "token:test-viewer" });

    const discard = await api.call("replayJobs.dryRun", { kind: "mutation", input: { ...input, action: "discard", reason: "no" }, headers: as(operator) });
    expect(discard.status).toBeGreaterThanOrEqual(400);
    expect(JSON.stringify(discard.body)).toContain("cannot be discarded in bulk");

    const loop = await api.call("replayJobs.dryRun", { kind: "mutation", input: { ...input, target: `(default) / ${dlq}` }, headers: as(operator) });
    expect(loop.status).toBeGreaterThanOrEqual(400);
    expect(JSON.stringify(loop.body)).toContain("routes to the DLQ itself");
    expect(await rabbit.count(dlq)).toBe(1);

    // A viewer cannot start an operator's draft either.
    const draft = await mutate<Job>("dryRun", { ...input, target: await rabbit.queue("elsewhere") });
    const start = await api.call("replayJobs.start", { kind: "mutation", input: { jobId: draft.id }, headers: as(viewer) });
    expect(start.status).toBe(403);
    expect((await job(draft.id)).state).toBe("draft");
  });
});

describe("moving a RabbitMQ DLQ back with a dynamic shovel", () => {
  it("says how and where, moves every message to the DLQ's one source queue (the job mirrors the count), audited, and leaves no shovel behind", async () => {
    const { dlq, orders } = await seedDeadLetters(rabbit, 300);
    const plan = await api.data<{ available: boolean; target: string | null; method: string; depth: number; maxRatePerSecond: number | null }>("replayJobs.moveAllPlan", {
      kind: "query",
      input: { kind: "rabbitmq", connection: "rabbit", dlq },
      headers: as(viewer),
    });
    expect(plan).toMatchObject({ available: true, target: orders, method: "a RabbitMQ dynamic shovel", maxRatePerSecond: null });
    const started = await mutate<Job & { action: string }>("moveAll", { kind: "rabbitmq", connection: "rabbit", dlq });
    expect(started).toMatchObject({ action: "move", kind: "rabbitmq" });
    const finished = await until(started.id, (j) => j.state === "completed" || j.state === "failed" || j.state === "waiting");
    expect(finished).toMatchObject({ state: "completed", total: 300, done: 300 });
    expect((await drainIds(rabbit, orders)).sort()).toEqual(ids(0, 300));
    expect(await rabbit.count(dlq)).toBe(0);
    const shovels = (await api.connections.rabbitmq.get("rabbit")!.management.shovelStatus((finished as unknown as { moveTask: { taskHandle: string } }).moveTask.taskHandle)).state;
    expect(shovels).toBe("absent");
    const [row] = await api.store.db.select().from(auditLog).where(eq(auditLog.procedure, "replayJobs.moveAll")).orderBy(desc(auditLog.id)).limit(1);
    expect(row).toMatchObject({ outcome: "ok", actorName: "token:test-operator" });
    expect(JSON.stringify(row!.parameters)).toContain(dlq);
  });

  it("cancelling a move job deletes its shovel; what the shovel has not moved stays in the DLQ", async () => {
    // A shovel that keeps running (no delete-after) on a queue nothing more arrives in, as a long move looks mid-way.
    const dlq = await rabbit.queue("dlq-moving");
    const target = await rabbit.queue("moving-target");
    const adapter = api.connections.rabbitmq.get("rabbit")!;
    const handle = `redrive-move-test-${dlq}`;
    shovels.push(handle);
    await adapter.management.createShovel({ name: handle, srcUri: "amqp://", srcQueue: dlq, destUri: "amqp://", dest: { queue: target }, deleteAfter: "never" });
    const [row] = await api.store.db
      .insert(replayJobs)
      .values({
        kind: "rabbitmq",
        action: "move",
        connection: "rabbit",
        dlq,
        target,
        selection: { source: "all" },
        options: { ...DEFAULT_JOB_OPTIONS, canarySize: 0, ratePerSecond: null },
        state: "running",
        total: 10,
        moveTask: { taskHandle: handle, status: "RUNNING", moved: 0, toMove: 10, failureReason: null },
        createdBy: "test",
      })
      .returning();
    expect(await adapter.management.shovelExists(handle)).toBe(true);
    expect((await mutate<Job>("cancel", { jobId: row!.id })).state).toBe("cancelled");
    expect(await adapter.management.shovelExists(handle)).toBe(false);
    // Nothing flows any more: a message dead-lettered now stays in the DLQ.
    await rabbit.publish("", dlq, "late", { messageId: "late-1" });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await rabbit.count(dlq)).toBe(1);
    expect(await rabbit.count(target)).toBe(0);
  });

  it("is refused, with the reason, for a DLQ no queue dead-letters into, for a rate limit, and for a viewer", async () => {
    const dlq = await rabbit.queue("dlq-unsourced");
    await rabbit.publish("", dlq, "x", { messageId: "x-1" });
    const plan = await api.data<{ available: boolean; reason?: string }>("replayJobs.moveAllPlan", { kind: "query", input: { kind: "rabbitmq", connection: "rabbit", dlq }, headers: as(viewer) });
    expect(plan).toMatchObject({ available: false, reason: expect.stringContaining("No queue dead-letters into") });
    const refused = await api.call("replayJobs.moveAll", { kind: "mutation", input: { kind: "rabbitmq", connection: "rabbit", dlq }, headers: as(operator) });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(JSON.stringify(refused.body)).toContain("No queue dead-letters into");

    const seeded = await seedDeadLetters(rabbit, 5);
    const rated = await api.call("replayJobs.moveAll", { kind: "mutation", input: { kind: "rabbitmq", connection: "rabbit", dlq: seeded.dlq, ratePerSecond: 10 }, headers: as(operator) });
    expect(JSON.stringify(rated.body)).toContain("takes no rate limit");
    const viewerCall = await api.call("replayJobs.moveAll", { kind: "mutation", input: { kind: "rabbitmq", connection: "rabbit", dlq: seeded.dlq }, headers: as(viewer) });
    expect(viewerCall.status).toBe(403);
    expect(await rabbit.count(seeded.dlq)).toBe(5);
    expect(await rabbit.count(dlq)).toBe(1);
  });
});
