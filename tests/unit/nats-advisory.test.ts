import { describe, expect, it } from "vitest";
import { advisorySubjects, decodeAdvisory } from "~/server/brokers/nats/advisory";
import { subjectsIntersect } from "~/server/brokers/nats/capture";

// Payloads as nats-server 2.9.10 sent them (captured from the local server), and a 2.10.4+ terminated one with a reason.
const MAX_DELIVER = `{"type":"io.nats.jetstream.advisory.v1.max_deliver","id":"zuE4B3W5R0PLGJ0ifMUHo8","timestamp":"2026-11-30T11:07:10.138452664Z","stream":"ORDERS","consumer":"worker","stream_seq":1,"deliveries":3}`;
const TERMINATED = `{"type":"io.nats.jetstream.advisory.v1.terminated","id":"zuE4B3W5R0PLGJ0ifMUHhw","timestamp":"2026-11-30T11:07:10.130880657Z","stream":"ORDERS","consumer":"worker","consumer_seq":3,"stream_seq":3,"deliveries":1}`;
const TERMINATED_WITH_REASON = `{"type":"io.nats.jetstream.advisory.v1.terminated","id":"x1","timestamp":"2026-11-30T11:07:10Z","stream":"ORDERS","consumer":"worker","consumer_seq":9,"stream_seq":7,"deliveries":2,"domain":"hub","reason":"invalid order"}`;

describe("decodeAdvisory", () => {
  it("reads a MAX_DELIVERIES advisory as 2.9 sends it", () => {
    const result = decodeAdvisory(new TextEncoder().encode(MAX_DELIVER));
    expect(result).toEqual({
      ok: true,
      advisory: {
        kind: "max-deliveries",
        id: "zuE4B3W5R0PLGJ0ifMUHo8",
        timestamp: new Date("2026-11-30T11:07:10.138Z"),
        stream: "ORDERS",
        consumer: "worker",
        streamSeq: 1,
        consumerSeq: null,
        deliveries: 3,
        reason: null,
        domain: null,
      },
    });
  });

  it("reads a MSG_TERMINATED advisory, with its consumer sequence, and the 2.10.4+ reason and domain", () => {
    const plain = decodeAdvisory(TERMINATED);
    expect(plain.ok && plain.advisory).toMatchObject({ kind: "terminated", streamSeq: 3, consumerSeq: 3, deliveries: 1, reason: null });
    const withReason = decodeAdvisory(TERMINATED_WITH_REASON);
    expect(withReason.ok && withReason.advisory).toMatchObject({ kind: "terminated", streamSeq: 7, consumerSeq: 9, deliveries: 2, reason: "invalid order", domain: "hub" });
  });

  it("keeps a server-side termination of a never-delivered message (deliveries 0)", () => {
    const result = decodeAdvisory(TERMINATED.replace('"deliveries":1', '"deliveries":0'));
    expect(result.ok && result.advisory.deliveries).toBe(0);
  });

  it("refuses what is not a dead-letter advisory, saying why", () => {
    expect(decodeAdvisory("not json")).toEqual({ ok: false, reason: "not JSON" });
    expect(decodeAdvisory("[1]")).toEqual({ ok: false, reason: "not a JSON object" });
    expect(decodeAdvisory(`{"type":"io.nats.jetstream.advisory.v1.nak","stream":"S","consumer":"c","stream_seq":1}`)).toEqual({ ok: false, reason: 'not a dead-letter advisory (type "io.nats.jetstream.advisory.v1.nak")' });
    expect(decodeAdvisory(MAX_DELIVER.replace('"stream":"ORDERS",', ""))).toEqual({ ok: false, reason: "the advisory names no stream or consumer" });
    expect(decodeAdvisory(MAX_DELIVER.replace('"stream_seq":1', '"stream_seq":0'))).toEqual({ ok: false, reason: "the advisory has no valid stream_seq" });
    expect(decodeAdvisory(MAX_DELIVER.replace('"timestamp":"2026-11-30T11:07:10.138452664Z"', '"timestamp":"yesterday"'))).toEqual({ ok: false, reason: "the advisory has no valid timestamp" });
    expect(decodeAdvisory(MAX_DELIVER.replace('"id":"zuE4B3W5R0PLGJ0ifMUHo8",', ""))).toEqual({ ok: false, reason: "the advisory has no id" });
  });

  it("refuses a stream sequence beyond 2^53 rather than rounding it to another message", () => {
    expect(decodeAdvisory(MAX_DELIVER.replace('"stream_seq":1', '"stream_seq":18446744073709551615'))).toEqual({ ok: false, reason: "the advisory has no valid stream_seq" });
  });
});

describe("advisorySubjects", () => {
  it("captures both advisories for every stream, or only for the named ones", () => {
    expect(advisorySubjects()).toEqual(["$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.>", "$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.>"]);
    expect(advisorySubjects(["A", "B"])).toEqual([
      "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.A.*",
      "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.B.*",
      "$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.A.*",
      "$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.B.*",
    ]);
  });
});

describe("subjectsIntersect", () => {
  const md = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.*.*";
  it("tells which capture subjects catch max-delivery advisories", () => {
    expect(subjectsIntersect("$JS.EVENT.ADVISORY.>", md)).toBe(true);
    expect(subjectsIntersect("$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.ORDERS.*", md)).toBe(true);
    expect(subjectsIntersect("$JS.EVENT.ADVISORY.CONSUMER.*.ORDERS.worker", md)).toBe(true);
    expect(subjectsIntersect(">", md)).toBe(true);
    expect(subjectsIntersect("$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.>", md)).toBe(false);
    expect(subjectsIntersect("$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.ORDERS", md)).toBe(false);
    expect(subjectsIntersect("$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.A.b.c", md)).toBe(false);
    expect(subjectsIntersect("orders.>", "orders")).toBe(false);
  });
});
