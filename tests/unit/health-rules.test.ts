import { describe, expect, it } from "vitest";
import {
  DEFAULT_WINDOW_SIZE,
  evaluateGroup,
  evaluatePartition,
  partitionStatuses,
  severity,
  worstStatus,
  type GroupState,
  type PartitionSample,
  type PartitionStatus,
} from "~/server/lag/health-rules";

const INTERVAL_MS = 15_000;
const START = Date.UTC(2025, 0, 1);

/** One sample per [committed, logEnd] pair, INTERVAL_MS apart; lag derived like the sampler does. */
function samples(...points: [committed: number | null, logEnd: number][]): PartitionSample[] {
  return points.map(([committedOffset, logEndOffset], i) => ({
    at: START + i * INTERVAL_MS,
    committedOffset,
    logEndOffset,
    lag: committedOffset === null ? null : logEndOffset - committedOffset,
  }));
}

const stable: GroupState = { state: "Stable", memberCount: 2 };
const empty: GroupState = { state: "Empty", memberCount: 0 };
const dead: GroupState = { state: "Dead", memberCount: 0 };
const preparing: GroupState = { state: "PreparingRebalance", memberCount: 2 };
const completing: GroupState = { state: "CompletingRebalance", memberCount: 2 };
const betweenGenerations: GroupState = { state: "Stable", memberCount: 0 };
// KIP-848 (consumer protocol) groups reconcile members to a new assignment instead of a classic rebalance.
const assigning: GroupState = { state: "Assigning", memberCount: 2 };
const reconciling: GroupState = { state: "Reconciling", memberCount: 2 };

const stalled = samples([100, 150], [100, 160], [100, 170], [100, 180]);
const frozenFixedLag = samples([100, 150], [100, 150], [100, 150], [100, 150]);
const fallingBehind = samples([100, 150], [110, 170], [120, 190], [130, 210]);

interface Case {
  name: string;
  window: PartitionSample[];
  group: GroupState;
  expected: PartitionStatus;
}

const cases: Case[] = [
  // Rule 0
  { name: "empty window is OK", window: [], group: stable, expected: "OK" },

  // Lag 0
  { name: "latest lag 0 is OK even after a lagging window", window: samples([100, 150], [100, 160], [160, 160]), group: stable, expected: "OK" },
  { name: "caught up and idle is OK (offset not moving, lag 0)", window: samples([100, 100], [100, 100], [100, 100]), group: stable, expected: "OK" },
  { name: "committed past log end (negative lag) is OK", window: samples([105, 100], [105, 100]), group: stable, expected: "OK" },
  { name: "stopped group with lag 0 is OK", window: samples([100, 100]), group: empty, expected: "OK" },

  // STOP
  { name: "STOP from a single sample when Empty with lag", window: samples([100, 101]), group: empty, expected: "STOP" },
  { name: "STOP when Dead with lag", window: samples([100, 150]), group: dead, expected: "STOP" },
  { name: "STOP as soon as the group empties, after a healthy window", window: samples([100, 100], [110, 110], [120, 130]), group: empty, expected: "STOP" },
  { name: "STOP outranks REWIND", window: samples([200, 250], [100, 250]), group: empty, expected: "STOP" },
  { name: "no commit ever, Empty, messages present: STOP", window: samples([null, 10], [null, 20]), group: empty, expected: "STOP" },
  { name: "no commit ever, Empty, empty partition: OK", window: samples([null, 0], [null, 0]), group: empty, expected: "OK" },
  { name: "no commit yet but members present: OK", window: samples([null, 10], [null, 20], [null, 30]), group: stable, expected: "OK" },
  { name: "commit expired (latest null) with members: OK", window: samples([100, 150], [100, 160], [null, 170]), group: stable, expected: "OK" },

  // REWIND
  { name: "committed offset going backwards is REWIND", window: samples([200, 210], [50, 210], [60, 210]), group: stable, expected: "REWIND" },
  { name: "REWIND outranks lag 0", window: samples([200, 250], [100, 250], [250, 250]), group: stable, expected: "REWIND" },
  { name: "REWIND outranks WARN", window: samples([100, 150], [90, 170], [100, 190], [110, 210]), group: stable, expected: "REWIND" },
  { name: "REWIND still shown during a rebalance", window: samples([200, 250], [100, 250]), group: preparing, expected: "REWIND" },
  { name: "commit disappearing (null) is not a rewind", window: samples([100, 150], [null, 160], [100, 170]), group: stable, expected: "OK" },

  // STALL
  { name: "STALL: members, offset frozen, lag > 0 throughout", window: stalled, group: stable, expected: "STALL" },
  { name: "STALL from two samples", window: samples([100, 150], [100, 150]), group: stable, expected: "STALL" },
  { name: "STALL with a fixed (not growing) lag", window: samples([100, 150], [100, 150], [100, 150]), group: stable, expected: "STALL" },
  { name: "single sample cannot STALL", window: samples([100, 150]), group: stable, expected: "OK" },
  { name: "idle consumer that just received a message is not STALL (lag 0 earlier)", window: samples([100, 100], [100, 100], [100, 101]), group: stable, expected: "OK" },
  { name: "moving offset is not STALL", window: samples([100, 150], [101, 150]), group: stable, expected: "OK" },

  // Rebalance never yields STALL/STOP
  { name: "PreparingRebalance: frozen offset, fixed lag is OK, not STALL", window: frozenFixedLag, group: preparing, expected: "OK" },
  { name: "CompletingRebalance: frozen offset, fixed lag is OK, not STALL", window: frozenFixedLag, group: completing, expected: "OK" },
  { name: "PreparingRebalance: frozen offset, growing lag is WARN at most", window: stalled, group: preparing, expected: "WARN" },
  { name: "CompletingRebalance: frozen offset, growing lag is WARN at most", window: stalled, group: completing, expected: "WARN" },
  { name: "no members but not Empty/Dead: not STOP", window: samples([100, 150]), group: betweenGenerations, expected: "OK" },
  { name: "no members but not Empty/Dead: not STALL", window: frozenFixedLag, group: betweenGenerations, expected: "OK" },
  { name: "rebalance: no commit yet is OK", window: samples([null, 10]), group: completing, expected: "OK" },
  { name: "rebalance: growing lag still WARN", window: fallingBehind, group: completing, expected: "WARN" },

  // WARN
  { name: "WARN: lag growing over 4 samples", window: fallingBehind, group: stable, expected: "WARN" },
  { name: "WARN from exactly 3 samples", window: samples([100, 150], [110, 170], [120, 190]), group: stable, expected: "WARN" },
  { name: "two samples of growth are not WARN", window: samples([100, 150], [110, 170]), group: stable, expected: "OK" },
  { name: "WARN allows flat steps if the end is above the start", window: samples([100, 150], [110, 160], [120, 180]), group: stable, expected: "WARN" },
  { name: "constant lag with moving offsets is OK (differs from Burrow)", window: samples([100, 150], [110, 160], [120, 170]), group: stable, expected: "OK" },
  { name: "lag dipping mid-window is not WARN", window: samples([100, 150], [120, 160], [130, 180]), group: stable, expected: "OK" },
  { name: "lag reaching zero in the window is not WARN", window: samples([100, 100], [110, 120], [120, 140], [130, 160]), group: stable, expected: "OK" },
  { name: "WARN counts only the trend since offsets were known", window: samples([null, 100], [100, 150], [110, 170], [120, 190]), group: stable, expected: "WARN" },
  { name: "too few known lags after a null is not WARN", window: samples([null, 100], [null, 130], [110, 170], [120, 190]), group: stable, expected: "OK" },
];

