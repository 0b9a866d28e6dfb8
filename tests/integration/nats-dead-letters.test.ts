import { headers, type MsgHdrs } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCaptureStream, captureStatus, readDeadLetter, readDeadLetters, CaptureConsentError, CaptureOverlapError, type DeadLetter } from "~/server/brokers/nats/capture";
import { consumerInfo, consumerLag, streamInfo } from "~/server/brokers/nats/jetstream";
import { replayOne } from "~/server/brokers/nats/replay";
import { eventually, NatsFixture, natsName } from "./helpers/nats";

let nats: NatsFixture;

beforeAll(async () => {
  nats = await NatsFixture.open();
});

afterAll(async () => {
  await nats?.cleanup();
});

/** A capture stream for these streams only (a catch-all one would overlap any other capture on the server). */
async function capture(streams: string[]): Promise<string> {
  const name = natsName("dlqcap");
  await createCaptureStream(nats.session, { name, streams, limits: { maxAgeMs: 3_600_000 } }, { consentedBy: "test-admin" });
  return nats.track(name);
}

/**
 * Runs a pull consumer for `ms`: acknowledges everything except payloads named in `fail` (nak) and `term`
 * (+TERM). Returns how often each payload was delivered.
 */
async function work(stream: string, consumer: string, ms: number, fail: string[], term: string[] = []): Promise<Map<string, number>> {
  const deliveries = new Map<string, number>();
  const c = await nats.session.js.consumers.get(stream, consumer);
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const batch = await c.fetch({ max_messages: 10, expires: 1_000 });
    for await (const m of batch) {
      const body = m.string();
      deliveries.set(body, (deliveries.get(body) ?? 0) + 1);
      if (fail.includes(body)) m.nak();
      else if (term.includes(body)) m.term();
      else m.ack();
    }
  }
  return deliveries;
}

const withTrace = (trace: string): MsgHdrs => {
  const h = headers();
  h.set("Trace-Id", trace);
  return h;
};

