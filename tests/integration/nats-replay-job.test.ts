import { and, count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NatsAdapter } from "~/server/brokers/nats/adapter";
import { readDeadLetter } from "~/server/brokers/nats/capture";
import { replayJobItems, replayJobs, replayLedger } from "~/server/db/schema";
import { DEFAULT_JOB_OPTIONS } from "~/server/replay/jobs/default-options";
import { NatsReplayExecutor } from "~/server/replay/jobs/nats-executor";
import { runReplaySlice } from "~/server/replay/jobs/runner";
import { ApiHarness } from "./helpers/api";
import { eventually, NATS_URL, NatsFixture, natsName } from "./helpers/nats";

let api: ApiHarness;
let nats: NatsFixture;
let adapter: NatsAdapter;
const SRC = natsName("jobsrc");
const CAPTURE = natsName("jobcap");
const DLQ = `${SRC}.worker`;

/** Naks everything the consumer gets for `ms` (every message is poison to it). */
async function nakAll(ms: number): Promise<void> {
  const c = await nats.session.js.consumers.get(SRC, "worker");
  const until = Date.now() + ms;
  while (Date.now() < until) for await (const m of await c.fetch({ max_messages: 50, expires: 1_000 })) m.nak();
}

beforeAll(async () => {
  api = await ApiHarness.start({ nats: [{ name: "js", servers: NATS_URL, advisoryCapture: { stream: CAPTURE, create: true, streams: [SRC] } }] });
  adapter = api.connections.nats.get("js")!;
  nats = await NatsFixture.open();
  nats.track(CAPTURE);
  await nats.session.jsm.streams.add({ name: SRC, subjects: [`${SRC}.>`], duplicate_window: 60_000_000_000 });
  nats.track(SRC);
  await nats.consumer(SRC, "worker", { max_deliver: 2, ack_wait: 300_000_000 });
  expect((await adapter.ensureCapture()).state).toBe("ready");
  for (let i = 1; i <= 12; i++) await nats.session.js.publish(`${SRC}.task`, `task-${i}`);
  await nakAll(2_500);
  await eventually("twelve dead letters", async () => (await nats.session.jsm.streams.info(CAPTURE)).state.messages, (n) => n === 12);
}, 30_000);

afterAll(async () => {
  await nats?.cleanup();
  await api?.close();
});

describe("a NATS bulk replay job", () => {
  it("replays the chosen dead letters through the runner after a crash mid-batch: each lands once (the duplicate window drops the repeat), ledger = copies", async () => {
    const db = api.store.db;
    const chosen = [2, 4, 6, 8, 10, 12];
    const [job] = await db
      .insert(replayJobs)
      .values({
        kind: "nats",
        action: "replay",
        connection: "js",
        dlq: DLQ,
        selection: { source: "selection", ids: chosen.map(String) },
        options: { ...DEFAULT_JOB_OPTIONS, canarySize: 0, batchSize: 4 },
        state: "running",
        total: chosen.length,
        createdBy: "test",
      })
      .returning();
    // As a worker that died mid-batch leaves it: two items "sending" with their replay ids; the first one's copy had
    // been published and acknowledged before the crash, the second's had not (marked just now, as updateItems stamps it).
    const crashed = [crypto.randomUUID(), crypto.randomUUID()];
    await db.insert(replayJobItems).values(chosen.map((captureSeq, seq) => ({ jobId: job!.id, seq, messageId: String(captureSeq), state: seq < 2 ? ("sending" as const) : ("pending" as const), replayId: seq < 2 ? crashed[seq] : null, updatedAt: seq < 2 ? new Date() : null })));
    const first = await readDeadLetter(nats.session, CAPTURE, 2);
    expect((await adapter.replayOne(first!, { replayId: crashed[0]!, replayCount: 1 })).outcome).toBe("replayed");
    expect(await nats.lastSeq(SRC)).toBe(13);

    await runReplaySlice({ db, connections: api.connections, queue: await api.jobs() }, job!.id, { retried: true });
    const [after] = await db.select().from(replayJobs).where(eq(replayJobs.id, job!.id));
    expect(after).toMatchObject({ state: "completed", done: 6, failed: 0, skipped: 0, duplicates: 0, recoveries: 1 });
    // The server's side: six copies, not seven (the crashed item's repeat was dropped by the duplicate window).
    expect(await nats.lastSeq(SRC)).toBe(18);
    const copies = await Promise.all([13, 14, 15, 16, 17, 18].map((seq) => nats.rawMessage(SRC, seq)));
    expect(copies.map((c) => c!.data).sort()).toEqual(chosen.map((n) => `task-${n}`).sort());
    const [ledger] = await db.select({ n: count() }).from(replayLedger).where(and(eq(replayLedger.kind, "nats"), eq(replayLedger.dlq, DLQ)));
    expect(ledger!.n).toBe(6);
    const items = await db.select().from(replayJobItems).where(eq(replayJobItems.jobId, job!.id));
    expect(items.find((i) => i.seq === 0)).toMatchObject({ state: "done", replayId: crashed[0], targetPosition: `${SRC}:13` });

    // The copies die again (the worker still naks them): the executor links the new dead letters to their items.
    const [running] = await db.select().from(replayJobs).where(eq(replayJobs.id, job!.id));
    const watcher = new NatsReplayExecutor(db, adapter, running!);
    await watcher.prepare();
    await nakAll(2_500);
    await eventually("six more dead letters", async () => (await nats.session.jsm.streams.info(CAPTURE)).state.messages, (n) => n === 18);
    expect(await watcher.checkCameBack()).toBe(6);
    const [counted] = await db.select().from(replayJobs).where(eq(replayJobs.id, job!.id));
    expect(counted!.cameBack).toBe(6);
  });
});
