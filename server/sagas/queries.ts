import { sql, type SQL } from "drizzle-orm";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import type { SagaSettings } from "./config-schema";
import type { SagaLayout, SagaStatus } from "./layouts/types";
import { dateOrNull, ident, num, numOrNull, rows } from "./sql";

export interface SagaRow {
  id: string;
  sagaType: string;
  status: SagaStatus;
  rawState: string | null;
  currentStep: string | null;
  attempts: number | null;
  lastError: string | null;
  correlationId: string;
  startedAt: Date | null;
  updatedAt: Date | null;
  version: number | null;
  nextAttemptAt: Date | null;
  /** Seconds since the last progress (null where the layout records none). */
  idleSeconds: number | null;
}

export interface SagaFilter {
  types?: string[];
  statuses?: SagaStatus[];
  /** No progress for at least this long. */
  idleForSeconds?: number;
  correlationId?: string;
  /** Substring of the last error (case-insensitive). */
  errorText?: string;
  stuck?: boolean;
}

/** The SLA in seconds of a saga type. */
export function slaSeconds(settings: Pick<SagaSettings, "stuckAfterSeconds" | "perType">, sagaType: string): number {
  return settings.perType[sagaType] ?? settings.stuckAfterSeconds;
}

/**
 * Stuck: not finished and no progress for longer than its type's SLA, or a compensation that failed (which
 * waits for a human whatever its age). The age test is written twice: once against the smallest SLA, so the
 * (status, updated_at) index bounds the scan, then exactly per type.
 */
export function stuckPredicate(layout: SagaLayout, settings: Pick<SagaSettings, "stuckAfterSeconds" | "perType">): SQL {
  const needsHuman = layout.statusIn(["compensation_failed"]);
  const updatedAt = layout.columns.updatedAt;
  if (!updatedAt) return needsHuman;
  const types = Object.entries(settings.perType);
  const smallest = Math.min(settings.stuckAfterSeconds, ...types.map(([, seconds]) => seconds));
  const perType =
    types.length === 0
      ? sql`${settings.stuckAfterSeconds}::int`
      : sql`(case ${layout.columns.sagaType} ${sql.join(
          types.map(([type, seconds]) => sql`when ${type} then ${seconds}::int`),
          sql` `,
        )} else ${settings.stuckAfterSeconds}::int end)`;
  return sql`((${layout.statusIn(["running", "compensating"])}
      and ${updatedAt} < now() - make_interval(secs => ${smallest}::int)
      and ${updatedAt} < now() - make_interval(secs => ${perType}))
    or ${needsHuman})`;
}

function where(layout: SagaLayout, filter: SagaFilter, settings: SagaSettings): SQL {
  const parts: SQL[] = [];
  const c = layout.columns;
  if (filter.types?.length) parts.push(sql`${c.sagaType} in (${sql.join(filter.types.map((t) => sql`${t}`), sql`, `)})`);
  if (filter.statuses?.length) parts.push(layout.statusIn(filter.statuses));
  if (filter.idleForSeconds !== undefined && c.updatedAt) parts.push(sql`${c.updatedAt} < now() - make_interval(secs => ${filter.idleForSeconds}::int)`);
  if (filter.correlationId) parts.push(layout.correlationIs(filter.correlationId));
  if (filter.errorText) parts.push(sql`${c.lastError} ilike ${`%${filter.errorText.replace(/[%_\\]/g, "\\$&")}%`}`);
  if (filter.stuck) parts.push(stuckPredicate(layout, settings));
  return parts.length ? sql.join(parts, sql` and `) : sql`true`;
}

type RawSaga = {
  id: string;
  saga_type: string;
  status: SagaStatus;
  raw_state: string | null;
  current_step: string | null;
  attempts: number | null;
  last_error: string | null;
  correlation_id: string;
  started_at: Date | null;
  updated_at: Date | null;
  version: number | null;
  next_attempt_at: Date | null;
  idle: number | null;
  context?: unknown;
};

function selectList(layout: SagaLayout): SQL {
  const c = layout.columns;
  return sql`${c.id} as id, ${c.sagaType} as saga_type, ${c.status} as status, ${c.rawState}::text as raw_state,
    ${c.currentStep} as current_step, ${c.attempts} as attempts, ${c.lastError} as last_error,
    ${c.correlationId} as correlation_id, ${c.startedAt} as started_at, ${c.updatedAt ?? sql`null::timestamptz`} as updated_at,
    ${c.version} as version, ${c.nextAttemptAt ?? sql`null::timestamptz`} as next_attempt_at,
    ${c.updatedAt ? sql`extract(epoch from now() - ${c.updatedAt})::float8` : sql`null::float8`} as idle`;
}

