import { randomUUID } from "node:crypto";
import { and, eq, isNull, lte, sql } from "drizzle-orm";
import type { ControlDb } from "~/server/db/control-store";
import { alertDeliveries, alertInstances, alertNotifyGroups } from "~/server/db/schema";
import type { RoundTransition } from "../round";
import { getRule } from "../rules";
import { silencedBy } from "../silences";
import { activeSilences } from "../state";
import type { Channel } from "./channel-config";
import { getChannel, listChannels } from "./channels";
import { commonLabels, type Notification, type NotifiedAlert } from "./payload";
import { deliver, DeliveryError } from "./senders";

export interface NotifyDeps {
  db: ControlDb;
  /** Enqueues a durable flush of a notification group at a time (pg-boss). */
  enqueueFlush(groupId: string, at: Date): Promise<void>;
  publicUrl: string;
}

const groupKeyOf = (ruleId: string, labels: Record<string, string>) => `${ruleId}|${Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(",")}`;

/** When a group should next be flushed: group wait for a new group, else no sooner than one group interval after the last send. */
export function flushTime(channel: Pick<Channel, "settings">, group: { lastSentAt: Date | null }, now: number): number {
  if (!group.lastSentAt) return now + channel.settings.groupWaitSeconds * 1000;
  return Math.max(now, group.lastSentAt.getTime() + channel.settings.groupIntervalSeconds * 1000);
}

async function schedule(deps: NotifyDeps, groupId: string, nextFlushAt: Date | null, at: number): Promise<void> {
  if (nextFlushAt && nextFlushAt.getTime() <= at) return; // an earlier flush will see this change too
  await deps.db.update(alertNotifyGroups).set({ nextFlushAt: new Date(at) }).where(eq(alertNotifyGroups.id, groupId));
  await deps.enqueueFlush(groupId, new Date(at));
}

/**
 * After a round: each transition to Firing or Resolved marks its group (per channel of the rule) for a flush;
 * groups still firing whose repeat interval passed are flushed again.
 */
