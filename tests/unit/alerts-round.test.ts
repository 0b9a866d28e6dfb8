import { describe, expect, it } from "vitest";
import { backtestSeries, withGaps } from "~/server/alerts/backtest";
import { initialState } from "~/server/alerts/evaluate";
import { labelsText, parseLabelsText } from "~/server/alerts/labels";
import { instanceLabels, latestPoints, planRule, type StoredInstance } from "~/server/alerts/round";
import { globMatches, inScope, renderSummary } from "~/server/alerts/scope";
import { matchersFor, silencedBy, silences } from "~/server/alerts/silences";
import { windowedChange } from "~/server/alerts/signals/types";
import { ruleSpecSchema, type Point, type Rule, type Series } from "~/server/alerts/types";

const T0 = Date.UTC(2026, 0, 1);
const S = 15_000;

const rule = (over: Partial<Rule> = {}): Rule => ({
  ...ruleSpecSchema.parse({ name: "Consumer stopped", signal: "consumer_status", condition: { op: "in", values: ["STOP"] }, forSeconds: 30 }),
  id: "r1",
  source: "ui",
  ...over,
});

const series = (name: string, points: Point[], connection = "prod"): Series => ({
  key: `kafka/${connection}/${name}`,
  connection,
  name,
  labels: { connection, group: name },
  path: `/lag/${connection}/${name}`,
  points,
});

describe("scope", () => {
  it("matches `*` globs on whole names only", () => {
    expect(globMatches("orders-*", "orders-consumer")).toBe(true);
    expect(globMatches("orders-*", "my-orders-consumer")).toBe(false);
    expect(globMatches("*.DLQ", "payments.DLQ")).toBe(true);
    expect(globMatches("a.b", "axb")).toBe(false); // dots are literal
    expect(globMatches("exact", "exact")).toBe(true);
  });

  it("takes every object with empty lists, narrows by connection and names, and honours exclusions", () => {
    const object = { connection: "prod", name: "orders-consumer" };
    expect(inScope({ connections: [], names: [], exclude: [] }, object)).toBe(true);
    expect(inScope({ connections: ["staging"], names: [], exclude: [] }, object)).toBe(false);
    expect(inScope({ connections: ["pr*"], names: ["orders-*", "billing"], exclude: [] }, object)).toBe(true);
    expect(inScope({ connections: [], names: ["billing"], exclude: [] }, object)).toBe(false);
    expect(inScope({ connections: [], names: ["orders-*"], exclude: ["*-consumer"] }, object)).toBe(false);
  });
});

describe("rule labels", () => {
  it("join the object's labels, which win over a rule label of the same key, with alertname and severity", () => {
    const r = rule({ labels: { team: "payments", group: "not-the-group" }, severity: "critical" });
    expect(instanceLabels(r, series("orders", []))).toEqual({ team: "payments", connection: "prod", group: "orders", alertname: "Consumer stopped", severity: "critical" });
  });

  it("are validated: label-like keys, not alertname or severity, at most 20", () => {
    const spec = (labels: Record<string, string>) => ruleSpecSchema.safeParse({ name: "x", signal: "consumer_lag", condition: { op: "gt", threshold: 1 }, labels }).success;
    expect(spec({ team: "a", _x1: "b" })).toBe(true);
    expect(spec({ "1team": "a" })).toBe(false);
    expect(spec({ "team-name": "a" })).toBe(false);
    expect(spec({ severity: "page" })).toBe(false);
    expect(spec({ alertname: "x" })).toBe(false);
    expect(spec({ team: "x".repeat(201) })).toBe(false);
    expect(spec(Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`l${i}`, "v"])))).toBe(false);
  });
});

describe("summary templates", () => {
  it("fills the object's values and labels and leaves unknown placeholders visible", () => {
    const r = rule({ summary: "{{name}} on {{connection}} is {{value}} ({{labels.group}}, {{severity}}, {{threshold}}) {{nope}}" });
    expect(renderSummary(r, series("orders", []), "STOP", "status")).toBe("orders on prod is STOP (orders, warning, STOP) {{nope}}");
    const lag = rule({ condition: { op: "gt", threshold: 60 }, summary: "{{value}} > {{threshold}}" });
    expect(renderSummary(lag, series("orders", []), 93.456, "seconds")).toBe("93.46 s > 60");
    expect(renderSummary(lag, series("orders", []), 12_345.6, "count")).toBe("12,346 > 60");
  });
});