describe("JetStream dead letters", () => {
  it("needs an admin's consent to create the capture stream, and says when it is missing", async () => {
    const name = natsName("dlqcap");
    await expect(createCaptureStream(nats.session, { name, streams: ["NOPE"] }, { consentedBy: " " })).rejects.toBeInstanceOf(CaptureConsentError);
    expect(await captureStatus(nats.session, name)).toEqual({ state: "missing", name });
  });

  it("captures exactly one MAX_DELIVERIES dead letter for a poison message, with its stream sequence, delivery count and original", async () => {
    const stream = await nats.stream("ship", { retention: "workqueue", allow_direct: true });
    const cap = await capture([stream]);
    expect(await captureStatus(nats.session, cap)).toMatchObject({ state: "ready", capturesMaxDeliveries: true, capturesTerminated: true });
    // JetStream keeps one stream per subject: a second capture of the same advisories is refused, saying why.
    await expect(createCaptureStream(nats.session, { name: natsName("dlqcap"), streams: [stream] }, { consentedBy: "test-admin" })).rejects.toBeInstanceOf(CaptureOverlapError);
    await nats.consumer(stream, "notifier", { max_deliver: 3, ack_wait: 1_000_000_000 });
    await nats.session.js.publish(`${stream}.shipped`, "good-1");
    await nats.session.js.publish(`${stream}.shipped`, "poison", { headers: withTrace("trace-42") });
    await nats.session.js.publish(`${stream}.shipped`, "good-2");

    // Long enough for three naks and then for ack_wait to pass twice more: no fourth delivery, no second advisory.
    const deliveries = await work(stream, "notifier", 3_000, ["poison"]);
    expect(deliveries.get("poison")).toBe(3);
    expect(deliveries.get("good-1")).toBe(1);

    const page = await eventually("the dead letter", () => readDeadLetters(nats.session, { captureStream: cap }), (p) => p.items.length > 0);
    expect(page.items).toHaveLength(1);
    expect(page.undecodable).toEqual([]);
    expect(page.nextSeq).toBeNull();
    const [dead] = page.items;
    expect(dead!.advisory).toMatchObject({ kind: "max-deliveries", stream, consumer: "notifier", streamSeq: 2, deliveries: 3 });
    expect(dead!.original).toMatchObject({ state: "present", subject: `${stream}.shipped`, readVia: "direct-get" });
    if (dead!.original.state !== "present") throw new Error("unreachable");
    expect(Buffer.from(dead!.original.payload).toString()).toBe("poison");
    expect(dead!.original.headers["Trace-Id"]).toEqual(["trace-42"]);

    // The consumer's own numbers agree: nothing pending or awaiting an ack, the dead message never acknowledged.
    const raw = await nats.rawConsumerInfo(stream, "notifier");
    expect([raw.num_pending, raw.num_ack_pending]).toEqual([0, 0]);

    // A new message waits: lag in seconds counts from it, not from the dead message that may hold the ack floor.
    await nats.session.js.publish(`${stream}.shipped`, "late");
    const consumer = await consumerInfo(nats.session.jsm, stream, "notifier");
    const lag = await consumerLag(nats.session, await streamInfo(nats.session.jsm, stream), consumer);
    expect(lag).toMatchObject({ lag: 1, basis: "message-time", oldestSeq: 4 });
  });

  it("captures a message the application terminated (MSG_TERMINATED), with a reason only where the server has it", async () => {
    const stream = await nats.stream("term");
    const cap = await capture([stream]);
    await nats.consumer(stream, "worker", { max_deliver: 5 });
    await nats.session.js.publish(`${stream}.x`, "fine");
    await nats.session.js.publish(`${stream}.x`, "unparseable");
    await work(stream, "worker", 2_000, [], ["unparseable"]);
    const page = await eventually("the terminated letter", () => readDeadLetters(nats.session, { captureStream: cap, stream, consumer: "worker" }), (p) => p.items.length > 0);
    expect(page.items).toHaveLength(1);
    expect(page.items[0]!.advisory).toMatchObject({ kind: "terminated", streamSeq: 2, consumerSeq: 2, deliveries: 1 });
    // 2.9 sends no reason; term() without a reason sends none on newer servers either.
    expect(page.items[0]!.advisory.reason).toBeNull();
    expect(page.items[0]!.original.state).toBe("present");
  });

  describe("replay", () => {
    let stream: string;
    let cap: string;
    let dead: DeadLetter;

    beforeAll(async () => {
      stream = await nats.stream("replay", { retention: "workqueue" });
      cap = await capture([stream]);
      await nats.consumer(stream, "notifier", { max_deliver: 2, ack_wait: 1_000_000_000 });
      await nats.session.js.publish(`${stream}.shipped`, "poison", { headers: withTrace("trace-7"), msgID: "producer-id-1" });
      await work(stream, "notifier", 2_000, ["poison"]);
      const page = await eventually("the dead letter", () => readDeadLetters(nats.session, { captureStream: cap }), (p) => p.items.length > 0);
      dead = page.items[0]!;
      expect(dead.advisory).toMatchObject({ streamSeq: 1, deliveries: 2 });
      // Read through STREAM.MSG.GET: this stream has no allow_direct.
      expect(dead.original).toMatchObject({ state: "present", readVia: "stream-msg-get" });
    });

    it("republishes once with its headers and the replay id, and a second replay with the same id is dropped as a duplicate", async () => {
      const replayId = `replay-${natsName("r")}`;
      const first = await replayOne(nats.session, { deadLetter: dead, replayId });
      expect(first).toMatchObject({ outcome: "replayed", subject: `${stream}.shipped`, pubAck: { stream, seq: 2, duplicateWindowMs: 120_000 }, originalDeleted: false });
      const copy = await nats.rawMessage(stream, 2);
      expect(copy).toMatchObject({ subject: `${stream}.shipped`, data: "poison" });
      expect(copy!.hdrs).toContain(`Nats-Msg-Id: ${replayId}`);
      expect(copy!.hdrs).toContain("Trace-Id: trace-7");
      expect(copy!.hdrs).toContain(`Redrive-Replayed-From: ${stream}:1`);
      expect(copy!.hdrs).not.toContain("producer-id-1");

      const second = await replayOne(nats.session, { deadLetter: dead, replayId });
      expect(second).toMatchObject({ outcome: "duplicate", pubAck: { stream, seq: 2 } });
      expect(await nats.lastSeq(stream)).toBe(2);
    });

    it("deletes the work-queue original only when asked, after the PubAck; the dead letter then shows it gone", async () => {
      const result = await replayOne(nats.session, { deadLetter: dead, replayId: `replay-${natsName("d")}`, subject: `${stream}.reshipped`, deleteOriginal: true });
      expect(result).toMatchObject({ outcome: "replayed", subject: `${stream}.reshipped`, pubAck: { stream, seq: 3 }, originalDeleted: true });
      expect(await nats.rawMessage(stream, 1)).toBeNull();
      const again = await readDeadLetter(nats.session, cap, dead.captureSeq);
      expect(again).toMatchObject({ advisory: { stream, streamSeq: 1, deliveries: 2, consumer: "notifier" }, original: { state: "gone", reason: "removed-from-stream" } });
      expect(await replayOne(nats.session, { deadLetter: again!, replayId: "late" })).toMatchObject({ outcome: "gone" });
    });

    it("refuses to delete from a stream that is not a work queue, before publishing anything", async () => {
      const limits = await nats.stream("replaylimits");
      await nats.session.js.publish(`${limits}.a`, "x");
      const fake: DeadLetter = { ...dead, advisory: { ...dead.advisory, stream: limits, streamSeq: 1 } };
      const result = await replayOne(nats.session, { deadLetter: fake, replayId: `replay-${natsName("l")}`, subject: `${limits}.a`, deleteOriginal: true });
      expect(result).toMatchObject({ outcome: "refused" });
      expect(await nats.lastSeq(limits)).toBe(1);
    });

    it("says so when no stream captures the chosen subject", async () => {
      const result = await replayOne(nats.session, { deadLetter: dead, replayId: "nowhere", subject: `${natsName("nostream")}.x` });
      expect(result).toMatchObject({ outcome: "no-stream" });
      expect(await replayOne(nats.session, { deadLetter: dead, replayId: "wild", subject: `${stream}.*` })).toMatchObject({ outcome: "refused" });
    });
  });

  it("shows a dead letter whose message the stream's limits removed as gone, with what the advisory said", async () => {
    const stream = await nats.stream("limits", { max_msgs: 2 });
    const cap = await capture([stream]);
    await nats.consumer(stream, "reader", { max_deliver: 2 });
    await nats.session.js.publish(`${stream}.a`, "poison");
    await work(stream, "reader", 2_000, ["poison"]);
    await eventually("the dead letter", () => readDeadLetters(nats.session, { captureStream: cap }), (p) => p.items.length > 0);
    // Two newer messages push the poison message out (max_msgs 2, discard old).
    await nats.session.js.publish(`${stream}.a`, "newer-1");
    await nats.session.js.publish(`${stream}.a`, "newer-2");
    expect(await nats.rawMessage(stream, 1)).toBeNull();
    const page = await readDeadLetters(nats.session, { captureStream: cap, stream });
    const maxDeliveries = page.items.filter((d) => d.advisory.kind === "max-deliveries");
    expect(maxDeliveries).toHaveLength(1);
    expect(maxDeliveries[0]).toMatchObject({ advisory: { stream, consumer: "reader", streamSeq: 1, deliveries: 2 }, original: { state: "gone", reason: "removed-from-stream" } });
  });

  it("reads dead letters from a user's stream that captures every advisory, skipping the others", async () => {
    const stream = await nats.stream("userscap");
    const userCapture = natsName("useradv");
    await nats.session.jsm.streams.add({ name: userCapture, subjects: [`$JS.EVENT.ADVISORY.CONSUMER.*.${stream}.*`] });
    nats.track(userCapture);
    await nats.consumer(stream, "c", { max_deliver: 2 });
    await nats.session.js.publish(`${stream}.a`, "poison");
    await work(stream, "c", 2_000, ["poison"]);
    const all = await nats.session.jsm.streams.info(userCapture);
    // At least: one nak advisory and the MAX_DELIVERIES one (2.9 also sends MSG_NAKED per nak).
    expect(all.state.messages).toBeGreaterThanOrEqual(2);
    expect(await captureStatus(nats.session, userCapture)).toMatchObject({ state: "ready", capturesMaxDeliveries: true, capturesTerminated: true });
    const page = await readDeadLetters(nats.session, { captureStream: userCapture });
    expect(page.items.map((d) => [d.advisory.kind, d.advisory.streamSeq, d.advisory.deliveries])).toEqual([["max-deliveries", 1, 2]]);
    expect(page.undecodable).toEqual([]);
    const scanOne = await readDeadLetters(nats.session, { captureStream: userCapture, maxScan: 1 });
    expect(scanOne.items).toEqual([]);
    expect(scanOne.nextSeq).toBe(2);
  });

  it("pages the capture stream by sequence", async () => {
    const stream = await nats.stream("paging");
    const cap = await capture([stream]);
    await nats.consumer(stream, "c", { max_deliver: 5 });
    for (const body of ["t1", "t2", "t3"]) await nats.session.js.publish(`${stream}.a`, body);
    await work(stream, "c", 2_000, [], ["t1", "t2", "t3"]);
    await eventually("three dead letters", () => readDeadLetters(nats.session, { captureStream: cap }), (p) => p.items.length === 3);
    const first = await readDeadLetters(nats.session, { captureStream: cap, limit: 2 });
    expect(first.items.map((d) => d.advisory.streamSeq)).toEqual([1, 2]);
    expect(first.nextSeq).toBe(3);
    const second = await readDeadLetters(nats.session, { captureStream: cap, fromSeq: first.nextSeq!, limit: 2 });
    expect(second.items.map((d) => d.advisory.streamSeq)).toEqual([3]);
    expect(second.nextSeq).toBeNull();
  });
});
