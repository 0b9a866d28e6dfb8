import { asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backtest } from "~/server/alerts/backtest";
import { evaluateRound } from "~/server/alerts/engine";
import { objectAlerts } from "~/server/alerts/queries";
import { createRule, defaultPack, ensureDefaultPack, listRules } from "~/server/alerts/rules";
import { ruleSpecSchema } from "~/server/alerts/types";
import { configSchema } from "~/server/config/schema";
import { buildConnections, type Connections } from "~/server/connections/registry";
import { openControlStore, type ControlStore } from "~/server/db/control-store";
import { alertHistory, alertInstances, alertRules, kafkaGroupSamples } from "~/server/db/schema";
import { createTestDatabase } from "./helpers/environment";

let store: ControlStore;
let drop: () => Promise<void>;
let connections: Connections;

beforeAll(async () => {
  const database = await createTestDatabase();
  drop = database.drop;
  store = await openControlStore({ databaseUrl: database.url });
  connections = buildConnections(configSchema.parse({}));
});

afterAll(async () => {
  await store?.close();
  await drop?.();
});

const NOW = Date.UTC(2026, 5, 1, 12, 0, 0);
const S = 15_000;
const STALE_MS = 60_000;

/** Group samples from a status string: one character per sample, "S" = STOP, "o" = OK. */
async function insertStatuses(group: string, from: number, stepMs: number, statuses: string, resolutionSeconds = 0) {
  const rows = [...statuses].map((c, i) => ({
    connection: "local",
    groupId: group,
    sampledAt: new Date(from + i * stepMs),
    resolutionSeconds,
    state: c === "S" ? "Empty" : "Stable",
    protocolType: "consumer",
    protocol: "range",
    members: c === "S" ? 0 : 1,
    topics: ["orders"],
    totalLag: c === "S" ? 10 : 0,
    maxLag: c === "S" ? 10 : 0,
    status: c === "S" ? "STOP" : "OK",
  }));
  await store.db.insert(kafkaGroupSamples).values(rows);
}

describe("the default pack", () => {
  it("is installed once, even when asked again", async () => {
    expect(await ensureDefaultPack(store.db)).toBe(true);
    expect(await ensureDefaultPack(store.db)).toBe(false);
    const rules = await listRules(store.db);
    expect(rules.map((r) => r.name).sort()).toEqual(defaultPack.map((r) => r.name).sort());
    expect(rules.every((r) => r.source === "default")).toBe(true);
    // the pack is not re-created after it was deleted
    await store.db.delete(alertRules);
    expect(await ensureDefaultPack(store.db)).toBe(false);
    expect(await listRules(store.db)).toEqual([]);
  });
});

describe("backtest over stored samples", () => {
  const rule = ruleSpecSchema.parse({
    name: "Backtest STOP",
    signal: "consumer_status",
    scope: { names: ["bt-*"] },
    condition: { op: "in", values: ["STOP"] },
    forSeconds: 30,
  });

  beforeAll(async () => {
    // Raw samples within the last 24 h, every 15 s. With `for` 30 s a STOP run fires when it spans 30 s,
    // i.e. three samples or more. Runs of 2, 3, 5, 1 and 4 samples: by hand, 3 firings.
    await insertStatuses("bt-orders", NOW - 3_600_000, S, "ooSSoSSSooSSSSSoSoSSSSoo");
    // The same group, earlier, as 1-minute rollups (older than 24 h): STOP runs of 1, 2 and 3 minutes.
    // A single minute goes Pending and back; two or more fire (the second point is 60 s >= 30 s later): by hand, 2.
    await insertStatuses("bt-orders", NOW - 3 * 86_400_000, 60_000, "oSoSSooSSSo", 60);
    // A gap in the samples longer than the staleness limit ends a run: STOP, STOP, (10 min gap), STOP.
    // Two samples span 15 s only (Pending); the gap steps "no data" (Normal); the lone STOP after it pends
    // again. By hand: 0 firings.
    await insertStatuses("bt-gap", NOW - 2 * 3_600_000, S, "SS");
    await insertStatuses("bt-gap", NOW - 2 * 3_600_000 + 10 * 60_000, S, "S");
    // Out of scope: never counted.
    await insertStatuses("other", NOW - 3_600_000, S, "SSSSSSSS");
  });

  it("counts what a person counts from the fixture history, over 24 h and 7 d", async () => {
    const day = await backtest({ db: store.db, connections }, rule, { range: "24h", staleAfterMs: STALE_MS, now: NOW });
    expect(day.supported).toBe(true);
    expect(day.fired).toBe(3);
    expect(day.objects.map((o) => [o.name, o.fired])).toEqual([["bt-orders", 3], ["bt-gap", 0]]);
    const base = NOW - 3_600_000;
    // intervals: a run fires at its third sample and resolves at the OK after it; the third firing is the
    // fifth Firing/Resolved change within 30 min, so the flap guard holds it until 5 min without STOP
    // (the samples end before that: still firing).
    expect(day.objects[0]!.intervals.map((i) => [(i.from - base) / S, i.to === null ? null : (i.to - base) / S])).toEqual([
      [7, 8],
      [12, 15],
      [20, null],
    ]);
    const week = await backtest({ db: store.db, connections }, rule, { range: "7d", staleAfterMs: STALE_MS, now: NOW });
    expect(week.fired).toBe(3 + 2);
  });

  it("says so for a signal without stored history", async () => {
    const live = ruleSpecSchema.parse({ name: "x", signal: "sagas_stuck", condition: { op: "gt", threshold: 0 } });
    const result = await backtest({ db: store.db, connections }, live, { range: "24h", staleAfterMs: STALE_MS });
    expect(result).toMatchObject({ supported: false, fired: 0 });
  });
});

