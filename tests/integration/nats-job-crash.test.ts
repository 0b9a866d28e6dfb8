import { spawn, type ChildProcess } from "node:child_process";
import { DeliverPolicy } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPLAY_ID } from "~/server/replay/headers";
import { ApiHarness } from "./helpers/api";
import { createTestDatabase } from "./helpers/environment";
import { eventually, NATS_URL, NatsFixture, natsName } from "./helpers/nats";

// kill -9 of the process running a 5,000-message NATS JetStream bulk replay JOB (the real runner, started through
// the replayJobs router), then another runner recovering it: every dead letter's original republished to its
// subject exactly once, because a recovered item is published again with the same replay id (= Nats-Msg-Id) and the
// stream's duplicate window drops the second copy.
const TOTAL = 5_000;
// Killed once the job row shows at least this many done.
const KILL_AFTER = 1_500;
const SRC = natsName("crashsrc");
const CAPTURE = natsName("crashcap");
const DLQ = `${SRC}.worker`;
// Wider than kill + pg-boss's hand-over + the rest of the job, so every repeat of a recovered item falls inside it.
const DUPLICATE_WINDOW_MS = 10 * 60_000;
const CONNECTIONS = { nats: [{ name: "js", servers: NATS_URL, advisoryCapture: { stream: CAPTURE, create: true, streams: [SRC] } }] };

let database: { url: string; drop: () => Promise<void> };
let api: ApiHarness;
let nats: NatsFixture;
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

const payloadOf = (i: number) => `task-${String(i).padStart(5, "0")}`;

beforeAll(async () => {
  database = await createTestDatabase();
  api = await ApiHarness.start(CONNECTIONS, { databaseUrl: database.url });
  operator = await api.tokenFor("operator");
  nats = await NatsFixture.open();
  nats.track(CAPTURE);
  await nats.session.jsm.streams.add({ name: SRC, subjects: [`${SRC}.>`], duplicate_window: DUPLICATE_WINDOW_MS * 1_000_000 });
  nats.track(SRC);
  expect((await api.connections.nats.get("js")!.ensureCapture()).state).toBe("ready");
}, 30_000);

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await nats?.cleanup();
  await api?.close();
  await database?.drop();
});

const headers = () => ({ authorization: `Bearer ${operator}` });
const job = async (jobId: string) => (await api.data<{ job: Job }>("replayJobs.get", { kind: "query", input: { jobId }, headers: headers() })).job;
const copiesOnStream = async () => (await nats.lastSeq(SRC)) - TOTAL;

/** TOTAL dead letters of SRC's consumer "worker": max_deliver 1, every delivery nak'd, so each message's next delivery is a MAX_DELIVERIES advisory. */
async function seedDeadLetters(): Promise<number> {
  const started = Date.now();
  await nats.consumer(SRC, "worker", { max_deliver: 1, ack_wait: 300_000_000_000 });
  for (let i = 0; i < TOTAL; i += 500) {
    await Promise.all(Array.from({ length: Math.min(500, TOTAL - i) }, (_, k) => nats.session.js.publish(`${SRC}.task`, payloadOf(i + k))));
  }
  const consumer = await nats.session.js.consumers.get(SRC, "worker");
  const captured = async () => (await nats.session.jsm.streams.info(CAPTURE)).state.messages;
  const deadline = Date.now() + 60_000;
  while ((await captured()) < TOTAL && Date.now() < deadline) {
    for await (const m of await consumer.fetch({ max_messages: 500, expires: 1_000 })) m.nak();
  }
  await eventually(`${TOTAL} dead letters`, captured, (n) => n === TOTAL, 10_000);
  return Date.now() - started;
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
    env: { ...process.env, WORKER_DATABASE_URL: database.url, WORKER_CONFIG: JSON.stringify(CONNECTIONS), LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    worker.stdout!.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("ready")) resolve(worker);
    });
    worker.on("exit", (code, signal) => reject(new Error(`the worker process ended before it was ready: ${code} ${signal}`)));
  });
}

/** Every copy the replay put on SRC (stream sequences after the originals), read back with an ordered consumer. */
async function readCopies(): Promise<{ seq: number; payload: string; replayId: string | null; msgId: string | null; subject: string }[]> {
  const last = await nats.lastSeq(SRC);
  if (last <= TOTAL) return [];
  const consumer = await nats.session.js.consumers.get(SRC, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: TOTAL + 1 });
  const copies: { seq: number; payload: string; replayId: string | null; msgId: string | null; subject: string }[] = [];
  const messages = await consumer.consume();
  for await (const m of messages) {
    copies.push({ seq: m.seq, payload: m.string(), replayId: m.headers?.get(REPLAY_ID) || null, msgId: m.headers?.get("Nats-Msg-Id") || null, subject: m.subject });
    if (m.seq >= last) break;
  }
  return copies;
}

interface Item {
  seq: number;
  messageId: string;
  state: string;
  replayId: string | null;
  targetPosition: string | null;
}

