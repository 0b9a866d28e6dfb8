import { conditionHolds, initialState, step, FLAP_WINDOW_MS, type InstanceState, type Transition } from "./evaluate";
import { inScope, renderSummary } from "./scope";
import type { ActiveSilence } from "./silences";
import { silencedBy } from "./silences";
import type { Rule, Series } from "./types";

/** An instance as stored: the evaluator's state plus what it is about. */
export interface StoredInstance {
  ruleId: string;
  objectKey: string;
  labels: Record<string, string>;
  path: string;
  summary: string;
  state: InstanceState;
}

export interface RoundTransition extends Transition {
  rule: Rule;
  instance: StoredInstance;
  silenced: boolean;
}

export interface RoundPlan {
  save: StoredInstance[];
  remove: { ruleId: string; objectKey: string }[];
  transitions: RoundTransition[];
}

/**
 * Labels of an instance: the rule's own, the object's (which win, so a rule label cannot rename the object its
 * page and silences find it by), the rule name as alertname, and the severity.
 */
export const instanceLabels = (rule: Rule, series: Pick<Series, "labels">): Record<string, string> => ({
  ...rule.labels,
  ...series.labels,
  alertname: rule.name,
  severity: rule.severity,
});

/** The newest point of each series, if it is recent enough to count (otherwise the object has no data). */
export function latestPoints(series: Series[], now: number, staleAfterMs: number): Map<string, { series: Series; at: number; value: Series["points"][number]["value"] }> {
  const latest = new Map<string, { series: Series; at: number; value: Series["points"][number]["value"] }>();
  for (const s of series) {
    const point = s.points.at(-1);
    if (point && point.at >= now - staleAfterMs) latest.set(s.key, { series: s, at: point.at, value: point.value });
  }
  return latest;
}

/**
 * One live round of one rule, pure: each in-scope object's newest point is stepped through the evaluator
 * (at the point's own time, so evaluating twice on the same sample changes nothing, and a backtest over the
 * same samples takes the same steps); known instances whose object has no fresh data step with "no data".
 */
export function planRule(
  rule: Rule,
  unit: string,
  latest: ReturnType<typeof latestPoints>,
  known: Map<string, StoredInstance>,
  silences: ActiveSilence[],
  now: number,
): RoundPlan {
  const plan: RoundPlan = { save: [], remove: [], transitions: [] };
  const seen = new Set<string>();
  // `base` is a function: most objects of most rules are Normal and kept nowhere, so their labels are never built.
  const apply = (objectKey: string, base: () => Omit<StoredInstance, "state" | "summary">, series: Pick<Series, "name" | "connection" | "labels">, holds: boolean, value: Series["points"][number]["value"], at: number) => {
    const previous = known.get(objectKey);
    const before = previous?.state ?? initialState(at);
    if (previous && at <= before.evaluatedAt) return; // no new sample since the last round
    const { next, transition } = step(rule, before, holds, value, at);
    const forget = next.state === "normal" && next.flapChanges.length === 0;
    const stale = next.state === "resolved" && next.flapChanges.length === 0 && now - (next.resolvedAt ?? now) > FLAP_WINDOW_MS;
    if ((forget || stale) && !transition) {
      // most objects of most rules: nothing to keep, so no summary to render
      if (previous) plan.remove.push({ ruleId: rule.id, objectKey });
      return;
    }
    const instance: StoredInstance = { ...base(), summary: renderSummary(rule, series, value, unit), state: next };
    if (forget || stale) {
      if (previous) plan.remove.push({ ruleId: rule.id, objectKey });
    } else plan.save.push(instance);
    if (transition) plan.transitions.push({ ...transition, rule, instance, silenced: silencedBy(silences, instance.labels, now) !== undefined });
  };
  for (const { series, at, value } of latest.values()) {
    if (!inScope(rule.scope, series)) continue;
    seen.add(series.key);
    apply(series.key, () => ({ ruleId: rule.id, objectKey: series.key, labels: instanceLabels(rule, series), path: series.path }), series, conditionHolds(rule.condition, value), value, at);
  }
  for (const [objectKey, instance] of known) {
    if (seen.has(objectKey)) continue;
    const name = instance.labels.group ?? instance.labels.dlq ?? instance.labels.saga_type ?? instance.labels.job ?? instance.labels.connection ?? objectKey;
    const connection = instance.labels.connection ?? instance.labels.database ?? "";
    apply(objectKey, () => ({ ruleId: rule.id, objectKey, labels: instance.labels, path: instance.path }), { name, connection, labels: instance.labels }, false, null, now);
  }
  return plan;
}
