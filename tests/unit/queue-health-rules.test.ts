import { describe, expect, it } from "vitest";
import { evaluateQueue, type QueueSample } from "~/server/lag/queue-health-rules";

const series = (points: Partial<QueueSample>[]): QueueSample[] =>
  points.map((p, i) => ({ at: i * 15_000, ready: 0, unacked: 0, consumers: 0, deliverRate: null, ...p }));

describe("queue health verdicts", () => {
  it("is OK without samples, and for a single sample", () => {
    expect(evaluateQueue([]).status).toBe("OK");
    expect(evaluateQueue(series([{ ready: 100 }])).status).toBe("OK");
  });

  it("flags a queue that keeps growing with no consumers", () => {
    const verdict = evaluateQueue(series([{ ready: 10 }, { ready: 12 }, { ready: 15, unacked: 0 }]));
    expect(verdict.status).toBe("GROWING_NO_CONSUMERS");
    expect(verdict.reason).toContain("5 more messages than 30 s ago");
  });

  it("does not flag a full but steady queue without consumers (a parked DLQ)", () => {
    expect(evaluateQueue(series([{ ready: 50 }, { ready: 50 }, { ready: 50 }])).status).toBe("OK");
  });

  it("does not flag growth that fell in between, nor growth while someone consumes", () => {
    expect(evaluateQueue(series([{ ready: 10 }, { ready: 5 }, { ready: 12 }])).status).toBe("OK");
    expect(evaluateQueue(series([{ ready: 10, consumers: 1, deliverRate: 5 }, { ready: 20, consumers: 1, deliverRate: 5 }])).status).toBe("OK");
  });

  it("counts unacknowledged messages in the depth", () => {
    expect(evaluateQueue(series([{ ready: 10, unacked: 0 }, { ready: 10, unacked: 3 }])).status).toBe("GROWING_NO_CONSUMERS");
  });

  it("flags consumers that receive nothing while messages are ready, in consecutive samples", () => {
    const stalled = evaluateQueue(series([{ ready: 40, unacked: 10, consumers: 2, deliverRate: 0 }, { ready: 45, unacked: 10, consumers: 2, deliverRate: null }]));
    expect(stalled.status).toBe("CONSUMERS_STALLED");
    expect(stalled.reason).toContain("2 consumers attached and 45 messages ready");
  });

  it("does not call one sample without deliveries a stall, nor a drained queue, nor a delivering one", () => {
    expect(evaluateQueue(series([{ ready: 40, consumers: 1, deliverRate: 3 }, { ready: 40, consumers: 1, deliverRate: 0 }])).status).toBe("OK");
    expect(evaluateQueue(series([{ ready: 0, consumers: 1, deliverRate: 0 }, { ready: 0, consumers: 1, deliverRate: 0 }])).status).toBe("OK");
    expect(evaluateQueue(series([{ ready: 40, consumers: 1, deliverRate: 0.5 }, { ready: 40, consumers: 1, deliverRate: 0.2 }])).status).toBe("OK");
  });

  it("prefers the stall over growth (consumers are attached, so it is not 'no consumers')", () => {
    expect(evaluateQueue(series([{ ready: 1, consumers: 1, deliverRate: 0 }, { ready: 5, consumers: 1, deliverRate: 0 }])).status).toBe("CONSUMERS_STALLED");
  });
});