/** Every item of a job, as the job page's item list pages through them. */
async function items(jobId: string): Promise<Item[]> {
  const all: Item[] = [];
  let afterSeq: number | null = 0;
  while (afterSeq !== null) {
    const page: { items: Item[]; nextAfterSeq: number | null } = await api.data("replayJobs.items", { kind: "query", input: { jobId, afterSeq, limit: 1_000 }, headers: headers() });
    all.push(...page.items);
    afterSeq = page.nextAfterSeq;
  }
  return all;
}

describe("a NATS JetStream bulk replay job killed -9 mid-way", () => {
  it(`republishes each of ${TOTAL.toLocaleString()} dead letters exactly once when another runner recovers it (the duplicate window drops the repeats)`, async () => {
    const started = Date.now();
    const seedMs = await seedDeadLetters();
    const draft = await api.data<Job>("replayJobs.dryRun", {
      kind: "mutation",
      input: { kind: "nats", connection: "js", dlq: DLQ, selection: { source: "all" }, options: { canarySize: 0, batchSize: 500, ratePerSecond: 2_500 } },
      headers: headers(),
    });
    expect(draft).toMatchObject({ state: "draft", total: TOTAL });
    const draftMs = Date.now() - started - seedMs;

    child = await startWorkerProcess();
    await api.data("replayJobs.start", { kind: "mutation", input: { jobId: draft.id }, headers: headers() });
    await until(draft.id, (j) => j.done >= KILL_AFTER || j.state === "completed", 60_000, 25);
    // Killed mid-batch: once the stream holds 100 copies more than the job has recorded as done (a batch is 500),
    // so the dead worker leaves items "sending" whose copies the server has already stored.
    const deadline = Date.now() + 20_000;
    let atKill = await job(draft.id);
    let copiesAtKill = await copiesOnStream();
    while (copiesAtKill < atKill.done + 100 && atKill.state === "running" && Date.now() < deadline) {
      [atKill, copiesAtKill] = await Promise.all([job(draft.id), copiesOnStream()]);
    }
    child.kill("SIGKILL");
    await new Promise((resolve) => child!.once("exit", resolve));
    expect(atKill.state).toBe("running");
    expect(atKill.done).toBeLessThan(TOTAL);
    expect(copiesAtKill).toBeGreaterThanOrEqual(atKill.done + 100);
    const killedAfter = (await job(draft.id)).done;
    const copiesAfterKill = await copiesOnStream();

    // A new runner in this process: pg-boss hands the dead worker's slice over once its heartbeat is missed.
    await api.startWorker();
    const finished = await until(draft.id, (j) => ["completed", "failed", "paused", "cancelled"].includes(j.state), 90_000, 250);
    expect(finished).toMatchObject({ state: "completed", total: TOTAL, done: TOTAL, skipped: 0, failed: 0 });
    expect(finished.recoveries).toBeGreaterThanOrEqual(1);

    // The server's side: the originals untouched, then one copy per dead letter on its subject, each carrying its
    // replay id as Nats-Msg-Id; the copies the dead worker had stored were not stored again.
    const copies = await readCopies();
    const info = await nats.session.jsm.streams.info(SRC);
    console.log(
      `seeded ${TOTAL} dead letters in ${Math.round(seedMs / 1000)} s, dry run ${Math.round(draftMs / 1000)} s; kill -9 at ${killedAfter} done (${copiesAfterKill} copies on the stream); ` +
        `job ${JSON.stringify({ done: finished.done, skipped: finished.skipped, duplicates: finished.duplicates, duplicatesBound: finished.duplicatesBound, recoveries: finished.recoveries })}; ` +
        `stream: ${copies.length} copies (${info.state.messages} messages); ${Math.round((Date.now() - started) / 1000)} s`,
    );
    expect(info.state.messages).toBe(TOTAL + copies.length);
    expect(copies.every((c) => c.subject === `${SRC}.task`)).toBe(true);
    expect(copies.map((c) => c.payload).sort()).toEqual(Array.from({ length: TOTAL }, (_, i) => payloadOf(i)));
    expect(copies.every((c) => c.replayId !== null && c.msgId === c.replayId)).toBe(true);
    expect(new Set(copies.map((c) => c.replayId)).size).toBe(TOTAL);
    // Exactly once: the stream holds no repeat, and the job shows none (every repeat was inside the window).
    const duplicates = copies.length - TOTAL;
    expect(duplicates).toBe(0);
    expect(finished.duplicates).toBe(0);
    expect(duplicates).toBeLessThanOrEqual(finished.duplicates);
    // Per item: done, its replay id on exactly one copy, and its position that copy's (a repeat's PubAck names the
    // sequence of the copy it duplicates, so the items the dead worker left "sending" point at the copies it stored).
    const all = await items(draft.id);
    expect(all).toHaveLength(TOTAL);
    expect(all.every((item) => item.state === "done")).toBe(true);
    const copyByReplayId = new Map(copies.map((c) => [c.replayId!, c]));
    expect(all.filter((item) => item.targetPosition !== `${SRC}:${copyByReplayId.get(item.replayId!)?.seq}`)).toEqual([]);
  }, 180_000);
});
