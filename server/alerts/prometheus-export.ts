import { stringify } from "yaml";
import { opSymbols, type Rule, type SignalId } from "./types";

/** Series names and label names of Redrive's /api/metrics (server/metrics/prometheus.ts) per signal. */
const exported: Partial<Record<SignalId, { metric: (window: number) => string; connection: string; name: string; extra?: string }>> = {
  consumer_status: { metric: () => "redrive_consumergroup_status", connection: "cluster_name", name: "group" },
  consumer_lag: { metric: () => "kafka_consumergroup_group_sum_lag", connection: "cluster_name", name: "group" },
  consumer_lag_seconds: { metric: () => "kafka_consumergroup_group_max_lag_seconds", connection: "cluster_name", name: "group" },
  consumer_lag_growth: { metric: (w) => `deriv(kafka_consumergroup_group_sum_lag%s[${w}s])`, connection: "cluster_name", name: "group" },
  dlq_depth: { metric: () => "redrive_dlq_depth", connection: "connection", name: "dlq" },
  dlq_growth: { metric: (w) => `delta(redrive_dlq_depth%s[${w}s])`, connection: "connection", name: "dlq" },
  outbox_oldest_age: { metric: () => "redrive_outbox_oldest_unpublished_age_seconds", connection: "database", name: "database" },
  sagas_stuck: { metric: () => "redrive_sagas_stuck", connection: "database", name: "saga_type" },
  sagas_compensation_failed: { metric: () => "redrive_sagas", connection: "database", name: "saga_type", extra: 'status="compensation_failed"' },
};

const globRegex = (patterns: string[]) => patterns.map((p) => p.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\\\$&")).join(".*")).join("|");

/** The PromQL expression of a rule, or null when its signal has no /api/metrics series. */
export function promqlFor(rule: Rule, windowSeconds: number): string | null {
  const e = exported[rule.signal];
  if (!e) return null;
  const matchers = [
    ...(e.extra ? [e.extra] : []),
    ...(rule.scope.connections.length ? [`${e.connection}=~"${globRegex(rule.scope.connections)}"`] : []),
    ...(rule.scope.names.length ? [`${e.name}=~"${globRegex(rule.scope.names)}"`] : []),
    ...(rule.scope.exclude.length ? [`${e.name}!~"${globRegex(rule.scope.exclude)}"`] : []),
  ];
  const selector = matchers.length ? `{${matchers.join(", ")}}` : "";
  const template = e.metric(windowSeconds);
  const series = template.includes("%s") ? template.replace("%s", selector) : `${template}${selector}`;
  const c = rule.condition;
  if (!("threshold" in c)) {
    // redrive_consumergroup_status is 1 on the group's current status
    const statuses = c.op === "in" ? c.values : undefined;
    const regex = (statuses ?? c.values).join("|");
    return `max by (${e.connection}, ${e.name}) (${template}{${[`status${c.op === "in" ? "=~" : "!~"}"${regex}"`, ...matchers].join(", ")}}) == 1`;
  }
  return `${series} ${opSymbols[c.op]} ${c.threshold}`;
}

/** The summary template in Prometheus' template language: {{name}} becomes the series' object label, and so on. */
function promSummary(rule: Rule): string {
  const e = exported[rule.signal]!;
  const labelOf: Record<string, string> = { name: e.name, connection: e.connection };
  return rule.summary.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (whole, key: string) => {
    if (key === "value") return "{{ $value }}";
    if (key === "rule") return rule.name;
    if (key === "severity") return rule.severity;
    if (labelOf[key]) return `{{ $labels.${labelOf[key]} }}`;
    if (key.startsWith("labels.")) return `{{ $labels.${key.slice(7)} }}`;
    return whole;
  });
}

/** Redrive's rules as a Prometheus rule file, for teams that alert in Prometheus; unexportable rules are listed in a comment. */
export function prometheusRules(rules: Rule[], windowOf: (rule: Rule) => number): string {
  const skipped: string[] = [];
  const out = rules.flatMap((rule) => {
    const expr = promqlFor(rule, windowOf(rule));
    if (!expr) {
      skipped.push(`${rule.name} (${rule.signal})`);
      return [];
    }
    return [
      {
        alert: rule.name.replace(/[^a-zA-Z0-9_]/g, "_"),
        expr,
        ...(rule.forSeconds ? { for: `${rule.forSeconds}s` } : {}),
        ...(rule.keepFiringForSeconds ? { keep_firing_for: `${rule.keepFiringForSeconds}s` } : {}),
        labels: { severity: rule.severity, ...rule.labels },
        annotations: { summary: promSummary(rule), ...(rule.runbookUrl ? { runbook_url: rule.runbookUrl } : {}) },
      },
    ];
  });
  const header = `# Redrive alert rules over /api/metrics series (exported ${new Date().toISOString()}).\n${skipped.length ? `# Not exportable (no /api/metrics series): ${skipped.join("; ")}\n` : ""}`;
  return header + stringify({ groups: [{ name: "redrive", rules: out }] });
}
