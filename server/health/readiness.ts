import { readFileSync } from "node:fs";
import path from "node:path";
import { and, desc, eq, sql } from "drizzle-orm";
import { BROKER_KINDS, type BrokerKind } from "~/server/brokers/registry";
import type { Connections } from "~/server/connections/registry";
import type { ControlDb } from "~/server/db/control-store";
import { collectorRuns } from "~/server/db/schema";
import { COLLECTOR_LOCK_KEY } from "~/server/jobs/collector";
import { errorText } from "~/server/lib/logger";
import { LEASE_APPLICATION_PREFIX, REPLICA_ID } from "~/server/lib/replica";

const processStarted = Date.now();

export interface ConnectionSampleState {
  kind: BrokerKind;
  name: string;
  /** The latest collector run for it, whatever its outcome. */
  lastRunAt: string | null;
  lastSuccessAt: string | null;
  /** Seconds since the last successful sample (null: never). */
  sampleAgeSeconds: number | null;
  /** The latest run succeeded (false: the broker is down or refuses; the console still serves its last snapshot). */
  up: boolean;
}

export interface Readiness {
  ready: boolean;
  reasons: string[];
  replica: string;
  store: { reachable: boolean; migrationsApplied: boolean | null };
  collector: { leaseHolder: string | null; stalledAfterSeconds: number };
  connections: ConnectionSampleState[];
}

/**
 * How long without any collector run (successful or not) before the collector counts as stalled: three of the
 * slowest sampling intervals, at least 60 s, or REDRIVE_READY_STALL_SECONDS. A broker that is down is not a stall:
 * its runs keep failing (redrive_connection_up 0) while the console serves the last snapshot, so it stays ready.
 */
export function stallThresholdSeconds(connections: Connections, env = process.env): number {
  const configured = Number(env.REDRIVE_READY_STALL_SECONDS);
  if (Number.isFinite(configured) && configured > 0) return configured;
  const intervals = BROKER_KINDS.flatMap((kind) => connections.config[kind].map((c) => c.sampleIntervalSeconds ?? 15));
  return Math.max(60, 3 * Math.max(0, ...intervals));
}

let journalCount: number | null = null;
function migrationsInFolder(): number {
  journalCount ??= (
    JSON.parse(readFileSync(path.join(/*turbopackIgnore: true*/ process.cwd(), "drizzle", "meta", "_journal.json"), "utf8")) as { entries: unknown[] }
  ).entries.length;
  return journalCount;
}

type Rows<T> = { rows: T[] };

/** The last run and last successful run of every configured broker connection (index-backed reads). */
export async function connectionSampleStates(db: ControlDb, connections: Connections, now = Date.now()): Promise<ConnectionSampleState[]> {
  const targets = BROKER_KINDS.flatMap((kind) => [...connections[kind].keys()].map((name) => ({ kind, name })));
  return Promise.all(
    targets.map(async ({ kind, name }) => {
      const where = and(eq(collectorRuns.connectionKind, kind), eq(collectorRuns.connection, name));
      const latest = (q: typeof where) =>
        db.select({ finishedAt: collectorRuns.finishedAt, ok: collectorRuns.ok }).from(collectorRuns).where(q).orderBy(desc(collectorRuns.startedAt)).limit(1);
      const [[last], [lastOk]] = await Promise.all([latest(where), latest(and(where, eq(collectorRuns.ok, true)))]);
      return {
        kind,
        name,
        lastRunAt: last?.finishedAt.toISOString() ?? null,
        lastSuccessAt: lastOk?.finishedAt.toISOString() ?? null,
        sampleAgeSeconds: lastOk ? Math.max(0, Math.round((now - lastOk.finishedAt.getTime()) / 1000)) : null,
        up: last?.ok === true,
      };
    }),
  );
}

async function leaseHolder(db: ControlDb): Promise<string | null> {
  const result = (await db.execute(sql`
    select a.application_name as name from pg_locks l join pg_stat_activity a on a.pid = l.pid
    where l.locktype = 'advisory' and l.granted and ((l.classid::bigint << 32) | l.objid::bigint) = ${COLLECTOR_LOCK_KEY}
    limit 1`)) as unknown as Rows<{ name: string }>;
  const name = result.rows[0]?.name;
  return name ? name.slice(LEASE_APPLICATION_PREFIX.length) : null;
}

/** What /api/ready answers: a handful of small reads, no broker call. */
export async function readiness(
  db: ControlDb,
  connections: Connections,
  { now = Date.now(), startedAt = processStarted }: { now?: number; startedAt?: number } = {},
): Promise<Readiness> {
  const stalledAfterSeconds = stallThresholdSeconds(connections);
  const reasons: string[] = [];
  const result: Readiness = {
    ready: false,
    reasons,
    replica: REPLICA_ID,
    store: { reachable: false, migrationsApplied: null },
    collector: { leaseHolder: null, stalledAfterSeconds },
    connections: [],
  };
  try {
    const applied = (await db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`)) as unknown as Rows<{ n: number }>;
    result.store.reachable = true;
    result.store.migrationsApplied = (applied.rows[0]?.n ?? 0) >= migrationsInFolder();
    if (!result.store.migrationsApplied) reasons.push("control-store migrations not applied");
    [result.collector.leaseHolder, result.connections] = await Promise.all([leaseHolder(db), connectionSampleStates(db, connections, now)]);
  } catch (error) {
    reasons.push(`control store unreachable: ${errorText(error).slice(0, 200)}`);
    return result;
  }
  // Right after start-up the collector has not had its first round yet.
  const warmingUp = now - startedAt < stalledAfterSeconds * 1000;
  for (const c of result.connections) {
    const runAge = c.lastRunAt ? (now - Date.parse(c.lastRunAt)) / 1000 : Infinity;
    if (runAge > stalledAfterSeconds && !warmingUp) {
      reasons.push(`collector stalled: no sample of ${c.kind} "${c.name}" for ${Number.isFinite(runAge) ? `${Math.round(runAge)} s` : "ever"}`);
    }
  }
  result.ready = reasons.length === 0;
  return result;
}
