import { and, eq, gt, inArray, lte, sql } from "drizzle-orm";
import type { ControlDb } from "~/server/db/control-store";
import { alertHistory, alertInstances, alertSilences } from "~/server/db/schema";
import type { InstanceState } from "./evaluate";
import type { RoundPlan, StoredInstance } from "./round";
import type { ActiveSilence } from "./silences";

const asDate = (ms: number | null) => (ms === null ? null : new Date(ms));

/** Stored instances of the given rules, by rule id and object key. */
export async function loadInstances(db: ControlDb, ruleIds: string[]): Promise<Map<string, Map<string, StoredInstance>>> {
  const byRule = new Map<string, Map<string, StoredInstance>>();
  if (ruleIds.length === 0) return byRule;
  const rows = await db.select().from(alertInstances).where(inArray(alertInstances.ruleId, ruleIds));
  for (const row of rows) {
    const mine = byRule.get(row.ruleId) ?? new Map<string, StoredInstance>();
    mine.set(row.objectKey, { ruleId: row.ruleId, objectKey: row.objectKey, labels: row.labels, path: row.path, summary: row.summary, state: row.detail as unknown as InstanceState });
    byRule.set(row.ruleId, mine);
  }
  return byRule;
}

export async function activeSilences(db: ControlDb, now: Date): Promise<ActiveSilence[]> {
  return db
    .select({ id: alertSilences.id, matchers: alertSilences.matchers, startsAt: alertSilences.startsAt, endsAt: alertSilences.endsAt })
    .from(alertSilences)
    .where(and(lte(alertSilences.startsAt, now), gt(alertSilences.endsAt, now)));
}

const CHUNK = 500;

/** Writes one round: instances saved or forgotten, and every transition into the history. */
export async function saveRound(db: ControlDb, plan: RoundPlan): Promise<void> {
  await db.transaction(async (tx) => {
    for (let i = 0; i < plan.save.length; i += CHUNK) {
      const rows = plan.save.slice(i, i + CHUNK).map((instance) => ({
        ruleId: instance.ruleId,
        objectKey: instance.objectKey,
        labels: instance.labels,
        path: instance.path,
        state: instance.state.state,
        detail: instance.state as unknown as Record<string, unknown>,
        value: instance.state.value === null ? null : String(instance.state.value),
        summary: instance.summary,
        activeSince: asDate(instance.state.activeSince),
        firingSince: asDate(instance.state.firingSince),
        resolvedAt: asDate(instance.state.resolvedAt),
        evaluatedAt: new Date(instance.state.evaluatedAt),
      }));
      await tx
        .insert(alertInstances)
        .values(rows)
        .onConflictDoUpdate({
          target: [alertInstances.ruleId, alertInstances.objectKey],
          set: {
            labels: sql`excluded.labels`,
            path: sql`excluded.path`,
            state: sql`excluded.state`,
            detail: sql`excluded.detail`,
            value: sql`excluded.value`,
            summary: sql`excluded.summary`,
            activeSince: sql`excluded.active_since`,
            firingSince: sql`excluded.firing_since`,
            resolvedAt: sql`excluded.resolved_at`,
            evaluatedAt: sql`excluded.evaluated_at`,
          },
        });
    }
    const removals = new Map<string, string[]>();
    for (const { ruleId, objectKey } of plan.remove) removals.set(ruleId, [...(removals.get(ruleId) ?? []), objectKey]);
    for (const [ruleId, keys] of removals) {
      for (let i = 0; i < keys.length; i += CHUNK) {
        await tx.delete(alertInstances).where(and(eq(alertInstances.ruleId, ruleId), inArray(alertInstances.objectKey, keys.slice(i, i + CHUNK))));
      }
    }
    for (let i = 0; i < plan.transitions.length; i += CHUNK) {
      await tx.insert(alertHistory).values(
        plan.transitions.slice(i, i + CHUNK).map((t) => ({
          ruleId: t.rule.id,
          ruleName: t.rule.name,
          objectKey: t.instance.objectKey,
          labels: t.instance.labels,
          fromState: t.from,
          toState: t.to,
          value: t.value === null ? null : String(t.value),
          summary: t.instance.summary,
          silenced: t.silenced,
          at: new Date(t.at),
        })),
      );
    }
  });
}
