"use client";

import { labelsText, parseLabelsText } from "~/server/alerts/labels";
import type { RuleSpecInput } from "~/server/alerts/types";
import { Field, input, splitList } from "./shared";

export interface SignalInfo {
  id: string;
  title: string;
  description: string;
  unit: string;
  statuses?: readonly string[];
  history: boolean;
  defaultWindowSeconds?: number;
}

/** The editor's fields, as plain strings so half-typed numbers and lists stay as typed. */
export interface RuleDraft {
  name: string;
  signal: string;
  connections: string;
  names: string;
  exclude: string;
  op: string;
  threshold: string;
  values: string;
  windowSeconds: string;
  forSeconds: string;
  keepFiringForSeconds: string;
  severity: string;
  /** `key=value`, one a line or comma-separated. */
  labels: string;
  summary: string;
  runbookUrl: string;
  channels: string[];
  enabled: boolean;
}

export const emptyDraft: RuleDraft = {
  name: "",
  signal: "consumer_lag",
  connections: "",
  names: "",
  exclude: "",
  op: "gt",
  threshold: "1000",
  values: "STOP, STALL",
  windowSeconds: "",
  forSeconds: "60",
  keepFiringForSeconds: "0",
  severity: "warning",
  labels: "",
  summary: "{{rule}}: {{name}} is {{value}}",
  runbookUrl: "",
  channels: [],
  enabled: true,
};

export function draftOf(rule: RuleSpecInput): RuleDraft {
  const c = rule.condition;
  return {
    ...emptyDraft,
    name: rule.name,
    signal: rule.signal,
    connections: (rule.scope?.connections ?? []).join(", "),
    names: (rule.scope?.names ?? []).join(", "),
    exclude: (rule.scope?.exclude ?? []).join(", "),
    op: c.op,
    threshold: "threshold" in c ? String(c.threshold) : emptyDraft.threshold,
    values: "values" in c ? c.values.join(", ") : emptyDraft.values,
    windowSeconds: rule.windowSeconds ? String(rule.windowSeconds) : "",
    forSeconds: String(rule.forSeconds ?? 0),
    keepFiringForSeconds: String(rule.keepFiringForSeconds ?? 0),
    severity: rule.severity ?? "warning",
    labels: labelsText(rule.labels),
    summary: rule.summary ?? emptyDraft.summary,
    runbookUrl: rule.runbookUrl ?? "",
    channels: rule.channels ?? [],
    enabled: rule.enabled ?? true,
  };
}

const num = (s: string) => (s.trim() === "" ? undefined : Number(s));

export function specOf(d: RuleDraft, status: boolean): RuleSpecInput {
  return {
    name: d.name.trim() || "Untitled rule",
    enabled: d.enabled,
    signal: d.signal as RuleSpecInput["signal"],
    scope: { connections: splitList(d.connections), names: splitList(d.names), exclude: splitList(d.exclude) },
    condition: status
      ? { op: d.op === "notIn" ? "notIn" : "in", values: splitList(d.values) }
      : { op: (["in", "notIn"].includes(d.op) ? "gt" : d.op) as "gt", threshold: Number(d.threshold) || 0 },
    windowSeconds: num(d.windowSeconds),
    forSeconds: num(d.forSeconds) ?? 0,
    keepFiringForSeconds: num(d.keepFiringForSeconds) ?? 0,
    severity: d.severity as "warning",
    // an invalid text is refused by the editor before it saves (labelsError)
    labels: parseLabelsText(d.labels).labels ?? {},
    summary: d.summary,
    runbookUrl: d.runbookUrl.trim() || null,
    channels: d.channels,
  };
}

export const labelsError = (d: RuleDraft) => parseLabelsText(d.labels).error;

export function RuleForm({ draft, set, signals, channels, readOnly }: { draft: RuleDraft; set: (d: RuleDraft) => void; signals: SignalInfo[]; channels: string[]; readOnly: boolean }) {
  const signal = signals.find((s) => s.id === draft.signal);
  const status = signal?.unit === "status";
  const bind = (key: keyof RuleDraft) => ({ value: draft[key] as string, disabled: readOnly, onChange: (e: { target: { value: string } }) => set({ ...draft, [key]: e.target.value }) });
  return (
    <div className="grid grid-cols-1 gap-3 md:grid-cols-2">
      <Field label="Name">
        <input className={input} {...bind("name")} data-testid="rule-name" />
      </Field>
      <Field label="Signal" hint={signal?.description}>
        <select className={input} {...bind("signal")} data-testid="rule-signal">
          {signals.map((s) => (
            <option key={s.id} value={s.id}>
              {s.title}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Connections or databases" hint="`*` patterns, comma-separated; empty = all">
        <input className={input} {...bind("connections")} />
      </Field>
      <Field label="Object names" hint="groups, DLQs, saga types…: `*` patterns; empty = all">
        <input className={input} {...bind("names")} data-testid="rule-names" />
      </Field>
      <Field label="Condition">
        <div className="flex gap-2">
          <select className={input} {...bind("op")}>
            {status ? (
              <>
                <option value="in">is one of</option>
                <option value="notIn">is none of</option>
              </>
            ) : (
              ["gt", "gte", "lt", "lte", "eq", "neq"].map((op) => (
                <option key={op} value={op}>
                  {{ gt: ">", gte: "≥", lt: "<", lte: "≤", eq: "=", neq: "≠" }[op]}
                </option>
              ))
            )}
          </select>
          {status ? <input className={`${input} flex-1`} {...bind("values")} title={signal?.statuses?.join(", ")} /> : <input className={`${input} flex-1`} type="number" {...bind("threshold")} data-testid="rule-threshold" />}
        </div>
      </Field>
      {signal?.defaultWindowSeconds ? (
        <Field label="Window (seconds)" hint={`default ${signal.defaultWindowSeconds}`}>
          <input className={input} type="number" {...bind("windowSeconds")} />
        </Field>
      ) : null}
      <Field label="For (seconds pending before firing)">
        <input className={input} type="number" {...bind("forSeconds")} />
      </Field>
      <Field label="Keep firing for (seconds)">
        <input className={input} type="number" {...bind("keepFiringForSeconds")} />
      </Field>
      <Field label="Severity">
        <select className={input} {...bind("severity")}>
          {["critical", "warning", "info"].map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
      </Field>
      <Field label="Labels" hint="key=value, one a line: for routing and silences (team=payments)">
        <textarea className={`${input} font-mono`} rows={2} {...bind("labels")} aria-invalid={labelsError(draft) !== null} data-testid="rule-labels" />
        {labelsError(draft) ? (
          <span className="text-xs text-red-700" role="alert" data-testid="rule-labels-error">
            {labelsError(draft)}
          </span>
        ) : null}
      </Field>
      <Field label="Runbook URL">
        <input className={input} {...bind("runbookUrl")} />
      </Field>
      <Field label="Summary" hint="{{rule}} {{name}} {{connection}} {{value}} {{threshold}} {{labels.x}}">
        <input className={input} {...bind("summary")} />
      </Field>
      <Field label="Channels">
        <div className="flex flex-wrap gap-3">
          {channels.length === 0 ? <span className="text-xs text-slate-400">No channels yet</span> : null}
          {channels.map((name) => (
            <label key={name} className="flex items-center gap-1 text-sm">
              <input
                type="checkbox"
                disabled={readOnly}
                checked={draft.channels.includes(name)}
                onChange={(e) => set({ ...draft, channels: e.target.checked ? [...draft.channels, name] : draft.channels.filter((c) => c !== name) })}
              />
              {name}
            </label>
          ))}
        </div>
      </Field>
    </div>
  );
}
