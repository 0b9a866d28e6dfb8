import { describe, expect, it } from "vitest";
import { deadLetterSetName, parseDeadLetterSet } from "~/server/brokers/nats/names";
import { consumerActive, natsConsumerStatus, settledSeq, type NatsConsumerPoint } from "~/server/lag/nats-consumer-health";

const point = (at: number, p: Partial<NatsConsumerPoint>): NatsConsumerPoint => ({ at, pending: 0, ackPending: 0, deliveredSeq: 0, ackFloorSeq: 0, streamLastSeq: 0, ...p });

describe("JetStream consumer verdicts in the log model", () => {
  it("takes the ack floor as the position while messages await an ack, the last delivery otherwise (a 2.9 dead message holds the floor)", () => {
    expect(settledSeq({ ackPending: 2, deliveredSeq: 9, ackFloorSeq: 7 })).toBe(7);
    expect(settledSeq({ ackPending: 0, deliveredSeq: 9, ackFloorSeq: 0 })).toBe(9);
  });

  it("is OK caught up, STOP with pending and nobody attached, STALL when attached and not moving, WARN when pending grows", () => {
    expect(natsConsumerStatus([point(1, { pending: 0, deliveredSeq: 5, streamLastSeq: 5 })], false)).toBe("OK");
    expect(natsConsumerStatus([point(1, { pending: 3, deliveredSeq: 5, streamLastSeq: 8 })], false)).toBe("STOP");
    expect(natsConsumerStatus([point(1, { pending: 3, ackPending: 1, ackFloorSeq: 4, deliveredSeq: 5, streamLastSeq: 8 }), point(2, { pending: 4, ackPending: 1, ackFloorSeq: 4, deliveredSeq: 5, streamLastSeq: 9 })], true)).toBe("STALL");
    const growing = [1, 2, 3].map((i) => point(i, { pending: i * 10, deliveredSeq: i, streamLastSeq: i * 11 }));
    expect(natsConsumerStatus(growing, true)).toBe("WARN");
    // Moving and keeping up: the position advances with the log end.
    expect(natsConsumerStatus([1, 2, 3].map((i) => point(i, { pending: 2, deliveredSeq: i * 10, streamLastSeq: i * 10 + 2 })), true)).toBe("OK");
    expect(natsConsumerStatus([point(1, { pending: 1, deliveredSeq: 9, streamLastSeq: 10 }), point(2, { pending: 1, deliveredSeq: 2, streamLastSeq: 10 })], true)).toBe("REWIND");
  });

  it("counts a client as attached when push-bound, with pull requests waiting, or active recently", () => {
    const now = 1_000_000;
    expect(consumerActive({ pushBound: true, numWaiting: 0, lastActivity: null }, now, 30_000)).toBe(true);
    expect(consumerActive({ pushBound: false, numWaiting: 1, lastActivity: null }, now, 30_000)).toBe(true);
    expect(consumerActive({ pushBound: false, numWaiting: 0, lastActivity: new Date(now - 10_000) }, now, 30_000)).toBe(true);
    expect(consumerActive({ pushBound: false, numWaiting: 0, lastActivity: new Date(now - 60_000) }, now, 30_000)).toBe(false);
  });
});

describe("dead-letter set names", () => {
  it("name a stream's consumer by the first dot, and refuse what cannot be one", () => {
    expect(deadLetterSetName({ stream: "SHIP", consumer: "notify" })).toBe("SHIP.notify");
    expect(parseDeadLetterSet("SHIP.notify")).toEqual({ stream: "SHIP", consumer: "notify" });
    expect(parseDeadLetterSet("SHIP")).toBeNull();
    expect(parseDeadLetterSet("SHIP.a.b")).toBeNull();
    expect(parseDeadLetterSet("S*.c")).toBeNull();
    expect(parseDeadLetterSet(".c")).toBeNull();
  });
});
