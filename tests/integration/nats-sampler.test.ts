import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NatsAdapter } from "~/server/brokers/nats/adapter";
import { natsConsumerSamples, natsStreamSamples } from "~/server/db/schema";
import { NatsSampler } from "~/server/jobs/nats-sampler";
import { applyRetention } from "~/server/jobs/retention";
import { latestDepths } from "~/server/depth/latest";
import { renderMetrics } from "~/server/metrics/prometheus";
import { ApiHarness } from "./helpers/api";
import { eventually, NATS_URL, NatsFixture, natsName } from "./helpers/nats";

let api: ApiHarness;
let nats: NatsFixture;
let adapter: NatsAdapter;
let viewer: string;
// Names chosen up front: the connection's capture stream takes only this file's streams' advisories (a
// catch-all capture would overlap every other capture stream on the shared server).
const LAG = natsName("lagsrc");
const POISON = natsName("poisonsrc");
const CAPTURE = natsName("samplecap");

const as = (token: string) => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  api = await ApiHarness.start({ nats: [{ name: "js", servers: NATS_URL, sampleIntervalSeconds: 5, advisoryCapture: { stream: CAPTURE, create: true, streams: [LAG, POISON] } }] });
  adapter = api.connections.nats.get("js")!;
  nats = await NatsFixture.open();
  nats.track(CAPTURE);
  viewer = await api.tokenFor("viewer");
});

afterAll(async () => {
  await nats?.cleanup();
  await api?.close();
});

interface ConsumerRow {
  name: string;
  stream: string;
  consumer: string;
  pending: number;
  ackPending: number;
  redelivered: number;
  waiting: number;
  deliveredSeq: number;
  ackFloorSeq: number;
  maxDeliver: number | null;
  lagSeconds: number | null;
  status: string;
  deadLetters: number | null;
  lastActivity: Date | null;
  consumerKind: string;
}

