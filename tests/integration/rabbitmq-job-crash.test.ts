import { spawn, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POSSIBLE_DUPLICATE } from "~/server/replay/jobs/rabbitmq-executor";
import { ApiHarness } from "./helpers/api";
import { createTestDatabase } from "./helpers/environment";
import { RABBITMQ_MANAGEMENT_URL, RABBITMQ_URL, RabbitFixture } from "./helpers/rabbitmq";
import { drainIds, idOf, seedDeadLetters } from "./helpers/rabbitmq-dead-letters";

// kill -9 of the process running a 5,000-message RabbitMQ bulk replay JOB (the real runner, started through the
// replayJobs router), then another runner recovering it: nothing lost, and the duplicates the job shows.
const TOTAL = 5_000;
// Killed once the job row shows at least this many done.
const KILL_AFTER = 1_500;
// RabbitMQ's executor replays with batchReplay's confirm window: copies whose original may come back after a crash.
const CONFIRM_WINDOW = 256;

let database: { url: string; drop: () => Promise<void> };
let api: ApiHarness;
let rabbit: RabbitFixture;
let operator: string;
let child: ChildProcess | null = null;

interface Job {
  id: string;
  state: string;
  stateReason: string | null;
  total: number;
  done: number;
  skipped: number;
  failed: number;
  duplicates: number;
  duplicatesBound: boolean;
  recoveries: number;
}

beforeAll(async () => {
  database = await createTestDatabase();
  api = await ApiHarness.start({ rabbitmq: [{ name: "rabbit", url: RABBITMQ_URL, managementUrl: RABBITMQ_MANAGEMENT_URL }] }, { databaseUrl: database.url });
  rabbit = await RabbitFixture.open();
  operator = await api.tokenFor("operator");
});

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await rabbit?.cleanup();
  await api?.close();
  await database?.drop();
});

const headers = () => ({ authorization: `Bearer ${operator}` });
const job = async (jobId: string) => (await api.data<{ job: Job }>("replayJobs.get", { kind: "query", input: { jobId }, headers: headers() })).job;

/** Every item of a job, as the job page's item list pages through them. */
async function items(jobId: string): Promise<{ seq: number; messageId: string; state: string; outcome: string | null }[]> {
  const all: { seq: number; messageId: string; state: string; outcome: string | null }[] = [];
  let afterSeq: number | null = 0;
  while (afterSeq !== null) {
    const page: { items: typeof all; nextAfterSeq: number | null } = await api.data("replayJobs.items", { kind: "query", input: { jobId, afterSeq, limit: 1_000 }, headers: headers() });
    all.push(...page.items);
    afterSeq = page.nextAfterSeq;
  }
  return all;
}