export async function scheduleNotifications(deps: NotifyDeps, transitions: RoundTransition[], now = Date.now()): Promise<void> {
  const relevant = transitions.filter((t) => (t.to === "firing" || t.to === "resolved") && t.rule.channels.length > 0);
  const channels = relevant.length > 0 ? await listChannels(deps.db) : [];
  const byName = new Map(channels.filter((c) => c.enabled).map((c) => [c.name, c]));
  for (const t of relevant) {
    for (const name of t.rule.channels) {
      const channel = byName.get(name);
      if (!channel) continue;
      const labels = Object.fromEntries(channel.settings.groupBy.map((k) => [k, t.instance.labels[k] ?? ""]));
      const groupKey = groupKeyOf(t.rule.id, labels);
      await deps.db.insert(alertNotifyGroups).values({ channelId: channel.id, ruleId: t.rule.id, groupKey, labels }).onConflictDoNothing();
      const [group] = await deps.db
        .select()
        .from(alertNotifyGroups)
        .where(and(eq(alertNotifyGroups.channelId, channel.id), eq(alertNotifyGroups.groupKey, groupKey)));
      if (group) await schedule(deps, group.id, group.nextFlushAt, flushTime(channel, group, now));
    }
  }
  // Repeats: a group that still fires is sent again after its channel's repeat interval.
  const due = await deps.db
    .select({ group: alertNotifyGroups, repeat: sql<number>`(c.settings->>'repeatIntervalSeconds')::int` })
    .from(alertNotifyGroups)
    .innerJoin(sql`alert_channels c`, sql`c.id = ${alertNotifyGroups.channelId}`)
    .where(
      and(
        isNull(alertNotifyGroups.nextFlushAt),
        sql`cardinality(${alertNotifyGroups.lastFiring}) > 0`,
        lte(alertNotifyGroups.lastSentAt, sql`${new Date(now)}::timestamptz - make_interval(secs => (c.settings->>'repeatIntervalSeconds')::int)`),
      ),
    );
  for (const { group } of due) await schedule(deps, group.id, null, now);
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function toAlert(deps: NotifyDeps, rule: NonNullable<Awaited<ReturnType<typeof getRule>>>, row: typeof alertInstances.$inferSelect, status: NotifiedAlert["status"]): NotifiedAlert {
  const base = deps.publicUrl.replace(/\/+$/, "");
  return {
    status,
    fingerprint: `${rule.id}/${row.objectKey}`,
    rule: { id: rule.id, name: rule.name, severity: rule.severity, runbookUrl: rule.runbookUrl },
    labels: row.labels,
    summary: row.summary,
    value: row.value,
    startsAt: iso(row.firingSince ?? row.activeSince) ?? new Date().toISOString(),
    endsAt: status === "resolved" ? (iso(row.resolvedAt) ?? new Date().toISOString()) : null,
    url: `${base}${row.path}`,
    silenceUrl: `${base}/alerts?silence=${encodeURIComponent(`${rule.id}/${row.objectKey}`)}`,
  };
}

/** Sends one notification to one channel and logs the attempt. Throws (after logging) when it failed. */
export async function sendLogged(db: ControlDb, channel: Channel, notification: Notification, attempt: number): Promise<number> {
  const started = performance.now();
  const log = (status: "sent" | "failed", responseCode: number | null, error: string | null) =>
    db.insert(alertDeliveries).values({
      channelId: channel.id,
      channelName: channel.name,
      notificationId: notification.id,
      kind: notification.test ? "test" : notification.status,
      groupKey: notification.groupKey,
      alerts: notification.alerts.length,
      attempt,
      status,
      responseCode,
      latencyMs: Math.round(performance.now() - started),
      error,
    });
  try {
    const code = await deliver(channel, notification);
    await log("sent", code, null);
    return code;
  } catch (error) {
    await log("failed", error instanceof DeliveryError ? error.responseCode : null, error instanceof Error ? error.message : String(error));
    throw error;
  }
}

/**
 * The durable job: what the group holds now against what it last sent. Sends news (new firing alerts,
 * resolutions) or a due repeat; nothing when nothing changed. A failure throws, and pg-boss retries with backoff.
 */
export async function flushGroup(deps: NotifyDeps, groupId: string, job: { id: string; attempt: number }, now = Date.now()): Promise<"sent" | "nothing" | "later"> {
  const [group] = await deps.db.select().from(alertNotifyGroups).where(eq(alertNotifyGroups.id, groupId));
  if (!group) return "nothing";
  const [channel, rule] = await Promise.all([getChannel(deps.db, group.channelId), getRule(deps.db, group.ruleId)]);
  if (!channel?.enabled || !rule) return "nothing";
  if (group.lastSentAt && now < group.lastSentAt.getTime() + channel.settings.groupIntervalSeconds * 1000 - 500) {
    await schedule(deps, group.id, null, group.lastSentAt.getTime() + channel.settings.groupIntervalSeconds * 1000);
    return "later";
  }
  const silences = await activeSilences(deps.db, new Date(now));
  const rows = (await deps.db.select().from(alertInstances).where(eq(alertInstances.ruleId, rule.id))).filter((r) =>
    Object.entries(group.labels).every(([k, v]) => (r.labels[k] ?? "") === v),
  );
  const firing = rows.filter((r) => r.state === "firing" && !silencedBy(silences, r.labels, now));
  const firingKeys = firing.map((r) => r.objectKey).sort();
  const stillFiring = new Set(rows.filter((r) => r.state === "firing").map((r) => r.objectKey));
  const resolvedKeys = group.lastFiring.filter((key) => !stillFiring.has(key));
  const resolved = channel.settings.sendResolved ? rows.filter((r) => resolvedKeys.includes(r.objectKey)) : [];
  const news = firingKeys.some((k) => !group.lastFiring.includes(k)) || resolvedKeys.length > 0;
  const repeatDue = firing.length > 0 && group.lastSentAt !== null && now >= group.lastSentAt.getTime() + channel.settings.repeatIntervalSeconds * 1000;
  const remember = async (sent: boolean) =>
    deps.db
      .update(alertNotifyGroups)
      // Silenced alerts that were sent stay remembered, so un-silencing does not announce them again.
      .set({ lastFiring: [...new Set([...firingKeys, ...group.lastFiring.filter((k) => stillFiring.has(k))])], nextFlushAt: null, ...(sent ? { lastSentAt: new Date(now) } : {}) })
      .where(eq(alertNotifyGroups.id, group.id));
  if ((!news && !repeatDue) || (firing.length === 0 && resolved.length === 0)) {
    await remember(false);
    return "nothing";
  }
  const alerts = [...firing.map((r) => toAlert(deps, rule, r, "firing")), ...resolved.map((r) => toAlert(deps, rule, r, "resolved"))];
  const notification: Notification = {
    version: "1",
    id: job.id,
    channel: channel.name,
    groupKey: group.groupKey,
    status: firing.length > 0 ? "firing" : "resolved",
    test: false,
    commonLabels: commonLabels(alerts),
    alerts,
    externalUrl: `${deps.publicUrl.replace(/\/+$/, "")}/alerts`,
    sentAt: new Date(now).toISOString(),
  };
  await sendLogged(deps.db, channel, notification, job.attempt);
  await remember(true);
  return "sent";
}

/** "Send test notification": one made-up firing alert, sent now (not queued) so the editor shows the outcome. */
export async function sendTest(deps: Pick<NotifyDeps, "db" | "publicUrl">, channel: Channel): Promise<{ ok: boolean; responseCode: number | null; error: string | null }> {
  const base = deps.publicUrl.replace(/\/+$/, "");
  const labels = { alertname: "Redrive test notification", severity: "info", channel: channel.name };
  const now = new Date().toISOString();
  const notification: Notification = {
    version: "1",
    id: randomUUID(),
    channel: channel.name,
    groupKey: "test",
    status: "firing",
    test: true,
    commonLabels: labels,
    alerts: [
      {
        status: "firing",
        fingerprint: `test/${channel.id}`,
        rule: { id: "test", name: "Redrive test notification", severity: "info", runbookUrl: null },
        labels,
        summary: `Test notification from Redrive to channel "${channel.name}"`,
        value: null,
        startsAt: now,
        endsAt: null,
        url: `${base}/alerts`,
        silenceUrl: `${base}/alerts`,
      },
    ],
    externalUrl: `${base}/alerts`,
    sentAt: now,
  };
  try {
    return { ok: true, responseCode: await sendLogged(deps.db, channel, notification, 1), error: null };
  } catch (error) {
    return { ok: false, responseCode: error instanceof DeliveryError ? error.responseCode : null, error: error instanceof Error ? error.message : String(error) };
  }
}
