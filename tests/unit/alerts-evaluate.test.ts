import { describe, expect, it } from "vitest";
import {
  conditionHolds,
  FLAP_CHANGES,
  FLAP_HOLD_MS,
  FLAP_WINDOW_MS,
  initialState,
  replaySeries,
  step,
  type InstanceState,
  type Timing,
} from "~/server/alerts/evaluate";
import type { Condition, Point } from "~/server/alerts/types";

const T0 = Date.UTC(2026, 0, 1);
const S = 15_000; // one sample interval

const gt0: Condition = { op: "gt", threshold: 0 };
const stopStall: Condition = { op: "in", values: ["STOP", "STALL"] };

/** Steps an instance through (holds, value) pairs one interval apart and returns the states visited. */
function run(timing: Timing, values: (number | string | null)[], condition: Condition = gt0, start: InstanceState = initialState(T0 - S)) {
  let state = start;
  const states: string[] = [];
  const transitions: string[] = [];
  values.forEach((value, i) => {
    const { next, transition } = step(timing, state, conditionHolds(condition, value), value, T0 + i * S);
    state = next;
    states.push(next.state);
    if (transition) transitions.push(`${transition.from}->${transition.to}@${i}`);
  });
  return { state, states, transitions };
}

describe("conditionHolds", () => {
  const cases: [Condition, number | string | null, boolean][] = [
    [{ op: "gt", threshold: 5 }, 6, true],
    [{ op: "gt", threshold: 5 }, 5, false],
    [{ op: "gte", threshold: 5 }, 5, true],
    [{ op: "lt", threshold: 5 }, 4, true],
    [{ op: "lt", threshold: 5 }, 5, false],
    [{ op: "lte", threshold: 5 }, 5, true],
    [{ op: "eq", threshold: 1 }, 1, true],
    [{ op: "eq", threshold: 1 }, 0, false],
    [{ op: "neq", threshold: 1 }, 0, true],
    [{ op: "gt", threshold: 0 }, null, false],
    [{ op: "gt", threshold: 0 }, "STOP", false],
    [{ op: "gt", threshold: 0 }, Number.NaN, false],
    [stopStall, "STOP", true],
    [stopStall, "STALL", true],
    [stopStall, "WARN", false],
    [stopStall, null, false],
    [{ op: "notIn", values: ["OK"] }, "WARN", true],
    [{ op: "notIn", values: ["OK"] }, "OK", false],
  ];
  it.each(cases)("%j on %j is %s", (condition, value, expected) => {
    expect(conditionHolds(condition, value)).toBe(expected);
  });
});

describe("the state machine", () => {
  it("stays Normal while the condition does not hold", () => {
    expect(run({ forSeconds: 60, keepFiringForSeconds: 0 }, [0, 0, 0]).transitions).toEqual([]);
  });

  it("goes Pending, then Firing once the condition held for `for`", () => {
    // for = 30 s = two intervals: pending at 0, still pending at 1 (15 s), firing at 2 (30 s).
    const { states, transitions } = run({ forSeconds: 30, keepFiringForSeconds: 0 }, [1, 1, 1, 1]);
    expect(states).toEqual(["pending", "pending", "firing", "firing"]);
    expect(transitions).toEqual(["normal->pending@0", "pending->firing@2"]);
  });

  it("goes straight to Firing when `for` is 0", () => {
    expect(run({ forSeconds: 0, keepFiringForSeconds: 0 }, [1]).transitions).toEqual(["normal->firing@0"]);
  });

  it("returns to Normal from Pending without firing when the condition stops holding", () => {
    const { transitions, state } = run({ forSeconds: 60, keepFiringForSeconds: 0 }, [1, 1, 0, 1]);
    expect(transitions).toEqual(["normal->pending@0", "pending->normal@2", "normal->pending@3"]);
    expect(state.activeSince).toBe(T0 + 3 * S); // the pending period starts over
  });

  it("resolves at the first evaluation the condition fails, without `keep firing for`", () => {
    expect(run({ forSeconds: 0, keepFiringForSeconds: 0 }, [1, 1, 0]).transitions).toEqual(["normal->firing@0", "firing->resolved@2"]);
  });

  it("keeps firing for `keep firing for` after the condition fails, and a return cancels the resolution", () => {
    // keep 30 s: last true at 1; fails at 2 (15 s) and 3 (30 s) -> resolves at 3.
    expect(run({ forSeconds: 0, keepFiringForSeconds: 30 }, [1, 1, 0, 0]).transitions).toEqual(["normal->firing@0", "firing->resolved@3"]);
    expect(run({ forSeconds: 0, keepFiringForSeconds: 30 }, [1, 0, 1, 0, 0]).transitions).toEqual(["normal->firing@0", "firing->resolved@4"]);
  });

  it("treats no data as the condition failing", () => {
    expect(run({ forSeconds: 15, keepFiringForSeconds: 0 }, [1, null]).transitions).toEqual(["normal->pending@0", "pending->normal@1"]);
    expect(run({ forSeconds: 0, keepFiringForSeconds: 0 }, [1, null]).transitions).toEqual(["normal->firing@0", "firing->resolved@1"]);
  });

  it("fires again from Resolved through a new pending period", () => {
    const { transitions } = run({ forSeconds: 15, keepFiringForSeconds: 0 }, [1, 1, 0, 1, 1]);
    expect(transitions).toEqual(["normal->pending@0", "pending->firing@1", "firing->resolved@2", "resolved->pending@3", "pending->firing@4"]);
  });

  it("matches status values", () => {
    const { transitions } = run({ forSeconds: 0, keepFiringForSeconds: 0 }, ["OK", "STALL", "STOP", "OK"], stopStall);
    expect(transitions).toEqual(["normal->firing@1", "firing->resolved@3"]);
  });

  it("records the firing and resolution times and the latest value", () => {
    const { state } = run({ forSeconds: 0, keepFiringForSeconds: 0 }, [3, 7, 0]);
    expect(state).toMatchObject({ state: "resolved", value: 0, firingSince: T0, resolvedAt: T0 + 2 * S, lastTrueAt: T0 + S });
  });
});

