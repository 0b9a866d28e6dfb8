import { labelScope, visible, type Readable } from "~/server/auth/permissions";
import { replaySeries, type FiringInterval } from "./evaluate";
import { inScope } from "./scope";
import { signals, windowOf, type SignalContext } from "./signals";
import type { Point, RuleSpec, Series } from "./types";

export const backtestRanges = { "24h": 86_400_000, "7d": 7 * 86_400_000 } as const;
export type BacktestRange = keyof typeof backtestRanges;

/**
 * Where samples stop for longer than the staleness limit, the live engine steps the instance with "no data"
 * at the first round after the limit; the replay inserts that same step.
 */
export function withGaps(points: Point[], staleAfterMs: number): Point[] {
  const out: Point[] = [];
  for (let i = 0; i < points.length; i++) {
    const point = points[i]!;
    const previous = points[i - 1];
    if (previous && point.at - previous.at > staleAfterMs) out.push({ at: previous.at + staleAfterMs, value: null });
    out.push(point);
  }
  return out;
}

export interface ObjectBacktest {
  key: string;
  name: string;
  connection: string;
  labels: Record<string, string>;
  path: string;
  fired: number;
  intervals: FiringInterval[];
}

export interface BacktestResult {
  supported: boolean;
  reason: string | null;
  range: BacktestRange;
  from: number;
  to: number;
  /** Times the rule would have gone to Firing, over all objects. */
  fired: number;
  objects: ObjectBacktest[];
}

/** The series whose objects (by their labels) the caller may read: the editor shows nothing else. */
const readableSeries = (series: readonly Series[], readable: Readable | null | undefined) => visible(series, readable ?? null, (s) => labelScope(s.labels));

/** Replays pure series (already read) through the live evaluator; exported for tests and the bench. */
export function backtestSeries(rule: Pick<RuleSpec, "condition" | "forSeconds" | "keepFiringForSeconds" | "scope">, series: Series[], staleAfterMs: number): ObjectBacktest[] {
  return series
    .filter((s) => inScope(rule.scope, s))
    .map((s) => {
      const { intervals } = replaySeries(rule, withGaps(s.points, staleAfterMs));
      return { key: s.key, name: s.name, connection: s.connection, labels: s.labels, path: s.path, fired: intervals.length, intervals };
    })
    .sort((a, b) => b.fired - a.fired || a.key.localeCompare(b.key));
}

/** "This rule would have fired N times": the stored history of the rule's signal, replayed. */
export async function backtest(
  ctx: SignalContext,
  rule: RuleSpec,
  options: { range: BacktestRange; staleAfterMs: number; now?: number; readable?: Readable | null },
): Promise<BacktestResult> {
  const to = options.now ?? Date.now();
  const from = to - backtestRanges[options.range];
  const signal = signals[rule.signal];
  if (!signal.history) {
    return { supported: false, reason: `${signal.title} is read live from tables that keep no history.`, range: options.range, from, to, fired: 0, objects: [] };
  }
  const series = readableSeries(await signal.read(ctx, { since: from, until: to, windowSeconds: windowOf(rule), scope: rule.scope }), options.readable);
  const objects = backtestSeries(rule, series, options.staleAfterMs);
  return { supported: true, reason: null, range: options.range, from, to, fired: objects.reduce((n, o) => n + o.fired, 0), objects };
}

/** The signal's history for the editor's chart, averaged into at most `buckets` points per object. */
export async function signalHistory(
  ctx: SignalContext,
  rule: RuleSpec,
  options: { range: BacktestRange; now?: number; buckets?: number; maxObjects?: number; readable?: Readable | null },
) {
  const to = options.now ?? Date.now();
  const from = to - backtestRanges[options.range];
  const signal = signals[rule.signal];
  const series = readableSeries(await signal.read(ctx, { since: from, until: to, windowSeconds: windowOf(rule), scope: rule.scope }), options.readable).filter((s) =>
    inScope(rule.scope, s),
  );
  const bucketMs = Math.max(1000, Math.ceil((to - from) / (options.buckets ?? 200)));
  return {
    unit: signal.unit,
    objects: series.slice(0, options.maxObjects ?? 10).map((s) => {
      const buckets = new Map<number, Point>();
      for (const p of s.points) {
        const at = Math.floor(p.at / bucketMs) * bucketMs;
        const seen = buckets.get(at);
        // Numbers: the bucket's largest value (a chart of averages hides the peaks that fire); statuses: the last.
        if (!seen || (typeof p.value === "number" && typeof seen.value === "number" ? p.value > seen.value : true)) buckets.set(at, { at, value: p.value });
      }
      return { key: s.key, name: s.name, connection: s.connection, points: [...buckets.values()] };
    }),
  };
}

/** The objects the rule's scope takes in now, with their newest value: the editor's preview. */
export async function matchingObjects(ctx: SignalContext, rule: RuleSpec, options: { now?: number; readable?: Readable | null } = {}) {
  const now = options.now ?? Date.now();
  const series = readableSeries(await signals[rule.signal].read(ctx, { since: now - 10 * 60_000, until: now, windowSeconds: windowOf(rule), scope: rule.scope }), options.readable);
  return series
    .filter((s) => inScope(rule.scope, s))
    .map((s) => ({ key: s.key, name: s.name, connection: s.connection, path: s.path, value: s.points.at(-1)?.value ?? null, at: s.points.at(-1)?.at ?? null }));
}