function toSaga(r: RawSaga): SagaRow {
  return {
    id: r.id,
    sagaType: r.saga_type,
    status: r.status,
    rawState: r.raw_state,
    currentStep: r.current_step,
    attempts: numOrNull(r.attempts),
    lastError: r.last_error,
    correlationId: r.correlation_id,
    startedAt: dateOrNull(r.started_at),
    updatedAt: dateOrNull(r.updated_at),
    version: numOrNull(r.version),
    nextAttemptAt: dateOrNull(r.next_attempt_at),
    idleSeconds: numOrNull(r.idle),
  };
}

/** Counts stop here: "10,000+" reads as well as an exact number, and never scans a million rows. */
export const COUNT_CAP = 10_000;

export async function listSagas(
  db: NodePgDatabase,
  layout: SagaLayout,
  settings: SagaSettings,
  filter: SagaFilter,
  page: { offset: number; limit: number },
): Promise<{ rows: SagaRow[]; total: number; totalCapped: boolean }> {
  const w = where(layout, filter, settings);
  const t = sql`${ident(layout.table)} s`;
  // Oldest progress first for the stuck view (the longest waiting on top), newest first otherwise.
  const order = layout.columns.updatedAt
    ? filter.stuck
      ? sql`${layout.columns.updatedAt} asc`
      : sql`${layout.columns.updatedAt} desc`
    : sql`${layout.columns.id}`;
  const [list, counted] = await Promise.all([
    rows<RawSaga>(db, sql`select ${selectList(layout)} from ${t} where ${w} order by ${order} limit ${page.limit} offset ${page.offset}`),
    rows<{ n: string }>(db, sql`select count(*) as n from (select 1 from ${t} where ${w} limit ${COUNT_CAP + 1}) capped`),
  ]);
  const total = num(counted[0]?.n);
  return { rows: list.map(toSaga), total: Math.min(total, COUNT_CAP), totalCapped: total > COUNT_CAP };
}

/** Stuck sagas (up to `limit`, oldest progress first), for diagnosis and grouping. */
export async function stuckSagas(db: NodePgDatabase, layout: SagaLayout, settings: SagaSettings, limit: number): Promise<SagaRow[]> {
  const t = sql`${ident(layout.table)} s`;
  const order = layout.columns.updatedAt ? sql`${layout.columns.updatedAt} asc` : sql`${layout.columns.id}`;
  const list = await rows<RawSaga>(db, sql`select ${selectList(layout)} from ${t} where ${stuckPredicate(layout, settings)} order by ${order} limit ${limit}`);
  return list.map(toSaga);
}

export async function stuckCounts(db: NodePgDatabase, layout: SagaLayout, settings: SagaSettings): Promise<{ sagaType: string; count: number }[]> {
  const result = await rows<{ saga_type: string; n: string }>(
    db,
    sql`select ${layout.columns.sagaType} as saga_type, count(*) as n from ${ident(layout.table)} s where ${stuckPredicate(layout, settings)} group by 1 order by 1`,
  );
  return result.map((r) => ({ sagaType: r.saga_type, count: num(r.n) }));
}

export async function statusCounts(db: NodePgDatabase, layout: SagaLayout): Promise<{ sagaType: string; status: SagaStatus; count: number }[]> {
  const result = await rows<{ saga_type: string; status: SagaStatus; n: string }>(
    db,
    sql`select ${layout.columns.sagaType} as saga_type, ${layout.columns.status} as status, count(*) as n from ${ident(layout.table)} s group by 1, 2 order by 1, 2`,
  );
  return result.map((r) => ({ sagaType: r.saga_type, status: r.status, count: num(r.n) }));
}

export async function getSaga(db: NodePgDatabase, layout: SagaLayout, id: string): Promise<(SagaRow & { context: unknown }) | null> {
  const [r] = await rows<RawSaga>(
    db,
    sql`select ${selectList(layout)}, ${layout.columns.context} as context from ${ident(layout.table)} s where ${layout.idIs(id)} limit 1`,
  );
  return r ? { ...toSaga(r), context: r.context ?? null } : null;
}

export interface StepRow {
  id: number;
  step: string;
  action: "execute" | "compensate";
  status: "running" | "completed" | "failed";
  attempt: number;
  error: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  durationMs: number | null;
}