describe("silences", () => {
  const labels = { alertname: "Consumer stopped", connection: "prod", group: "orders", severity: "critical" };
  const window = { startsAt: new Date(T0), endsAt: new Date(T0 + 3_600_000) };

  it("silence when every matcher matches, within the window only", () => {
    const s = { id: "s", matchers: [{ label: "group", op: "=" as const, value: "orders" }, { label: "alertname", op: "=~" as const, value: "Consumer*" }], ...window };
    expect(silences(s, labels, T0 + 1)).toBe(true);
    expect(silences(s, labels, T0 - 1)).toBe(false);
    expect(silences(s, labels, T0 + 3_600_000)).toBe(false); // expired by itself
    expect(silences(s, { ...labels, group: "billing" }, T0 + 1)).toBe(false);
    expect(silences({ ...s, matchers: [{ label: "team", op: "=", value: "x" }] }, labels, T0 + 1)).toBe(false);
    expect(silences({ ...s, matchers: [] }, labels, T0 + 1)).toBe(false);
  });

  it("one-click matchers select the instance (not its severity)", () => {
    const m = matchersFor(labels);
    expect(m).toEqual([
      { label: "alertname", op: "=", value: "Consumer stopped" },
      { label: "connection", op: "=", value: "prod" },
      { label: "group", op: "=", value: "orders" },
    ]);
    expect(silencedBy([{ id: "x", matchers: m, ...window }], labels, T0 + 5)?.id).toBe("x");
  });
});

describe("windowedChange", () => {
  const pts = (...values: number[]) => values.map((value, i) => ({ at: T0 + i * 60_000, value }));

  it("is the change since the first point inside the trailing window", () => {
    // window 2 min: at i, base is the first point at or after i-2.
    expect(windowedChange(pts(10, 12, 15, 15, 30), 120_000, T0, false).map((p) => p.value)).toEqual([0, 2, 5, 3, 15]);
  });

  it("divides by the time spanned for a rate, and drops points before `since` (kept as the base)", () => {
    expect(windowedChange(pts(0, 60, 180), 120_000, T0 + 60_000, true).map((p) => p.value)).toEqual([1, 1.5]);
  });
});

describe("a live round (planRule)", () => {
  const now = T0 + 10 * S;

  it("creates instances for in-scope objects that leave Normal, and none for Normal ones", () => {
    const latest = latestPoints([series("a", [{ at: now, value: "STOP" }]), series("b", [{ at: now, value: "OK" }]), series("c", [{ at: now, value: "STOP" }], "staging")], now, 60_000);
    const plan = planRule(rule({ scope: { connections: ["prod"], names: [], exclude: [] } }), "status", latest, new Map(), [], now);
    expect(plan.save.map((i) => [i.objectKey, i.state.state])).toEqual([["kafka/prod/a", "pending"]]);
    expect(plan.transitions.map((t) => `${t.from}->${t.to}`)).toEqual(["normal->pending"]);
    expect(plan.save[0]!.labels).toEqual({ connection: "prod", group: "a", alertname: "Consumer stopped", severity: "warning" });
  });

  it("does nothing when no new sample arrived since the last round", () => {
    const known = new Map<string, StoredInstance>([
      ["kafka/prod/a", { ruleId: "r1", objectKey: "kafka/prod/a", labels: {}, path: "", summary: "", state: { ...initialState(now), state: "pending", activeSince: now } }],
    ]);
    const plan = planRule(rule(), "status", latestPoints([series("a", [{ at: now, value: "STOP" }])], now, 60_000), known, [], now + 5000);
    expect(plan).toEqual({ save: [], remove: [], transitions: [] });
  });

  it("steps instances whose object has no fresh data with no data, and forgets them once Normal", () => {
    const firing: StoredInstance = {
      ruleId: "r1",
      objectKey: "kafka/prod/gone",
      labels: { connection: "prod", group: "gone" },
      path: "/lag/prod/gone",
      summary: "",
      state: { ...initialState(now - S), state: "firing", firingSince: now - 5 * S, lastTrueAt: now - S },
    };
    const pending: StoredInstance = { ...firing, objectKey: "kafka/prod/stale", state: { ...initialState(now - 10 * S), state: "pending", activeSince: now - 10 * S } };
    const latest = latestPoints([series("stale", [{ at: now - 10 * S, value: "STOP" }])], now, 60_000);
    expect(latest.size).toBe(0); // older than the staleness limit
    const plan = planRule(rule({ forSeconds: 0 }), "status", latest, new Map([[firing.objectKey, firing], [pending.objectKey, pending]]), [], now);
    expect(plan.transitions.map((t) => `${t.instance.objectKey}:${t.from}->${t.to}`)).toEqual(["kafka/prod/gone:firing->resolved", "kafka/prod/stale:pending->normal"]);
    expect(plan.save.map((i) => i.objectKey)).toEqual(["kafka/prod/gone"]); // resolved is kept (flap history)
    expect(plan.remove).toEqual([{ ruleId: "r1", objectKey: "kafka/prod/stale" }]);
  });

  it("marks transitions of silenced instances", () => {
    const latest = latestPoints([series("a", [{ at: now, value: "STOP" }])], now, 60_000);
    const silence = { id: "s", matchers: [{ label: "group", op: "=" as const, value: "a" }], startsAt: new Date(T0), endsAt: new Date(now + 1) };
    const plan = planRule(rule({ forSeconds: 0 }), "status", latest, new Map(), [silence], now);
    expect(plan.transitions.map((t) => [t.to, t.silenced])).toEqual([["firing", true]]);
  });
});