async function until(jobId: string, done: (job: Job) => boolean, timeoutMs: number, everyMs = 100): Promise<Job> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = await job(jobId);
    if (done(current)) return current;
    if (Date.now() > deadline) throw new Error(`job ${jobId} did not get there in time: ${JSON.stringify(current)}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** The job workers in a process of their own, over the test's database; resolves once they work the queue. */
function startWorkerProcess(): Promise<ChildProcess> {
  const worker = spawn(process.execPath, ["--import", "tsx", "tests/integration/fixtures/replay-worker.ts"], {
    env: { ...process.env, WORKER_DATABASE_URL: database.url, RABBITMQ_URL, RABBITMQ_MANAGEMENT_URL, LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    worker.stdout!.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("ready")) resolve(worker);
    });
    worker.on("exit", (code, signal) => reject(new Error(`the worker process ended before it was ready: ${code} ${signal}`)));
  });
}

describe("a RabbitMQ bulk replay job killed -9 mid-way", () => {
  it(`loses none of ${TOTAL.toLocaleString()} messages when another runner recovers it, and shows the duplicates it may have caused`, async () => {
    const started = Date.now();
    // Dead-lettered from "orders" (bound to "shop"), so each x-death names its origin.
    const { dlq, orders } = await seedDeadLetters(rabbit, TOTAL);
    const draft = await api.data<Job>("replayJobs.dryRun", {
      kind: "mutation",
      input: { kind: "rabbitmq", connection: "rabbit", dlq, selection: { source: "all" }, options: { canarySize: 0, batchSize: 500, ratePerSecond: 2_500 } },
      headers: headers(),
    });
    expect(draft).toMatchObject({ state: "draft", total: TOTAL });

    child = await startWorkerProcess();
    await api.data("replayJobs.start", { kind: "mutation", input: { jobId: draft.id }, headers: headers() });
    await until(draft.id, (j) => j.done >= KILL_AFTER || j.state === "completed", 40_000, 25);
    // Killed mid-batch: once the origin holds 100 copies more than the job has recorded as done (a batch is 500).
    const deadline = Date.now() + 20_000;
    let atKill = await job(draft.id);
    let copiesAtKill = await rabbit.count(orders);
    while (copiesAtKill < atKill.done + 100 && atKill.state === "running" && Date.now() < deadline) {
      [atKill, copiesAtKill] = await Promise.all([job(draft.id), rabbit.count(orders)]);
    }
    child.kill("SIGKILL");
    await new Promise((resolve) => child!.once("exit", resolve));
    expect(atKill.state).toBe("running");
    expect(atKill.done).toBeLessThan(TOTAL);
    expect(copiesAtKill).toBeGreaterThanOrEqual(atKill.done + 100);
    const killedAfter = (await job(draft.id)).done;

    // A new runner in this process: pg-boss hands the dead worker's slice over once its heartbeat is missed.
    await api.startWorker();
    const finished = await until(draft.id, (j) => ["completed", "failed", "paused", "cancelled"].includes(j.state), 60_000, 250);
    expect(finished).toMatchObject({ state: "completed", total: TOTAL, failed: 0 });
    expect(finished.recoveries).toBeGreaterThanOrEqual(1);

    // The broker's side: every message on its origin queue at least once; none left in the DLQ but those the job did not replay.
    const copies = await drainIds(rabbit, orders);
    const left = await drainIds(rabbit, dlq);
    console.log(
      `kill -9 at ${killedAfter} done (${copiesAtKill} copies on the origin): job ${JSON.stringify({ done: finished.done, skipped: finished.skipped, duplicates: finished.duplicates, recoveries: finished.recoveries })}; ` +
        `broker: ${copies.length} copies on the origin (${copies.length - TOTAL} duplicates), ${left.length} left in the DLQ; ${Math.round((Date.now() - started) / 1000)} s`,
    );
    const onOrigin = new Set(copies);
    expect([...onOrigin].sort()).toEqual(Array.from({ length: TOTAL }, (_, i) => idOf(i)).sort());
    expect(left).toHaveLength(finished.skipped);
    expect(finished.done + finished.skipped).toBe(TOTAL);
    expect(finished.skipped).toBe(0);

    // Duplicates: an original whose copy was published but whose ack the broker had not processed comes back and is
    // replayed again. Before a copy is published the job's in-flight note covers its item (written ahead), so the job
    // counts the covered items it replayed again, at most a confirm window (256) per crash. Which of them the broker
    // had received before the socket died no client can know (a publish without its confirm may or may not have been
    // routed), so that is an upper bound the product shows as "up to N", and the broker's count is within it.
    const duplicates = copies.length - TOTAL;
    expect(finished.duplicatesBound).toBe(true);
    expect(duplicates).toBeGreaterThanOrEqual(0);
    expect(duplicates).toBeLessThanOrEqual(finished.duplicates);
    expect(finished.duplicates).toBeLessThanOrEqual(CONFIRM_WINDOW * finished.recoveries);
    // Per message: the items list names the possible duplicates (the ones replayed again: the count above may cap
    // them), and every message on the origin twice is one of them.
    const all = await items(draft.id);
    expect(all).toHaveLength(TOTAL);
    expect(all.every((item) => item.state === "done")).toBe(true);
    const possible = new Set(all.filter((item) => item.outcome === POSSIBLE_DUPLICATE).map((item) => item.messageId));
    expect(possible.size).toBeGreaterThanOrEqual(finished.duplicates);
    expect(possible.size).toBeGreaterThanOrEqual(duplicates);
    const seen = new Set<string>();
    const twice = copies.filter((id) => seen.has(id) || !seen.add(id));
    expect(twice).toHaveLength(duplicates);
    expect(twice.filter((id) => !possible.has(`id:${id}`))).toEqual([]);
  }, 120_000);
});
