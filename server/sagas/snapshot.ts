import { eq } from "drizzle-orm";
import superjson from "superjson";
import type { Connections } from "~/server/connections/registry";
import type { ControlDb } from "~/server/db/control-store";
import { appDatabaseSnapshots } from "~/server/db/schema";
import { errorText } from "~/server/lib/logger";
import { stuckKinds, type StuckKinds } from "./attention";
import type { AppDatabase } from "./context";
import { appDatabases } from "./context";
import { DIAGNOSE_LIMIT, diagnose, groupStuck, type Diagnosis, type StuckGroup } from "./diagnosis";
import { statusCounts, stuckCounts, stuckSagas, type SagaRow } from "./queries";

/**
 * The heavy reads of an application database — counts per type and status (a whole-table scan), stuck counts,
 * the diagnosed Stuck view and the outbox backlog — computed once per collector round by the lease holder and
 * stored, so fifty viewers and every Prometheus scrape read one row instead of repeating them. A snapshot older
 * than MAX_AGE_MS (no collector running) is not used: readers compute live, as before.
 */
export const MAX_AGE_MS = 60_000;

export interface AppSnapshot {
  statusCounts: Awaited<ReturnType<typeof statusCounts>>;
  stuckCounts: Awaited<ReturnType<typeof stuckCounts>>;
  /** The stuck total split: sagas that need a human, and those waiting on something that moves by itself. */
  stuckKinds: StuckKinds;
  stuckView: { sagas: (SagaRow & { diagnosis: Diagnosis | null })[]; groups: StuckGroup[] } | null;
  outbox: { unpublished: number | null; oldestAgeSeconds: number | null } | null;
}

/** Computes one database's snapshot from its tables (the live path too). */
export async function computeSnapshot(store: ControlDb, connections: Connections, app: AppDatabase): Promise<AppSnapshot> {
  const layout = app.sagas;
  const [counts, stuck, sagas, outbox] = await Promise.all([
    layout ? statusCounts(app.db, layout) : [],
    layout ? stuckCounts(app.db, layout, app.config.sagas) : [],
    layout ? stuckSagas(app.db, layout, app.config.sagas, DIAGNOSE_LIMIT) : null,
    app.outbox.capabilities.insertOnly ? null : app.outbox.summary(app.db),
  ]);
  let stuckView: AppSnapshot["stuckView"] = null;
  if (sagas) {
    const diagnoses = await diagnose(store, connections, app, sagas);
    stuckView = { sagas: sagas.map((s) => ({ ...s, diagnosis: diagnoses.get(s.id) ?? null })), groups: groupStuck(sagas, diagnoses) };
  }
  return {
    statusCounts: counts,
    stuckCounts: stuck,
    stuckKinds: stuckKinds(counts, stuck, stuckView?.sagas ?? null),
    stuckView,
    outbox: outbox ? { unpublished: outbox.unpublished, oldestAgeSeconds: outbox.oldestAgeSeconds } : null,
  };
}

/** One collector round: every application database, one after another; a failure is stored, not thrown. */
export async function snapshotApplicationDatabases(store: ControlDb, connections: Connections, now = new Date()): Promise<void> {
  for (const app of appDatabases(connections)) {
    let value: unknown = null;
    let error: string | null = null;
    try {
      value = superjson.serialize(await computeSnapshot(store, connections, app));
    } catch (caught) {
      error = errorText(caught);
    }
    await storeSnapshot(store, app.name, now, value, error);
  }
}

async function storeSnapshot(store: ControlDb, database: string, sampledAt: Date, value: unknown, error: string | null): Promise<void> {
  const row = { sampledAt, value, error };
  await store.insert(appDatabaseSnapshots).values({ database, ...row }).onConflictDoUpdate({ target: appDatabaseSnapshots.database, set: row });
}

// Without a fresh collector round (none running), concurrent readers share one live computation per database;
// it is not stored, so what a reader sees then equals the tables.
const inFlight = new Map<string, Promise<AppSnapshot & { sampledAt: Date }>>();

// Decoded snapshots per store and database, reused while the stored row's sampledAt is unchanged: a reader then
// reads two small columns instead of the whole diagnosed Stuck view (jsonb parse plus superjson walk per request).
const decoded = new WeakMap<ControlDb, Map<string, { sampledAt: number; value: AppSnapshot }>>();

async function storedSnapshot(store: ControlDb, database: string, row: { sampledAt: Date }): Promise<AppSnapshot | null> {
  const cache = decoded.get(store) ?? new Map<string, { sampledAt: number; value: AppSnapshot }>();
  decoded.set(store, cache);
  const hit = cache.get(database);
  if (hit && hit.sampledAt === row.sampledAt.getTime()) return hit.value;
  const [full] = await store
    .select({ sampledAt: appDatabaseSnapshots.sampledAt, value: appDatabaseSnapshots.value })
    .from(appDatabaseSnapshots)
    .where(eq(appDatabaseSnapshots.database, database));
  if (!full?.value) return null;
  const value = superjson.deserialize<AppSnapshot>(full.value as Parameters<typeof superjson.deserialize>[0]);
  cache.set(database, { sampledAt: full.sampledAt.getTime(), value });
  return value;
}

/**
 * The collector round's snapshot when fresh; otherwise computed live (once for concurrent readers). A stored
 * failure is thrown like a live one. The value is shared between readers: treat it as read-only.
 */
export async function appSnapshot(store: ControlDb, connections: Connections, app: AppDatabase, now = Date.now()): Promise<AppSnapshot & { sampledAt: Date }> {
  const [row] = await store
    .select({ sampledAt: appDatabaseSnapshots.sampledAt, error: appDatabaseSnapshots.error })
    .from(appDatabaseSnapshots)
    .where(eq(appDatabaseSnapshots.database, app.name));
  if (row && now - row.sampledAt.getTime() <= MAX_AGE_MS) {
    if (row.error) throw new Error(row.error);
    const stored = await storedSnapshot(store, app.name, row);
    if (stored) {
      // A row stored by an older version has no split yet: derived from what it holds.
      const kinds = stored.stuckKinds ?? stuckKinds(stored.statusCounts, stored.stuckCounts, stored.stuckView?.sagas ?? null);
      return { ...stored, stuckKinds: kinds, sampledAt: row.sampledAt };
    }
  }
  let live = inFlight.get(app.name);
  if (!live) {
    live = (async () => {
      const sampledAt = new Date();
      return { ...(await computeSnapshot(store, connections, app)), sampledAt };
    })().finally(() => inFlight.delete(app.name));
    inFlight.set(app.name, live);
  }
  return live;
}
