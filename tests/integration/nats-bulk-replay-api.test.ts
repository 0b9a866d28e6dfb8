import { and, count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { replayJobItems, replayLedger, type ReplayDryRun } from "~/server/db/schema";
import { ApiHarness } from "./helpers/api";
import { eventually, NATS_URL, NatsFixture, natsName } from "./helpers/nats";

let api: ApiHarness;
let nats: NatsFixture;
let operator: string;
let viewer: string;
const SRC = natsName("bulksrc");
const CAPTURE = natsName("bulkcap");
const DLQ = `${SRC}.worker`;

interface Job {
  id: string;
  kind: string;
  state: string;
  total: number;
  done: number;
  skipped: number;
  failed: number;
  duplicates: number;
  dryRun: ReplayDryRun | null;
}

/** Naks everything the consumer gets for `ms` (every message is poison to it). */
async function nakAll(ms: number): Promise<void> {
  const c = await nats.session.js.consumers.get(SRC, "worker");
  const until = Date.now() + ms;
  while (Date.now() < until) for await (const m of await c.fetch({ max_messages: 50, expires: 1_000 })) m.nak();
}

const as = (token: string) => ({ authorization: `Bearer ${token}` });
const mutate = <T>(procedure: string, input: unknown) => api.data<T>(`replayJobs.${procedure}`, { kind: "mutation", input, headers: as(operator) });
const job = async (jobId: string) => (await api.data<{ job: Job }>("replayJobs.get", { kind: "query", input: { jobId }, headers: as(viewer) })).job;

beforeAll(async () => {
  api = await ApiHarness.start({ nats: [{ name: "js", servers: NATS_URL, advisoryCapture: { stream: CAPTURE, create: true, streams: [SRC] } }] });
  operator = await api.tokenFor("operator");
  viewer = await api.tokenFor("viewer");
  nats = await NatsFixture.open();
  nats.track(CAPTURE);
  await nats.session.jsm.streams.add({ name: SRC, subjects: [`${SRC}.>`], duplicate_window: 60_000_000_000 });
  nats.track(SRC);
  await nats.consumer(SRC, "worker", { max_deliver: 2, ack_wait: 300_000_000 });
  expect((await api.connections.nats.get("js")!.ensureCapture()).state).toBe("ready");
  for (let i = 1; i <= 6; i++) await nats.session.js.publish(`${SRC}.task`, `task-${i}`);
  await nakAll(2_500);
  await eventually("six dead letters", async () => (await nats.session.jsm.streams.info(CAPTURE)).state.messages, (n) => n === 6);
  await api.startWorker();
}, 30_000);

afterAll(async () => {
  await nats?.cleanup();
  await api?.close();
});

describe("NATS bulk replay from the API", () => {
  it("dry run reads the consumer's dead letters (nothing published), start replays each to its subject once, ledgered", async () => {
    const effects = await api.data<{ dryRun: string; job: string } | null>("replayJobs.effects", { kind: "query", input: { kind: "nats", connection: "js", dlq: DLQ }, headers: as(viewer) });
    expect(effects?.dryRun).toContain("nothing on the server changes");
    const draft = await mutate<Job>("dryRun", { kind: "nats", connection: "js", dlq: DLQ, selection: { source: "all" }, options: { canarySize: 0 } });
    expect(draft).toMatchObject({ kind: "nats", state: "draft", total: 6 });
    expect(draft.dryRun).toMatchObject({ scanned: 6, matched: 6, resolved: 0, quarantined: 0, noTarget: 0 });
    expect(draft.dryRun!.byTarget).toEqual([{ target: `${SRC}.task`, count: 6 }]);
    // The dry run only read: the stream holds the six originals and nothing else.
    expect(await nats.lastSeq(SRC)).toBe(6);
    const items = await api.store.db.select().from(replayJobItems).where(eq(replayJobItems.jobId, draft.id));
    expect(items.map((i) => i.messageId).sort()).toEqual(["1", "2", "3", "4", "5", "6"]);

    await mutate("start", { jobId: draft.id });
    const deadline = Date.now() + 60_000;
    let finished = await job(draft.id);
    while (!["completed", "paused", "failed"].includes(finished.state) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      finished = await job(draft.id);
    }
    expect(finished).toMatchObject({ state: "completed", total: 6, done: 6, skipped: 0, failed: 0, duplicates: 0 });
    expect(await nats.lastSeq(SRC)).toBe(12);
    const copies = await Promise.all([7, 8, 9, 10, 11, 12].map((seq) => nats.rawMessage(SRC, seq)));
    expect(copies.map((c) => c!.data).sort()).toEqual(["task-1", "task-2", "task-3", "task-4", "task-5", "task-6"]);
    const [ledger] = await api.store.db.select({ n: count() }).from(replayLedger).where(and(eq(replayLedger.kind, "nats"), eq(replayLedger.dlq, DLQ)));
    expect(ledger!.n).toBe(6);

    // A second dry run finds them resolved (the ledger's copies carried more replays than the dead letters).
    const again = await mutate<Job>("dryRun", { kind: "nats", connection: "js", dlq: DLQ, selection: { source: "all" }, options: { canarySize: 0 } });
    expect(again.dryRun).toMatchObject({ scanned: 6, matched: 6, resolved: 6 });
    expect(again.total).toBe(0);
  });
});
