import { describe, expect, it } from "vitest";
import { attentionTier, ignoredGroups, rankForAttention, type AttentionGroup } from "~/server/lag/attention";
import { evaluateGroupTrend, isRisingSteadily } from "~/server/lag/health-rules";
import { describeLag, etaText, rateText, type TrendPoint } from "~/server/lag/lag-words";

const T0 = Date.UTC(2026, 0, 1);

/** Samples every `stepS` seconds with the given produce and consume rates (msg/s), starting at `lag`. */
function series(lag: number, producing: number, consuming: number, samples = 11, stepS = 10): TrendPoint[] {
  return Array.from({ length: samples }, (_, i) => {
    const produced = 10_000 + producing * stepS * i;
    const consumed = 10_000 - lag + consuming * stepS * i;
    return { at: T0 + i * stepS * 1000, produced, consumed, lag: produced - consumed };
  });
}

describe("lag in words", () => {
  it("falling behind: producing faster than consuming", () => {
    const trend = describeLag(series(254, 1.6, 1.0), 3);
    expect(trend.kind).toBe("falling-behind");
    expect(trend.text).toBe("falling behind: producing 1.6/s, consuming 1.0/s, will not catch up at this rate");
    expect(trend.catchUpSeconds).toBeNull();
  });

  it("catching up, with the time to go at the current rates", () => {
    // 1,200 behind now (after 100 s of net 3/s less), net 5/s: 240 s left.
    const points = series(1_700, 10, 15);
    expect(points.at(-1)!.lag).toBe(1_200);
    const trend = describeLag(points, 2);
    expect(trend.kind).toBe("catching-up");
    expect(trend.catchUpSeconds).toBeCloseTo(240);
    expect(trend.text).toBe("catching up, about 4 min to go");
  });

  it("caught up when the lag is zero now", () => {
    expect(describeLag(series(0, 5, 5), 1).text).toBe("caught up");
  });

  it("keeping pace is neither catching up nor falling behind", () => {
    const trend = describeLag(series(500, 20, 20.2), 1);
    expect(trend.kind).toBe("steady");
    expect(trend.text).toBe("keeping pace but not catching up: producing 20/s, consuming 20/s");
  });

  it("no members and nothing consumed: not consuming", () => {
    const trend = describeLag(series(40, 2, 0), 0);
    expect(trend.kind).toBe("not-consuming");
    expect(trend.text).toBe("not consuming (no members): producing 2.0/s");
  });

  it("one sample is not a trend", () => {
    expect(describeLag(series(40, 2, 1, 1), 1).kind).toBe("unknown");
    expect(describeLag([], 1).kind).toBe("unknown");
  });

  it("formats rates and times for people", () => {
    expect(rateText(0.04)).toBe("0.0/s");
    expect(rateText(12.4)).toBe("12/s");
    expect(rateText(1234.5)).toBe("1,235/s");
    expect(etaText(40)).toBe("40 s");
    expect(etaText(3_900)).toBe("about 1 h 5 min");
    expect(etaText(3 * 86_400)).toBe("about 3 days");
  });
});

describe("the group trend rule (WARN while the lag rises)", () => {
  const stable = { state: "Stable", memberCount: 3 };
  // A batch committer: every partition's lag is a sawtooth, the total climbs.
  const sawtoothRising = [120, 160, 140, 190, 170, 215, 200, 240, 230, 254];

  it("a noisy but steadily rising total is WARN", () => {
    expect(isRisingSteadily(sawtoothRising)).toBe(true);
    expect(evaluateGroupTrend(sawtoothRising, stable)).toBe("WARN");
  });

  it("a noisy flat or falling total is OK", () => {
    expect(evaluateGroupTrend([200, 240, 190, 230, 200, 235, 195, 240], stable)).toBe("OK");
    expect(evaluateGroupTrend([254, 230, 240, 200, 215, 170, 190, 140], stable)).toBe("OK");
  });

  it("needs four samples, lag throughout, and a group that is not stopped", () => {
    expect(evaluateGroupTrend([1, 2, 3], stable)).toBe("OK");
    expect(evaluateGroupTrend([0, 2, 3, 4, 5], stable)).toBe("OK");
    expect(evaluateGroupTrend(sawtoothRising, { state: "Empty", memberCount: 0 })).toBe("OK");
  });
});

describe("what needs a human comes first", () => {
  const trend = (kind: AttentionGroup["trend"]["kind"], producing: number | null) => ({
    kind,
    producingPerSecond: producing,
    consumingPerSecond: null,
    catchUpSeconds: null,
    text: kind,
  });
  const liveBehind: AttentionGroup = {
    connection: "prod",
    groupId: "shipping-service",
    status: "OK",
    members: 3,
    totalLag: 254,
    maxLagSeconds: 600,
    trend: trend("falling-behind", 1.6),
  };
  const idleTestGroup: AttentionGroup = {
    connection: "prod",
    groupId: "test-console-1",
    status: "STOP",
    members: 0,
    totalLag: 90_000,
    maxLagSeconds: 86_400,
    trend: trend("not-consuming", 0),
  };
  const downWhileProducing: AttentionGroup = { ...idleTestGroup, groupId: "billing", totalLag: 50, maxLagSeconds: 30, trend: trend("not-consuming", 4) };
  const caughtUp: AttentionGroup = { ...liveBehind, groupId: "fine", totalLag: 0, maxLagSeconds: 0, trend: trend("caught-up", null) };

  it("ranks a live group minutes behind before a member-less idle group a day behind", () => {
    const ranked = rankForAttention([idleTestGroup, caughtUp, downWhileProducing, liveBehind], () => false, 5);
    expect(ranked.map((g) => g.groupId)).toEqual(["shipping-service", "billing", "test-console-1"]);
    expect(ranked.map((g) => g.tier)).toEqual([0, 1, 3]);
  });

  it("a live group catching up comes after live trouble but before idle groups", () => {
    const catching = { ...liveBehind, groupId: "catching", trend: trend("catching-up", 2) };
    expect(attentionTier(catching)).toBe(2);
    expect(rankForAttention([idleTestGroup, catching], () => false, 5).map((g) => g.groupId)).toEqual(["catching", "test-console-1"]);
  });

  it("leaves out groups matching the ignore patterns", () => {
    const ignored = ignoredGroups(["test-*", "console-consumer-*"]);
    expect(ignored("test-console-1")).toBe(true);
    expect(ignored("shipping-service")).toBe(false);
    expect(rankForAttention([idleTestGroup, liveBehind], (g) => ignored(g.groupId), 5).map((g) => g.groupId)).toEqual(["shipping-service"]);
  });
});
