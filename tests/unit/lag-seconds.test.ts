import { describe, expect, it } from "vitest";
import {
  estimateLagSeconds,
  formatLagSeconds,
  lagSecondsFromRecordTimestamp,
  lagSecondsValue,
  type LagSeconds,
  type LogEndPoint,
} from "~/server/lag/lag-seconds";

const START = Date.UTC(2025, 0, 1);
const at = (seconds: number) => START + seconds * 1000;

/** Log end grows 10 offsets per second: 100 at 0 s, 200 at 10 s, 300 at 20 s. */
const history: LogEndPoint[] = [
  { at: at(0), logEndOffset: 100 },
  { at: at(10), logEndOffset: 200 },
  { at: at(20), logEndOffset: 300 },
];

interface Case {
  name: string;
  history: LogEndPoint[];
  committed: number | null;
  logEnd: number;
  now: number;
  expected: LagSeconds;
}

const cases: Case[] = [
  // Lag 0 and unknowns
  { name: "caught up is exactly 0", history, committed: 300, logEnd: 300, now: at(30), expected: { kind: "exact", seconds: 0 } },
  { name: "committed past log end is exactly 0", history, committed: 305, logEnd: 300, now: at(30), expected: { kind: "exact", seconds: 0 } },
  { name: "caught up with no history is still exactly 0", history: [], committed: 5, logEnd: 5, now: at(30), expected: { kind: "exact", seconds: 0 } },
  { name: "no committed offset is unknown", history, committed: null, logEnd: 300, now: at(30), expected: { kind: "unknown" } },
  { name: "no history is unknown", history: [], committed: 150, logEnd: 300, now: at(30), expected: { kind: "unknown" } },

  // Interpolation: offset N is appended when the log end reaches N + 1
  { name: "mid-interval: offset 150 appended at 5.1 s", history, committed: 150, logEnd: 300, now: at(30), expected: { kind: "estimated", seconds: 24.9 } },
  { name: "first offset after a sample: 100 appended at 0.1 s", history, committed: 100, logEnd: 300, now: at(30), expected: { kind: "estimated", seconds: 29.9 } },
  { name: "last offset of an interval: 199 appended at 10 s", history, committed: 199, logEnd: 300, now: at(30), expected: { kind: "estimated", seconds: 20 } },
  { name: "second interval: 250 appended at 15.1 s", history, committed: 250, logEnd: 300, now: at(30), expected: { kind: "estimated", seconds: 14.9 } },
  {
    name: "appended after the newest sample: between it and the current log end",
    history,
    committed: 300,
    logEnd: 310,
    now: at(30),
    expected: { kind: "estimated", seconds: 9 },
  },
  {
    name: "unsorted history gives the same answer",
    history: [history[2]!, history[0]!, history[1]!],
    committed: 150,
    logEnd: 300,
    now: at(30),
    expected: { kind: "estimated", seconds: 24.9 },
  },
  {
    name: "duplicate timestamps do not divide by zero",
    history: [
      { at: at(0), logEndOffset: 100 },
      { at: at(10), logEndOffset: 200 },
      { at: at(10), logEndOffset: 100 },
    ],
    committed: 150,
    logEnd: 200,
    now: at(30),
    expected: { kind: "estimated", seconds: 20 },
  },
  {
    name: "equal offsets across samples: the latest one at or below committed bounds it",
    history: [
      { at: at(0), logEndOffset: 100 },
      { at: at(10), logEndOffset: 100 },
      { at: at(20), logEndOffset: 200 },
    ],
    committed: 100,
    logEnd: 200,
    now: at(30),
    expected: { kind: "estimated", seconds: 19.9 },
  },

  // Older than the history: a lower bound, never an extrapolation
  { name: "older than the oldest sample is moreThan the history span", history, committed: 99, logEnd: 300, now: at(30), expected: { kind: "moreThan", seconds: 30 } },
  { name: "moreThan rounds down so it stays a lower bound", history, committed: 0, logEnd: 300, now: at(30.099), expected: { kind: "moreThan", seconds: 30 } },
  {
    name: "a single sample that already contains the offset is moreThan",
    history: [{ at: at(0), logEndOffset: 500 }],
    committed: 10,
    logEnd: 500,
    now: at(45),
    expected: { kind: "moreThan", seconds: 45 },
  },
];

describe("estimateLagSeconds", () => {
  it.each(cases)("$name", ({ history: points, committed, logEnd, now, expected }) => {
    expect(estimateLagSeconds(points, committed, logEnd, now)).toEqual(expected);
  });

  it("rounds to a tenth of a second", () => {
    // 150 appended at 5.1 s; at 32.345 s that is 27.245 s ago -> 27.2
    expect(estimateLagSeconds(history, 150, 300, at(32.345))).toEqual({ kind: "estimated", seconds: 27.2 });
  });

  it("does not reorder the caller's history", () => {
    const points = [history[1]!, history[0]!];
    estimateLagSeconds(points, 150, 300, at(30));
    expect(points).toEqual([history[1], history[0]]);
  });
});

describe("lagSecondsFromRecordTimestamp", () => {
  it.each<[string, number, number, LagSeconds]>([
    ["whole seconds", at(0), at(42), { kind: "exact", seconds: 42 }],
    ["rounded to a tenth", at(0), at(42.345), { kind: "exact", seconds: 42.3 }],
    ["same instant", at(10), at(10), { kind: "exact", seconds: 0 }],
    ["record from the future is clamped to 0", at(15), at(10), { kind: "exact", seconds: 0 }],
  ])("%s", (_name, recordTimestamp, now, expected) => {
    expect(lagSecondsFromRecordTimestamp(recordTimestamp, now)).toEqual(expected);
  });
});

describe("lagSecondsValue", () => {
  it.each<[LagSeconds, number | null]>([
    [{ kind: "exact", seconds: 5 }, 5],
    [{ kind: "estimated", seconds: 24.9 }, 24.9],
    [{ kind: "moreThan", seconds: 30 }, 30],
    [{ kind: "unknown" }, null],
  ])("%j -> %s", (lag, expected) => {
    expect(lagSecondsValue(lag)).toBe(expected);
  });
});

describe("formatLagSeconds", () => {
  it.each<[LagSeconds, string]>([
    [{ kind: "exact", seconds: 0 }, "0 s"],
    [{ kind: "exact", seconds: 3.4 }, "3.4 s"],
    [{ kind: "exact", seconds: 9.96 }, "10 s"],
    [{ kind: "estimated", seconds: 42 }, "~42 s"],
    [{ kind: "estimated", seconds: 42.4 }, "~42 s"],
    [{ kind: "estimated", seconds: 59.6 }, "~1 min"],
    [{ kind: "exact", seconds: 120 }, "2 min"],
    [{ kind: "estimated", seconds: 190 }, "~3 min 10 s"],
    [{ kind: "estimated", seconds: 3599.6 }, "~1 h"],
    [{ kind: "estimated", seconds: 7559 }, "~2 h 6 min"],
    [{ kind: "moreThan", seconds: 7500 }, "> 2 h 5 min"],
    [{ kind: "moreThan", seconds: 7559 }, "> 2 h 5 min"],
    [{ kind: "moreThan", seconds: 59.99 }, "> 59 s"],
    [{ kind: "estimated", seconds: 90_000 }, "~1 d 1 h"],
    [{ kind: "moreThan", seconds: 172_800 }, "> 2 d"],
    [{ kind: "unknown" }, "unknown"],
  ])("%j -> %s", (lag, expected) => {
    expect(formatLagSeconds(lag)).toBe(expected);
  });
});
