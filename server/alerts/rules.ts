import { asc, eq } from "drizzle-orm";
import type { ControlDb } from "~/server/db/control-store";
import { alertRules, alertSettings } from "~/server/db/schema";
import { ruleSpecSchema, type Rule, type RuleSpec, type RuleSpecInput } from "./types";
import { DomainError } from "~/server/lib/errors";

/** A stored rule whose spec no longer validates (an older version's shape) is skipped, not fatal. */
function toRule(row: typeof alertRules.$inferSelect): Rule | null {
  const parsed = ruleSpecSchema.safeParse({ ...row.spec, name: row.name, enabled: row.enabled });
  return parsed.success ? { ...parsed.data, id: row.id, source: row.source } : null;
}

export async function listRules(db: ControlDb): Promise<Rule[]> {
  const rows = await db.select().from(alertRules).orderBy(asc(alertRules.name));
  return rows.map(toRule).filter((r): r is Rule => r !== null);
}

export async function getRule(db: ControlDb, id: string): Promise<Rule | null> {
  const [row] = await db.select().from(alertRules).where(eq(alertRules.id, id));
  return row ? toRule(row) : null;
}

function specOf(rule: RuleSpec): Record<string, unknown> {
  const { name: _name, enabled: _enabled, ...spec } = rule;
  return spec;
}

export async function createRule(db: ControlDb, input: RuleSpecInput, createdBy: string, source: Rule["source"] = "ui"): Promise<Rule> {
  const spec = ruleSpecSchema.parse(input);
  const [row] = await db.insert(alertRules).values({ name: spec.name, enabled: spec.enabled, spec: specOf(spec), source, createdBy }).returning();
  return toRule(row!)!;
}

export class RuleNotEditableError extends DomainError {
  readonly refusal = "invalid";
  override name = "RuleNotEditableError";
}

export async function updateRule(db: ControlDb, id: string, input: RuleSpecInput): Promise<Rule | null> {
  const existing = await getRule(db, id);
  if (!existing) return null;
  if (existing.source === "file") throw new RuleNotEditableError(`Rule "${existing.name}" is declared in redrive.yaml: change it there.`);
  const spec = ruleSpecSchema.parse(input);
  const [row] = await db
    .update(alertRules)
    .set({ name: spec.name, enabled: spec.enabled, spec: specOf(spec), updatedAt: new Date() })
    .where(eq(alertRules.id, id))
    .returning();
  return row ? toRule(row) : null;
}

export async function setRuleEnabled(db: ControlDb, id: string, enabled: boolean): Promise<Rule | null> {
  const [row] = await db.update(alertRules).set({ enabled, updatedAt: new Date() }).where(eq(alertRules.id, id)).returning();
  return row ? toRule(row) : null;
}

export async function deleteRule(db: ControlDb, id: string): Promise<boolean> {
  const existing = await getRule(db, id);
  if (existing?.source === "file") throw new RuleNotEditableError(`Rule "${existing.name}" is declared in redrive.yaml: remove it there.`);
  const deleted = await db.delete(alertRules).where(eq(alertRules.id, id)).returning({ id: alertRules.id });
  return deleted.length > 0;
}

/** What the seed patterns call for: created once, on first run; deleting them later is respected. */
export const defaultPack: RuleSpecInput[] = [
  {
    name: "DLQ growing",
    signal: "dlq_growth",
    windowSeconds: 900,
    condition: { op: "gt", threshold: 0 },
    severity: "warning",
    summary: "{{value}} new dead letters in {{name}} ({{connection}}) over the last 15 min",
  },
  {
    name: "Saga compensation failed",
    signal: "sagas_compensation_failed",
    condition: { op: "gt", threshold: 0 },
    severity: "critical",
    summary: "{{value}} {{name}} saga(s) in {{connection}} failed to compensate",
  },
  {
    name: "Consumer stopped or stalled",
    signal: "consumer_status",
    condition: { op: "in", values: ["STOP", "STALL"] },
    forSeconds: 120,
    severity: "critical",
    summary: "Consumer group {{name}} ({{connection}}) is {{value}}",
  },
  {
    name: "Outbox backlog older than 5 min",
    signal: "outbox_oldest_age",
    condition: { op: "gt", threshold: 300 },
    severity: "warning",
    summary: "The oldest unpublished outbox row in {{name}} has waited {{value}}",
  },
  {
    name: "Connection down",
    signal: "connection_unreachable",
    condition: { op: "eq", threshold: 1 },
    forSeconds: 120,
    severity: "critical",
    summary: "{{labels.kind}} connection {{name}} is unreachable",
  },
];

const DEFAULT_PACK_KEY = "default-pack-installed";

/** Installs the default pack unless it was installed before (by any replica: the settings row decides). */
export async function ensureDefaultPack(db: ControlDb): Promise<boolean> {
  return db.transaction(async (tx) => {
    const claimed = await tx
      .insert(alertSettings)
      .values({ key: DEFAULT_PACK_KEY, value: { at: new Date().toISOString() } })
      .onConflictDoNothing()
      .returning({ key: alertSettings.key });
    if (claimed.length === 0) return false;
    for (const spec of defaultPack) await createRule(tx as unknown as ControlDb, spec, "system", "default");
    return true;
  });
}