export async function sagaSteps(db: NodePgDatabase, layout: SagaLayout, sagaId: string, limit = 500): Promise<StepRow[]> {
  if (!layout.steps) return [];
  const s = layout.steps.columns;
  const i = (name: string) => ident(name);
  const result = await rows<{
    id: string;
    step: string;
    action: StepRow["action"];
    status: StepRow["status"];
    attempt: number;
    error: string | null;
    started_at: Date | null;
    finished_at: Date | null;
  }>(
    db,
    sql`select ${i(s.id)} as id, ${i(s.step)} as step, ${i(s.action)} as action, ${i(s.status)} as status, ${i(s.attempt)} as attempt,
               ${i(s.error)} as error, ${i(s.startedAt)} as started_at, ${i(s.finishedAt)} as finished_at
          from ${i(layout.steps.table)} where ${i(layout.steps.sagaId)} = ${sagaId}::uuid order by ${i(s.id)} limit ${limit}`,
  );
  return result.map((r) => {
    const startedAt = dateOrNull(r.started_at);
    const finishedAt = dateOrNull(r.finished_at);
    return {
      id: num(r.id),
      step: r.step,
      action: r.action,
      status: r.status,
      attempt: num(r.attempt),
      error: r.error,
      startedAt,
      finishedAt,
      durationMs: startedAt && finishedAt ? finishedAt.getTime() - startedAt.getTime() : null,
    };
  });
}

export interface CommandRow {
  id: string;
  sagaId: string;
  command: string;
  requestedBy: string;
  reason: string | null;
  requestedAt: Date | null;
  handledAt: Date | null;
  outcome: string | null;
  /** Derived from the outcome's prefix: applied / rejected, or pending while unhandled. */
  state: "pending" | "applied" | "rejected" | "handled";
}

type RawCommand = {
  id: string;
  saga_id: string;
  command: string;
  requested_by: string;
  reason: string | null;
  requested_at: Date | null;
  handled_at: Date | null;
  outcome: string | null;
};

export function commandState(handledAt: Date | null, outcome: string | null): CommandRow["state"] {
  if (!handledAt) return "pending";
  if (outcome?.startsWith("applied")) return "applied";
  if (outcome?.startsWith("rejected")) return "rejected";
  return "handled";
}

function commandSelect(layout: SagaLayout): SQL {
  const c = layout.commands!.columns;
  const i = (name: string) => ident(name);
  return sql`${i(c.id)}::text as id, ${i(c.sagaId)}::text as saga_id, ${i(c.command)} as command, ${i(c.requestedBy)} as requested_by,
    ${i(c.reason)} as reason, ${i(c.requestedAt)} as requested_at, ${i(c.handledAt)} as handled_at, ${i(c.outcome)} as outcome`;
}

export const toCommand = (r: RawCommand): CommandRow => ({
  id: r.id,
  sagaId: r.saga_id,
  command: r.command,
  requestedBy: r.requested_by,
  reason: r.reason,
  requestedAt: dateOrNull(r.requested_at),
  handledAt: dateOrNull(r.handled_at),
  outcome: r.outcome,
  state: commandState(dateOrNull(r.handled_at), r.outcome),
});

export async function sagaCommands(db: NodePgDatabase, layout: SagaLayout, sagaId: string, limit = 100): Promise<CommandRow[]> {
  if (!layout.commands) return [];
  const c = layout.commands.columns;
  const result = await rows<RawCommand>(
    db,
    sql`select ${commandSelect(layout)} from ${ident(layout.commands.table)} where ${ident(c.sagaId)} = ${sagaId}::uuid
         order by ${ident(c.requestedAt)} desc limit ${limit}`,
  );
  return result.map(toCommand);
}

export async function commandById(db: NodePgDatabase, layout: SagaLayout, id: string): Promise<CommandRow | null> {
  if (!layout.commands) return null;
  const [r] = await rows<RawCommand>(db, sql`select ${commandSelect(layout)} from ${ident(layout.commands.table)} where ${ident(layout.commands.columns.id)} = ${id}::uuid`);
  return r ? toCommand(r) : null;
}

/** Unhandled commands of these sagas (the orchestrator has not picked them up). */
export async function pendingCommands(db: NodePgDatabase, layout: SagaLayout, sagaIds: string[]): Promise<Map<string, CommandRow>> {
  const out = new Map<string, CommandRow>();
  if (!layout.commands || sagaIds.length === 0) return out;
  const c = layout.commands.columns;
  const result = await rows<RawCommand>(
    db,
    sql`select ${commandSelect(layout)} from ${ident(layout.commands.table)}
         where ${ident(c.handledAt)} is null and ${ident(c.sagaId)} = any(${sql.param(sagaIds)}::uuid[])`,
  );
  for (const r of result) out.set(r.saga_id, toCommand(r));
  return out;
}

/** Whether one saga is stuck by the same rule as the Stuck view. */
export async function isStuck(db: NodePgDatabase, layout: SagaLayout, settings: SagaSettings, id: string): Promise<boolean> {
  const result = await rows<{ one: number }>(db, sql`select 1 as one from ${ident(layout.table)} s where ${layout.idIs(id)} and ${stuckPredicate(layout, settings)}`);
  return result.length > 0;
}