describe("the NATS JetStream sampler", () => {
  it("stores each consumer's pending and ack-pending as consumer info reports them, with its stream, and serves them to the lag page", async () => {
    await nats.session.jsm.streams.add({ name: LAG, subjects: [`${LAG}.>`], allow_direct: true });
    nats.track(LAG);
    for (let i = 1; i <= 8; i++) await nats.session.js.publish(`${LAG}.orders`, `order ${i}`);
    await nats.consumer(LAG, "billing", { max_deliver: 4, ack_wait: 30_000_000_000 });
    await nats.consumer(LAG, "idle", {});
    const c = await nats.session.js.consumers.get(LAG, "billing");
    // Take 5, acknowledge 2: 3 await an ack, 3 were never delivered.
    const batch = await c.fetch({ max_messages: 5, expires: 2_000 });
    const got = [];
    for await (const m of batch) got.push(m);
    expect(got).toHaveLength(5);
    for (const m of got.slice(0, 2)) await m.ackAck();

    await new NatsSampler(api.store.db, adapter).sample();
    const rows = await api.store.db.select().from(natsConsumerSamples).where(eq(natsConsumerSamples.stream, LAG));
    const byName = new Map(rows.map((r) => [r.consumer, r]));
    for (const name of ["billing", "idle"]) {
      const truth = await nats.rawConsumerInfo(LAG, name);
      const sampled = byName.get(name)!;
      expect({ pending: sampled.pending, ackPending: sampled.ackPending, redelivered: sampled.redelivered, waiting: sampled.waiting, deliveredSeq: sampled.deliveredSeq, ackFloorSeq: sampled.ackFloorSeq }).toEqual({
        pending: truth.num_pending,
        ackPending: truth.num_ack_pending,
        redelivered: truth.num_redelivered,
        waiting: truth.num_waiting,
        deliveredSeq: truth.delivered.stream_seq,
        ackFloorSeq: truth.ack_floor.stream_seq,
      });
    }
    // And the numbers themselves, so two wrong readings cannot agree.
    expect(byName.get("billing")).toMatchObject({ pending: 3, ackPending: 3, deliveredSeq: 5, ackFloorSeq: 2, maxDeliver: 4, consumerKind: "pull", durable: true, streamLastSeq: 8, active: true, deadLetters: 0 });
    expect(byName.get("idle")).toMatchObject({ pending: 8, ackPending: 0, deliveredSeq: 0, active: false, status: "STOP", maxDeliver: null });
    // The oldest unacknowledged message is seq 3, published moments ago.
    expect(byName.get("billing")!.lagSeconds).toBeGreaterThanOrEqual(0);
    expect(byName.get("billing")!.lagSeconds!).toBeLessThan(60);
    expect(byName.get("billing")!.lastActivity).not.toBeNull();

    const [stream] = await api.store.db.select().from(natsStreamSamples).where(eq(natsStreamSamples.stream, LAG));
    const info = await nats.session.jsm.streams.info(LAG);
    expect(stream).toMatchObject({ subjects: [`${LAG}.>`], retention: "limits", messages: 8, bytes: info.state.bytes, firstSeq: 1, lastSeq: 8, consumerCount: 2 });

    const page = await api.data<{ snapshot: { kind: string; sampledAt: Date | null }; consumers: ConsumerRow[]; streams: { stream: string }[] }>("lag.streamConsumers", {
      kind: "query",
      input: { connection: "js", search: LAG.toLowerCase() },
      headers: as(viewer),
    });
    expect(page.snapshot.kind).toBe("nats");
    expect(page.snapshot.sampledAt).not.toBeNull();
    // Worst first: the idle consumer (STOP) before billing.
    expect(page.consumers.map((r) => r.name)).toEqual([`${LAG}.idle`, `${LAG}.billing`]);
    expect(page.streams.some((s) => s.stream === LAG)).toBe(true);
    const one = await api.data<{ consumer: ConsumerRow | null; stream: { lastSeq: number } | null }>("lag.streamConsumer", { kind: "query", input: { connection: "js", consumer: `${LAG}.billing` }, headers: as(viewer) });
    expect(one.consumer).toMatchObject({ pending: 3, ackPending: 3 });
    expect(one.stream).toMatchObject({ lastSeq: 8 });
    const history = await api.data<{ points: { lag: number; ackPending: number }[] }>("lag.streamConsumerHistory", { kind: "query", input: { connection: "js", consumer: `${LAG}.billing`, range: "15m" }, headers: as(viewer) });
    expect(history.points.at(-1)).toMatchObject({ lag: 3, ackPending: 3 });
    // The Overview's attention list has the stopped consumer; /api/metrics the exporter's names.
    const hotspots = await api.data<{ streamConsumers: { name: string; status: string }[] | null }>("overview.hotspots", { kind: "query", headers: as(viewer) });
    expect(hotspots.streamConsumers?.find((c) => c.name === `${LAG}.idle`)).toMatchObject({ status: "STOP" });
    expect(hotspots.streamConsumers?.some((c) => c.name === `${LAG}.billing`)).toBe(false);
    const metrics = (await renderMetrics(api.store.db, api.connections)).body;
    expect(metrics).toContain(`jetstream_consumer_num_pending{connection="js",stream_name="${LAG}",consumer_name="billing"} 3`);
    expect(metrics).toContain(`jetstream_consumer_num_ack_pending{connection="js",stream_name="${LAG}",consumer_name="billing"} 3`);
    expect(metrics).toContain(`jetstream_consumer_ack_floor_stream_seq{connection="js",stream_name="${LAG}",consumer_name="billing"} 2`);
    expect(metrics).toContain(`jetstream_stream_last_seq{connection="js",stream_name="${LAG}"} 8`);
    expect(metrics).toContain(`redrive_jetstream_consumer_status{connection="js",stream_name="${LAG}",consumer_name="idle",status="STOP"} 1`);
    expect(metrics).toContain(`redrive_connection_up{kind="nats",connection="js"}`);
    // Not a NATS connection, or no such connection: 404, not a 500.
    expect((await api.call("lag.streamConsumers", { kind: "query", input: { connection: "nope" }, headers: as(viewer) })).status).toBe(404);
    for (const m of got.slice(2)) m.ack();
  });

  it("creates the capture stream the config consents to, and counts one dead letter per poison message on its consumer", async () => {
    await nats.session.jsm.streams.add({ name: POISON, subjects: [`${POISON}.>`], retention: "workqueue" as never });
    nats.track(POISON);
    await nats.consumer(POISON, "notify", { max_deliver: 2, ack_wait: 500_000_000 });
    // The first sample creates the capture stream (advisories are not kept otherwise).
    await new NatsSampler(api.store.db, adapter).sample();
    expect((await nats.session.jsm.streams.info(CAPTURE)).config.subjects).toEqual([`$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${LAG}.*`, `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${POISON}.*`, `$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.${LAG}.*`, `$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.${POISON}.*`]);
    await nats.session.js.publish(`${POISON}.shipment`, "poison");
    await nats.session.js.publish(`${POISON}.shipment`, "fine");
    const c = await nats.session.js.consumers.get(POISON, "notify");
    const until = Date.now() + 3_000;
    while (Date.now() < until) {
      for await (const m of await c.fetch({ max_messages: 5, expires: 1_000 })) {
        if (m.string() === "poison") m.nak();
        else m.ack();
      }
    }
    await eventually("one advisory captured", async () => (await nats.session.jsm.streams.info(CAPTURE)).state.messages, (n) => n === 1);
    await new NatsSampler(api.store.db, adapter).sample();
    const rows = await api.store.db.select().from(natsConsumerSamples).where(eq(natsConsumerSamples.stream, POISON));
    const latest = rows.sort((a, b) => b.sampledAt.getTime() - a.sampledAt.getTime())[0]!;
    expect(latest).toMatchObject({ consumer: "notify", deadLetters: 1, pending: 0, ackPending: 0 });
    // The consumer's dead-letter set is a DLQ on the DLQ list and the Overview, one dead letter not replayed.
    const depths = await latestDepths(api.store.db, api.connections);
    expect(depths.dlqs.find((d) => d.kind === "nats" && d.name === `${POISON}.notify`)).toMatchObject({ connection: "js", sources: [POISON], depth: 1, notReplayed: 1 });
    expect(depths.dlqs.some((d) => d.name === `${LAG}.billing`)).toBe(false);
    const history = await api.data<{ bucketSeconds: number; points: { at: string; name: string; depth: number }[] }>("depth.history", { kind: "query", input: { kind: "nats", connection: "js", names: [`${POISON}.notify`], range: "15m" }, headers: as(viewer) });
    // A bucket averages its samples: the one before the poison message (0) shares the last bucket when both samples
    // fell in it, so the expected depth is the mean of the samples the bucket holds.
    const last = history.points.at(-1)!;
    const start = new Date(last.at).getTime();
    const inBucket = rows.filter((r) => r.sampledAt.getTime() >= start && r.sampledAt.getTime() < start + history.bucketSeconds * 1000);
    expect(inBucket.map((r) => r.deadLetters)).toContain(1);
    expect(last).toMatchObject({ name: `${POISON}.notify`, depth: inBucket.reduce((sum, r) => sum + (r.deadLetters ?? 0), 0) / inBucket.length });
  });

  it("folds raw samples past the raw retention into 1-minute averages", async () => {
    const old = new Date(Date.now() - 3 * 86_400_000);
    const base = { connection: "js", stream: "OLD", consumer: "c", consumerKind: "pull", durable: true, filterSubjects: ["OLD.a"], redelivered: 0, waiting: 0, deliveredSeq: 1, ackFloorSeq: 1, streamLastSeq: 4, maxDeliver: 3, lagSeconds: null, active: true, status: "OK", deadLetters: 2 };
    await api.store.db.insert(natsConsumerSamples).values([
      { ...base, sampledAt: new Date(old.getTime() - (old.getTime() % 60_000) + 1_000), pending: 2, ackPending: 0 },
      { ...base, sampledAt: new Date(old.getTime() - (old.getTime() % 60_000) + 31_000), pending: 4, ackPending: 2 },
    ]);
    await applyRetention(api.store.db, { rawRetentionHours: 24, rollupRetentionDays: 7 } as never);
    const rows = await api.store.db.select().from(natsConsumerSamples).where(eq(natsConsumerSamples.stream, "OLD"));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ resolutionSeconds: 60, pending: 3, ackPending: 1, filterSubjects: ["OLD.a"], status: "OK", deadLetters: 2 });
  });
});
