import { CONNECTION_LABELS, labelScope, RESOURCE_LABELS, visible, type Readable } from "~/server/auth/permissions";
import { readableWhere } from "~/server/auth/readable-sql";
import { and, desc, eq, getTableColumns, inArray, lt, sql, type SQL, type SQLWrapper } from "drizzle-orm";
import { z } from "zod";
import type { ControlDb } from "~/server/db/control-store";
import { alertDeliveries, alertHistory, alertInstances, alertNotifyGroups, alertRules } from "~/server/db/schema";
import { signals } from "./signals";
import { silencedBy } from "./silences";
import { activeSilences } from "./state";

const objectName = z.string().min(1).max(500);

/** An object a Redrive page shows: a consumer group, a DLQ, or a database's saga types (one, or all of them). */
export const objectRefSchema = z.discriminatedUnion("object", [
  z.object({ object: z.literal("group"), connection: objectName, name: objectName }),
  z.object({ object: z.literal("dlq"), kind: z.enum(["kafka", "sqs", "rabbitmq", "nats"]), connection: objectName, name: objectName }),
  z.object({ object: z.literal("saga_type"), connection: objectName, name: objectName.optional() }),
]);
export type ObjectRef = z.infer<typeof objectRefSchema>;

/** The labels the signals give an object's instances (server/alerts/signals/*), to find them by containment. */
function objectLabels(ref: ObjectRef): Record<string, string> {
  if (ref.object === "group") return { connection: ref.connection, group: ref.name };
  if (ref.object === "dlq") return { kind: ref.kind, connection: ref.connection, dlq: ref.name };
  return ref.name === undefined ? { database: ref.connection } : { database: ref.connection, saga_type: ref.name };
}

interface ActiveFilter {
  objectPath?: string;
  /** Instances whose labels include these. */
  labels?: Record<string, string>;
  /** Only rules over these signals. */
  signalIds?: string[];
}

/** Firing and pending instances now, with whether a silence covers them (the Alerts page, live). */
export async function activeAlerts(db: ControlDb, options: ActiveFilter = {}) {
  const now = new Date();
  const [rows, silences] = await Promise.all([
    db
      .select({ instance: alertInstances, ruleName: alertRules.name, spec: alertRules.spec })
      .from(alertInstances)
      .innerJoin(alertRules, eq(alertRules.id, alertInstances.ruleId))
      .where(
        and(
          inArray(alertInstances.state, ["firing", "pending"]),
          eq(alertRules.enabled, true),
          options.objectPath ? eq(alertInstances.path, options.objectPath) : undefined,
          options.labels ? sql`${alertInstances.labels} @> ${JSON.stringify(options.labels)}::jsonb` : undefined,
          options.signalIds ? inArray(sql<string>`${alertRules.spec}->>'signal'`, options.signalIds) : undefined,
        ),
      )
      .orderBy(desc(alertInstances.state), alertInstances.activeSince),
    activeSilences(db, now),
  ]);
  return rows.map(({ instance, ruleName, spec }) => ({
    ruleId: instance.ruleId,
    ruleName,
    severity: String(spec.severity ?? "warning"),
    objectKey: instance.objectKey,
    labels: instance.labels,
    path: instance.path,
    state: instance.state,
    value: instance.value,
    summary: instance.summary,
    since: instance.firingSince ?? instance.activeSince,
    silencedBy: silencedBy(silences, instance.labels, now.getTime())?.id ?? null,
  }));
}

/** Firing and pending alerts of one object (or a database's saga types), for the object's own page. */
export function objectAlerts(db: ControlDb, ref: ObjectRef) {
  const signalIds = Object.values(signals)
    .filter((s) => s.object === ref.object)
    .map((s) => s.id);
  return activeAlerts(db, { labels: objectLabels(ref), signalIds });
}