describe("evaluatePartition", () => {
  it.each(cases)("$name", ({ window, group, expected }) => {
    expect(evaluatePartition(window, group)).toBe(expected);
  });

  it("derives the lag from offsets when the sample left it out", () => {
    const window = samples([100, 150], [100, 160]).map((sample) => ({ ...sample, lag: null }));
    expect(evaluatePartition(window, stable)).toBe("STALL");
  });

  it("a single sample yields only STOP or OK, whatever the group", () => {
    const singles = [samples([100, 150]), samples([100, 100]), samples([null, 50])];
    const groups = [stable, empty, dead, preparing, completing, betweenGenerations];
    const seen = new Set(singles.flatMap((window) => groups.map((group) => evaluatePartition(window, group))));
    expect([...seen].sort()).toEqual(["OK", "STOP"]);
  });

  it("never returns STALL or STOP while rebalancing", () => {
    const windows = [stalled, frozenFixedLag, fallingBehind, samples([100, 150]), samples([null, 10], [null, 20]), samples([100, 150], [100, 150])];
    for (const group of [preparing, completing, assigning, reconciling, betweenGenerations, { state: "PreparingRebalance", memberCount: 0 }]) {
      for (const window of windows) {
        expect(["STALL", "STOP"]).not.toContain(evaluatePartition(window, group));
      }
    }
  });
});

describe("severity and worstStatus", () => {
  it("orders statuses ascending", () => {
    expect(partitionStatuses.map(severity)).toEqual([0, 1, 2, 3, 4]);
    expect(severity("STOP")).toBeGreaterThan(severity("STALL"));
    expect(severity("REWIND")).toBeGreaterThan(severity("WARN"));
  });

  it.each<[PartitionStatus[], PartitionStatus]>([
    [[], "OK"],
    [["OK", "OK"], "OK"],
    [["WARN", "OK"], "WARN"],
    [["OK", "REWIND", "WARN"], "REWIND"],
    [["STALL", "REWIND"], "STALL"],
    [["STALL", "STOP", "OK"], "STOP"],
  ])("worst of %j is %s", (statuses, expected) => {
    expect(worstStatus(statuses)).toBe(expected);
  });

  it("accepts any iterable", () => {
    expect(worstStatus(new Set<PartitionStatus>(["WARN", "STALL"]))).toBe("STALL");
  });
});

describe("evaluateGroup", () => {
  it("takes the worst partition and keeps per-partition statuses in order", () => {
    const result = evaluateGroup([{ window: samples([100, 100]) }, { window: fallingBehind }, { window: stalled }], stable);
    expect(result).toEqual({ status: "STALL", partitionStatuses: ["OK", "WARN", "STALL"] });
  });

  it("a group with no partitions is OK", () => {
    expect(evaluateGroup([], empty)).toEqual({ status: "OK", partitionStatuses: [] });
  });

  it("a stopped group stops only the partitions with lag", () => {
    const result = evaluateGroup([{ window: samples([100, 100]) }, { window: samples([100, 120]) }], empty);
    expect(result).toEqual({ status: "STOP", partitionStatuses: ["OK", "STOP"] });
  });
});

describe("DEFAULT_WINDOW_SIZE", () => {
  it("is Burrow's default of 10 intervals", () => {
    expect(DEFAULT_WINDOW_SIZE).toBe(10);
  });
});