describe("backtest over pure series", () => {
  it("inserts a no-data step where samples stop for longer than the staleness limit", () => {
    const points = [{ at: T0, value: 1 }, { at: T0 + 10 * 60_000, value: 1 }];
    expect(withGaps(points, 60_000)).toEqual([{ at: T0, value: 1 }, { at: T0 + 60_000, value: null }, { at: T0 + 10 * 60_000, value: 1 }]);
  });

  it("counts firings per object within the scope", () => {
    const statuses = (...values: string[]) => values.map((value, i) => ({ at: T0 + i * S, value }));
    const objects = backtestSeries(
      { ...rule({ forSeconds: 15 }), scope: { connections: [], names: ["a", "b"], exclude: [] } },
      [series("a", statuses("OK", "STOP", "STOP", "OK", "STOP", "STOP", "STOP")), series("b", statuses("STOP", "OK", "STOP", "OK")), series("c", statuses("STOP", "STOP"))],
      60_000,
    );
    expect(objects.map((o) => [o.name, o.fired])).toEqual([["a", 2], ["b", 0]]);
    expect(objects[0]!.intervals).toEqual([{ from: T0 + 2 * S, to: T0 + 3 * S, peak: "STOP" }, { from: T0 + 5 * S, to: null, peak: "STOP" }]);
  });
});

describe("the editor's labels text", () => {
  it("reads key=value lines or commas, and writes them back", () => {
    expect(parseLabelsText("team=payments\n service = orders , tier=1")).toEqual({ labels: { team: "payments", service: "orders", tier: "1" }, error: null });
    expect(parseLabelsText("  ")).toEqual({ labels: {}, error: null });
    expect(labelsText({ team: "payments", tier: "1" })).toBe("team=payments\ntier=1");
    expect(parseLabelsText(labelsText({ team: "a", empty: "" }))).toEqual({ labels: { team: "a", empty: "" }, error: null });
  });

  it("refuses what the API refuses, naming the entry", () => {
    expect(parseLabelsText("team")).toMatchObject({ error: '"team": write key=value' });
    expect(parseLabelsText("=x").error).toMatch(/write key=value/);
    expect(parseLabelsText("team-name=x").error).toMatch(/^"team-name": letters, digits and _/);
    expect(parseLabelsText("severity=page").error).toMatch(/alertname and severity/);
    expect(parseLabelsText("team=a\nteam=b").error).toBe('"team" is given twice');
    expect(parseLabelsText(`team=${"x".repeat(201)}`).error).toMatch(/longer than 200/);
    expect(parseLabelsText(Array.from({ length: 21 }, (_, i) => `l${i}=v`).join(",")).error).toBe("at most 20 labels");
    // prototype names are ordinary keys
    const proto = parseLabelsText("__proto__=x, constructor=y");
    expect(proto.labels && Object.keys(proto.labels)).toEqual(["__proto__", "constructor"]);
    expect(ruleSpecSchema.safeParse({ name: "x", signal: "consumer_lag", condition: { op: "gt", threshold: 1 }, labels: proto.labels }).success).toBe(true);
  });
});
