import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { ControlDb } from "~/server/db/control-store";
import { replayJobItems, replayJobs, type ReplayItemState } from "~/server/db/schema";
import type { ReplayJob } from "./dry-run";

export type ReplayItem = typeof replayJobItems.$inferSelect;

/** The next `limit` items of a job in `states`, in snapshot order. */
export function nextItems(db: ControlDb, jobId: string, states: ReplayItemState[], limit: number): Promise<ReplayItem[]> {
  return db
    .select()
    .from(replayJobItems)
    .where(and(eq(replayJobItems.jobId, jobId), inArray(replayJobItems.state, states)))
    .orderBy(asc(replayJobItems.seq))
    .limit(limit);
}

export interface ItemUpdate {
  seq: number;
  state: ReplayItemState;
  replayId?: string | null;
  targetPosition?: string | null;
  outcome?: string | null;
  /** Count this as a delivery attempt. */
  attempt?: boolean;
}

/** How many items of a job are in each state (states with none are 0). */
export async function itemStateCounts(db: ControlDb, jobId: string): Promise<Record<ReplayItemState, number>> {
  const rows = await db
    .select({ state: replayJobItems.state, n: sql<number>`count(*)::int` })
    .from(replayJobItems)
    .where(eq(replayJobItems.jobId, jobId))
    .groupBy(replayJobItems.state);
  const counts = { pending: 0, sending: 0, sent: 0, done: 0, skipped: 0, failed: 0 };
  for (const r of rows) counts[r.state] = Number(r.n);
  return counts;
}

/** Sets the state (and outcome) of many items in one statement. */
export async function updateItems(db: ControlDb, jobId: string, updates: ItemUpdate[]): Promise<void> {
  if (updates.length === 0) return;
  const rows = updates.map((u) => ({
    seq: u.seq,
    state: u.state,
    replay_id: u.replayId ?? null,
    target_position: u.targetPosition ?? null,
    outcome: u.outcome ?? null,
    attempt: u.attempt ? 1 : 0,
  }));
  await db.execute(sql`
    update replay_job_items as i set
      state = x.state,
      replay_id = coalesce(x.replay_id, i.replay_id),
      target_position = coalesce(x.target_position, i.target_position),
      outcome = coalesce(x.outcome, i.outcome),
      attempts = i.attempts + x.attempt,
      updated_at = now()
    from json_to_recordset(${JSON.stringify(rows)}::json) as x(seq integer, state text, replay_id uuid, target_position text, outcome text, attempt integer)
    where i.job_id = ${jobId}::uuid and i.seq = x.seq`);
}

export interface LedgerEntry {
  replayId: string;
  messageId: string;
  target: string | null;
  targetPosition: string | null;
  replayCount: number;
  action: "replay" | "discard";
  reason?: string | null;
  archived?: unknown;
}

/** Records many replays (or discards) of a job in the ledger in one statement. */
export async function writeLedger(db: ControlDb, job: ReplayJob, entries: LedgerEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const rows = entries.map((e) => ({
    replay_id: e.replayId,
    message_id: e.messageId,
    target: e.target,
    target_position: e.targetPosition,
    replay_count: e.replayCount,
    action: e.action,
    reason: e.reason ?? null,
    archived: e.archived ?? null,
  }));
  await db.execute(sql`
    insert into replay_ledger (replay_id, kind, connection, dlq, message_id, target, target_position, replay_count, replayed_by, job_id, action, reason, archived)
    select x.replay_id, ${job.kind}, ${job.connection}, ${job.dlq}, x.message_id, x.target, x.target_position, x.replay_count, ${job.createdBy}, ${job.id}::uuid, x.action, x.reason, x.archived
    from json_to_recordset(${JSON.stringify(rows)}::json)
      as x(replay_id uuid, message_id text, target text, target_position text, replay_count integer, action text, reason text, archived jsonb)
    on conflict (replay_id) do nothing`);
}

export interface CounterDelta {
  done?: number;
  skipped?: number;
  failed?: number;
  duplicates?: number;
  cameBack?: number;
  recoveries?: number;
}

/** Adds to a job's counters without touching its state (an operator may be pausing it right now). */
export async function addCounters(db: ControlDb, jobId: string, delta: CounterDelta, extra: Partial<Pick<ReplayJob, "rate" | "inFlight">> = {}): Promise<void> {
  await db
    .update(replayJobs)
    .set({
      done: sql`${replayJobs.done} + ${delta.done ?? 0}`,
      skipped: sql`${replayJobs.skipped} + ${delta.skipped ?? 0}`,
      failed: sql`${replayJobs.failed} + ${delta.failed ?? 0}`,
      duplicates: sql`${replayJobs.duplicates} + ${delta.duplicates ?? 0}`,
      cameBack: sql`${replayJobs.cameBack} + ${delta.cameBack ?? 0}`,
      recoveries: sql`${replayJobs.recoveries} + ${delta.recoveries ?? 0}`,
      updatedAt: new Date(),
      ...extra,
    })
    .where(eq(replayJobs.id, jobId));
}

/** Marks items whose copies died again, and counts them on the job and in the ledger. */
export async function markCameBack(db: ControlDb, jobId: string, returns: { replayId: string; where: string }[]): Promise<number> {
  if (returns.length === 0) return 0;
  const marked = await db.execute<{ replay_id: string }>(sql`
    update replay_job_items set came_back_at = now()
    where job_id = ${jobId}::uuid and came_back_at is null and replay_id = any(${`{${returns.map((r) => r.replayId).join(",")}}`}::uuid[])
    returning replay_id`);
  const rows = (marked as unknown as { rows: { replay_id: string }[] }).rows;
  if (rows.length === 0) return 0;
  await db.execute(sql`
    update replay_ledger as l set came_back_at = now(), came_back_as = x.where_
    from json_to_recordset(${JSON.stringify(returns.map((r) => ({ replay_id: r.replayId, where_: r.where })))}::json) as x(replay_id uuid, where_ text)
    where l.replay_id = x.replay_id and l.came_back_at is null`);
  await addCounters(db, jobId, { cameBack: rows.length });
  return rows.length;
}