describe("the flap guard", () => {
  const timing = { forSeconds: 0, keepFiringForSeconds: 0 };

  it(`flags an instance that changed ${FLAP_CHANGES} times between Firing and Resolved within the window`, () => {
    const { state, transitions } = run(timing, [1, 0, 1, 0]);
    expect(transitions).toHaveLength(4);
    expect(state.flapping).toBe(true);
    expect(run(timing, [1, 0, 1]).state.flapping).toBe(false);
  });

  it("holds a flapping instance in Firing until the condition failed for the hold time", () => {
    const holdSamples = FLAP_HOLD_MS / S;
    // Two full cycles make it flap; the third firing then sticks through short dips.
    const values = [1, 0, 1, 0, 1, 0, 1, ...Array.from({ length: holdSamples }, () => 0)];
    const { states, transitions } = run(timing, values);
    expect(transitions.slice(0, 5)).toEqual(["normal->firing@0", "firing->resolved@1", "resolved->firing@2", "firing->resolved@3", "resolved->firing@4"]);
    expect(states[5]).toBe("firing"); // dip at 5 does not resolve a flapping instance
    expect(states[6]).toBe("firing");
    // resolves only once the condition failed for FLAP_HOLD_MS after the last true sample (6)
    expect(transitions.at(-1)).toBe(`firing->resolved@${6 + holdSamples}`);
    expect(transitions).toHaveLength(6);
  });

  it("forgets changes older than the window", () => {
    const start = initialState(T0 - S);
    const old = { ...start, state: "resolved" as const, flapChanges: [T0 - FLAP_WINDOW_MS - 1, T0 - FLAP_WINDOW_MS], flapping: true };
    const { next: state } = step(timing, old, false, 0, T0);
    expect(state.flapChanges).toEqual([]);
    expect(state.flapping).toBe(false);
  });

  it("does not count Pending and Normal changes", () => {
    const { state } = run({ forSeconds: 60, keepFiringForSeconds: 0 }, [1, 0, 1, 0, 1, 0]);
    expect(state.flapChanges).toEqual([]);
  });
});

describe("replaySeries (the backtest)", () => {
  const points = (...values: (number | null)[]): Point[] => values.map((value, i) => ({ at: T0 + i * S, value }));

  it("lists each firing interval with its end and peak", () => {
    const { intervals } = replaySeries({ condition: gt0, forSeconds: 15, keepFiringForSeconds: 0 }, points(0, 2, 5, 3, 0, 0, 4, 4));
    expect(intervals).toEqual([
      { from: T0 + 2 * S, to: T0 + 4 * S, peak: 5 },
      { from: T0 + 7 * S, to: null, peak: 4 },
    ]);
  });

  it("takes exactly the steps the live engine takes", () => {
    const timing = { condition: gt0, forSeconds: 30, keepFiringForSeconds: 15 };
    const values = [0, 1, 1, 1, 0, 1, 0, 0, 1, 1, 1, 1, 0, 0];
    const replay = replaySeries(timing, points(...values));
    const live = run(timing, values, gt0, initialState(T0));
    expect(replay.transitions.map((t) => `${t.from}->${t.to}@${(t.at - T0) / S}`)).toEqual(live.transitions);
    expect(replay.state).toEqual(live.state);
  });
});