describe("the live round", () => {
  it("goes Pending then Firing after `for`, resolves on recovery, and records every change", async () => {
    const rule = await createRule(
      store.db,
      { name: "Live STOP", signal: "consumer_status", scope: { names: ["live-*"] }, condition: { op: "in", values: ["STOP", "STALL"] }, forSeconds: 30 },
      "test",
    );
    const ctx = { db: store.db, connections };
    const start = NOW + 3_600_000;
    const states: string[] = [];
    // what the group's own page shows: this rule's instance only, and nothing for other objects of that name
    const onGroupPage = async () =>
      (await objectAlerts(store.db, { object: "group", connection: "local", name: "live-orders" })).filter((a) => a.ruleId === rule.id).map((a) => a.state);
    const shownElsewhere = async () =>
      [
        ...(await objectAlerts(store.db, { object: "group", connection: "local", name: "live-other" })),
        ...(await objectAlerts(store.db, { object: "group", connection: "other", name: "live-orders" })),
        ...(await objectAlerts(store.db, { object: "dlq", kind: "kafka", connection: "local", name: "live-orders" })),
      ].length;
    const pageStates: string[] = [];
    for (const [i, status] of [..."oSSSSo"].entries()) {
      const at = start + i * S;
      await insertStatuses("live-orders", at, S, status);
      const round = await evaluateRound(ctx, { now: at + 2000, staleAfterMs: STALE_MS });
      states.push(round.transitions.filter((t) => t.rule.id === rule.id).map((t) => t.to).join(",") || "-");
      // a second round on the same samples changes nothing
      expect((await evaluateRound(ctx, { now: at + 4000, staleAfterMs: STALE_MS })).transitions.filter((t) => t.rule.id === rule.id)).toEqual([]);
      pageStates.push((await onGroupPage()).join(",") || "-");
      expect(await shownElsewhere()).toBe(0);
    }
    expect(states).toEqual(["-", "pending", "-", "firing", "-", "resolved"]);
    expect(pageStates).toEqual(["-", "pending", "pending", "firing", "firing", "-"]);
    const history = await store.db.select().from(alertHistory).where(eq(alertHistory.ruleId, rule.id)).orderBy(asc(alertHistory.at));
    expect(history.map((h) => `${h.fromState}->${h.toState}`)).toEqual(["normal->pending", "pending->firing", "firing->resolved"]);
    expect(history[1]).toMatchObject({ value: "STOP", summary: "Live STOP: live-orders is STOP", labels: { connection: "local", group: "live-orders", alertname: "Live STOP", severity: "warning" } });
    const [instance] = await store.db.select().from(alertInstances).where(eq(alertInstances.ruleId, rule.id));
    expect(instance).toMatchObject({ state: "resolved", objectKey: "kafka/local/live-orders", path: "/lag/local/live-orders" });
  });
});
