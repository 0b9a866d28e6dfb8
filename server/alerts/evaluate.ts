import type { AlertState, Condition, Point, SignalValue } from "./types";

/**
 * The alert state machine, pure: the live engine and the backtest both step instances through it, so a
 * backtest and the live run cannot disagree.
 *
 *   Normal/Resolved --condition holds--> Pending --held for `for`--> Firing
 *   Pending --condition fails or no data--> Normal (never notified)
 *   Firing --condition failed for `keep firing for`--> Resolved
 *
 * `for` = 0 goes straight to Firing. No data (the object vanished or its samples are stale) counts as
 * "does not hold": a deleted consumer group resolves instead of paging forever.
 *
 * Flap guard (after Nagios' flap detection): an instance that changed between Firing and Resolved
 * FLAP_CHANGES times within FLAP_WINDOW_MS is flapping; while it flaps it resolves only after the
 * condition failed for at least FLAP_HOLD_MS, so a signal hovering at the threshold pages once, not
 * every other sample.
 */
export const FLAP_WINDOW_MS = 30 * 60_000;
export const FLAP_CHANGES = 4;
export const FLAP_HOLD_MS = 5 * 60_000;

export interface Timing {
  forSeconds: number;
  keepFiringForSeconds: number;
}

export interface InstanceState {
  state: AlertState;
  value: SignalValue;
  /** When the condition started to hold (start of Pending, or of Firing for `for` = 0). */
  activeSince: number | null;
  firingSince: number | null;
  /** The last evaluation at which the condition held. */
  lastTrueAt: number | null;
  resolvedAt: number | null;
  /** Times of the recent Firing <-> Resolved changes, within FLAP_WINDOW_MS. */
  flapChanges: number[];
  flapping: boolean;
  evaluatedAt: number;
}

export interface Transition {
  from: AlertState;
  to: AlertState;
  at: number;
  value: SignalValue;
}

export const initialState = (at: number): InstanceState => ({
  state: "normal",
  value: null,
  activeSince: null,
  firingSince: null,
  lastTrueAt: null,
  resolvedAt: null,
  flapChanges: [],
  flapping: false,
  evaluatedAt: at,
});

/** Does the value meet the condition? Null (no value) never does; a string never meets a numeric one. */
export function conditionHolds(condition: Condition, value: SignalValue): boolean {
  if (value === null) return false;
  if (!("threshold" in condition)) {
    const member = condition.values.includes(String(value));
    return condition.op === "in" ? member : !member;
  }
  if (typeof value !== "number" || Number.isNaN(value)) return false;
  const t = condition.threshold;
  switch (condition.op) {
    case "gt":
      return value > t;
    case "gte":
      return value >= t;
    case "lt":
      return value < t;
    case "lte":
      return value <= t;
    case "eq":
      return value === t;
    case "neq":
      return value !== t;
  }
}

function withFlap(state: InstanceState, at: number, changed: boolean): InstanceState {
  const recent = [...state.flapChanges, ...(changed ? [at] : [])].filter((t) => at - t < FLAP_WINDOW_MS);
  return { ...state, flapChanges: recent, flapping: recent.length >= FLAP_CHANGES };
}

/**
 * One evaluation of one instance at `at`: `holds` is whether the condition held on the object's newest
 * value (false also for no data). Returns the next state and the transition, if any.
 */
export function step(timing: Timing, previous: InstanceState, holds: boolean, value: SignalValue, at: number): { next: InstanceState; transition: Transition | null } {
  const forMs = timing.forSeconds * 1000;
  const base: InstanceState = { ...previous, value, evaluatedAt: at, lastTrueAt: holds ? at : previous.lastTrueAt };
  const move = (to: AlertState, next: InstanceState) => {
    const flapChange = (previous.state === "firing") !== (to === "firing") && (to === "firing" || to === "resolved");
    return { next: withFlap({ ...next, state: to }, at, flapChange), transition: { from: previous.state, to, at, value } };
  };
  const stay = (next: InstanceState) => ({ next: withFlap(next, at, false), transition: null });

  switch (previous.state) {
    case "normal":
    case "resolved": {
      if (!holds) return stay(base);
      if (forMs === 0) return move("firing", { ...base, activeSince: at, firingSince: at, resolvedAt: null });
      return move("pending", { ...base, activeSince: at, firingSince: null, resolvedAt: null });
    }
    case "pending": {
      if (!holds) return move("normal", { ...base, activeSince: null });
      if (at - (previous.activeSince ?? at) >= forMs) return move("firing", { ...base, firingSince: at });
      return stay(base);
    }
    case "firing": {
      if (holds) return stay(base);
      const keepMs = Math.max(timing.keepFiringForSeconds * 1000, previous.flapping ? FLAP_HOLD_MS : 0);
      if (at - (previous.lastTrueAt ?? at) >= keepMs) return move("resolved", { ...base, activeSince: null, resolvedAt: at });
      return stay(base);
    }
  }
}

export interface FiringInterval {
  from: number;
  /** Null: still firing at the end of the replayed range. */
  to: number | null;
  /** The worst value seen while firing (numbers: the largest; statuses: the first). */
  peak: SignalValue;
}

/**
 * Replays one object's points through the evaluator: what the live engine would have done at each sample.
 * `start` is the state before the first point (normal for a backtest).
 */
export function replaySeries(
  rule: Timing & { condition: Condition },
  points: Point[],
  start: InstanceState = initialState(points[0]?.at ?? 0),
): { state: InstanceState; transitions: Transition[]; intervals: FiringInterval[] } {
  let state = start;
  const transitions: Transition[] = [];
  const intervals: FiringInterval[] = [];
  let open: FiringInterval | null = state.state === "firing" ? { from: state.firingSince ?? state.evaluatedAt, to: null, peak: state.value } : null;
  for (const point of points) {
    const { next, transition } = step(rule, state, conditionHolds(rule.condition, point.value), point.value, point.at);
    state = next;
    if (open && state.state === "firing" && typeof point.value === "number" && typeof open.peak === "number" && point.value > open.peak) open.peak = point.value;
    if (!transition) continue;
    transitions.push(transition);
    if (transition.to === "firing") {
      open = { from: transition.at, to: null, peak: transition.value };
      intervals.push(open);
    } else if (transition.to === "resolved" && open) {
      open.to = transition.at;
      open = null;
    }
  }
  return { state, transitions, intervals };
}
