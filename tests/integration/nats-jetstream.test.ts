import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consumerInfo, consumerLag, listConsumers, listStreams, streamInfo } from "~/server/brokers/nats/jetstream";
import { parseServerVersion, serverFeatures } from "~/server/brokers/nats/version";
import { NatsFixture } from "./helpers/nats";

let nats: NatsFixture;

beforeAll(async () => {
  nats = await NatsFixture.open();
});

afterAll(async () => {
  await nats?.cleanup();
});

async function publish(stream: string, count: number, subject = "orders"): Promise<void> {
  for (let i = 1; i <= count; i++) await nats.session.js.publish(`${stream}.${subject}`, `message ${i}`);
}

describe("JetStream streams and consumers", () => {
  it("detects the server version and the features it has", () => {
    const version = parseServerVersion(nats.raw.info!.version);
    expect(nats.session.version).toEqual(version);
    expect(nats.session.features).toEqual(serverFeatures(version));
    // Every JetStream server this plugin supports sends MAX_DELIVERIES.
    expect(nats.session.features.maxDeliveriesAdvisory).toBe(true);
  });

  it("lists a stream with its subjects, retention, counts, sequences and times", async () => {
    const stream = await nats.stream("lag", { allow_direct: true });
    const before = Date.now();
    await publish(stream, 5);
    const listed = (await listStreams(nats.session.jsm)).find((s) => s.name === stream);
    expect(listed).toMatchObject({ subjects: [`${stream}.>`], retention: "limits", storage: "file", messages: 5, firstSeq: 1, lastSeq: 5, allowDirect: true, duplicateWindowMs: 120_000 });
    expect(listed!.bytes).toBeGreaterThan(0);
    const first = await nats.rawMessage(stream, 1);
    const last = await nats.rawMessage(stream, 5);
    expect(listed!.firstTime!.getTime()).toBe(new Date(first!.time).getTime());
    expect(listed!.lastTime!.getTime()).toBe(new Date(last!.time).getTime());
    expect(listed!.firstTime!.getTime()).toBeGreaterThanOrEqual(before - 1_000);
  });

  it("reports pending and ack-pending equal to consumer info read independently, and lag in seconds from the oldest unacknowledged message", async () => {
    const stream = await nats.stream("lag", { allow_direct: true });
    await publish(stream, 6);
    await nats.consumer(stream, "billing", { max_deliver: 5, ack_wait: 30_000_000_000 });
    const c = await nats.session.js.consumers.get(stream, "billing");
    // Take 3, acknowledge only the first: 2 await an ack, 3 were never delivered.
    const batch = await c.fetch({ max_messages: 3, expires: 2_000 });
    const got = [];
    for await (const m of batch) got.push(m);
    expect(got).toHaveLength(3);
    // ackAck alone: after ack() it returns at once without waiting, and consumer info could still count it pending.
    expect(await got[0]!.ackAck()).toBe(true);

    const consumer = await consumerInfo(nats.session.jsm, stream, "billing");
    const raw = await nats.rawConsumerInfo(stream, "billing");
    expect(consumer.numPending).toBe(raw.num_pending);
    expect(consumer.numAckPending).toBe(raw.num_ack_pending);
    expect(consumer.numRedelivered).toBe(raw.num_redelivered);
    expect(consumer.numWaiting).toBe(raw.num_waiting);
    expect(consumer.delivered.streamSeq).toBe(raw.delivered.stream_seq);
    expect(consumer.ackFloor.streamSeq).toBe(raw.ack_floor.stream_seq);
    // And the numbers themselves, so two wrong readings cannot agree.
    expect([consumer.numPending, consumer.numAckPending, consumer.delivered.streamSeq, consumer.ackFloor.streamSeq]).toEqual([3, 2, 3, 1]);
    expect(consumer).toMatchObject({ durable: true, kind: "pull", maxDeliver: 5, ackWaitMs: 30_000, filterSubjects: [] });
    expect(consumer.lastActivity).not.toBeNull();

    const now = new Date();
    const lag = await consumerLag(nats.session, await streamInfo(nats.session.jsm, stream), consumer, now);
    const oldest = await nats.rawMessage(stream, 2);
    expect(lag).toMatchObject({ lag: 3, basis: "message-time", oldestSeq: 2, readVia: "direct-get" });
    expect(lag.oldestTime!.getTime()).toBe(new Date(oldest!.time).getTime());
    expect(lag.lagSeconds).toBeCloseTo((now.getTime() - new Date(oldest!.time).getTime()) / 1000, 3);
    expect(lag.clock).toBe(nats.session.features.consumerInfoTimestamp ? "server" : "redrive");

    for (const m of got.slice(1)) m.ack();
    const rest = await c.fetch({ max_messages: 3, expires: 2_000 });
    for await (const m of rest) await m.ackAck();
    const caughtUp = await consumerInfo(nats.session.jsm, stream, "billing");
    expect([caughtUp.numPending, caughtUp.numAckPending]).toEqual([0, 0]);
    expect(await consumerLag(nats.session, await streamInfo(nats.session.jsm, stream), caughtUp)).toMatchObject({ lag: 0, lagSeconds: 0, basis: "caught-up" });
  });

  it("reads through STREAM.MSG.GET where the stream does not allow direct get, and follows a filter subject", async () => {
    const stream = await nats.stream("lagleader");
    await publish(stream, 2, "other");
    await publish(stream, 2, "orders");
    await nats.consumer(stream, "orders-only", { filter_subject: `${stream}.orders` });
    const consumer = await consumerInfo(nats.session.jsm, stream, "orders-only");
    expect(consumer.numPending).toBe(2);
    const lag = await consumerLag(nats.session, await streamInfo(nats.session.jsm, stream), consumer);
    // The ack floor is 0, but the first message for this consumer is seq 3.
    expect(lag).toMatchObject({ basis: "message-time", oldestSeq: 3, readVia: "stream-msg-get" });
  });

  it("tells pull from push consumers", async () => {
    const stream = await nats.stream("kinds");
    await nats.consumer(stream, "puller");
    await nats.consumer(stream, "pusher", { deliver_subject: `deliver.${stream}` });
    const consumers = await listConsumers(nats.session.jsm, stream);
    expect(consumers.map((c) => [c.name, c.kind, c.pushBound])).toEqual([
      ["puller", "pull", false],
      ["pusher", "push", false],
    ]);
  });
});