/** The navigation badge: firing instances that no silence covers. */
export async function firingCount(db: ControlDb, readable: Readable | null = null): Promise<number> {
  return visible(await activeAlerts(db), readable, (a) => labelScope(a.labels)).filter((a) => a.state === "firing" && !a.silencedBy).length;
}

/** Instance counts per rule and state, for the Rules list. */
export async function ruleStateCounts(db: ControlDb): Promise<Map<string, Record<string, number>>> {
  const rows = await db
    .select({ ruleId: alertInstances.ruleId, state: alertInstances.state, n: sql<number>`count(*)::int` })
    .from(alertInstances)
    .groupBy(alertInstances.ruleId, alertInstances.state);
  const counts = new Map<string, Record<string, number>>();
  for (const r of rows) counts.set(r.ruleId, { ...counts.get(r.ruleId), [r.state]: r.n });
  return counts;
}

/** The first of these labels that an alert's labels hold (as labelScope reads them), or NULL. */
const firstLabel = (labels: SQLWrapper, names: readonly string[]) => sql`coalesce(${sql.join(names.map((name) => sql`${labels}->>${name}`), sql`, `)})`;

/**
 * Every state change, newest first, filtered by rule, state or object; keyset-paged by id. A scoped caller's
 * read scope is in the WHERE (by the objects the labels name, as for the live list), so pages stay full.
 */
export async function historyPage(
  db: ControlDb,
  filter: { ruleId?: string; toState?: string; object?: string; before?: number; limit: number },
  readable: Readable | null = null,
) {
  const where: (SQL | undefined)[] = [
    readableWhere(readable, { connection: firstLabel(alertHistory.labels, CONNECTION_LABELS), resource: firstLabel(alertHistory.labels, RESOURCE_LABELS), absentResource: "somewhere" }),
  ];
  if (filter.ruleId) where.push(eq(alertHistory.ruleId, filter.ruleId));
  if (filter.toState) where.push(eq(alertHistory.toState, filter.toState));
  if (filter.object) where.push(sql`${alertHistory.objectKey} ilike ${`%${filter.object.replace(/[\\%_]/g, "\\$&")}%`}`);
  if (filter.before) where.push(lt(alertHistory.id, filter.before));
  return db.select().from(alertHistory).where(and(...where)).orderBy(desc(alertHistory.id)).limit(filter.limit);
}

/** The first of these labels of a notification group that has a value (a group-by label an alert lacks is ""). */
const groupLabel = (names: readonly string[]) => sql`coalesce(${sql.join(names.map((name) => sql`nullif(${alertNotifyGroups.labels}->>${name}, '')`), sql`, `)})`;

/**
 * Every delivery attempt, newest first. A scoped caller sees a delivery only when its notification group is
 * about objects it may read: the group's labels (the channel's groupBy) must name a connection and resource in
 * its read scope, so a notification grouped by rule alone (the default), which may carry any object, and test
 * sends are shown only to roles that read everywhere. The scope is in the WHERE, so pages stay full.
 */
export async function deliveryPage(db: ControlDb, filter: { channelId?: string; status?: "sent" | "failed"; before?: number; limit: number }, readable: Readable | null = null) {
  const where: (SQL | undefined)[] = [];
  if (filter.channelId) where.push(eq(alertDeliveries.channelId, filter.channelId));
  if (filter.status) where.push(eq(alertDeliveries.status, filter.status));
  if (filter.before) where.push(lt(alertDeliveries.id, filter.before));
  where.push(readableWhere(readable, { connection: groupLabel(CONNECTION_LABELS), resource: groupLabel(RESOURCE_LABELS) }));
  return db
    .select(getTableColumns(alertDeliveries))
    .from(alertDeliveries)
    .leftJoin(alertNotifyGroups, and(eq(alertNotifyGroups.channelId, alertDeliveries.channelId), eq(alertNotifyGroups.groupKey, alertDeliveries.groupKey)))
    .where(and(...where))
    .orderBy(desc(alertDeliveries.id))
    .limit(filter.limit);
}
