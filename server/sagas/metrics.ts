import { Gauge, type Registry } from "prom-client";
import type { Connections } from "~/server/connections/registry";
import { appDatabases } from "./context";
import type { ControlDb } from "~/server/db/control-store";
import { appSnapshot } from "./snapshot";

/**
 * Outbox and saga gauges from the collector round's snapshot (server/sagas/snapshot.ts), not a table scan per
 * scrape. A database that cannot be read leaves its series out and sets redrive_application_database_up to 0.
 */
export async function applicationMetrics(registry: Registry, store: ControlDb, connections: Connections): Promise<void> {
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new Gauge<L>({ name, help, labelNames: [...labelNames], registers: [registry] });
  const unpublished = gauge("redrive_outbox_unpublished", "Outbox rows not yet published", ["database"]);
  const oldestAge = gauge("redrive_outbox_oldest_unpublished_age_seconds", "Age of the oldest unpublished outbox row", ["database"]);
  const sagas = gauge("redrive_sagas", "Saga instances by type and status", ["database", "saga_type", "status"]);
  const stuck = gauge("redrive_sagas_stuck", "Stuck saga instances (no progress beyond the SLA, or compensation failed)", ["database", "saga_type"]);
  const up = gauge("redrive_application_database_up", "1 when the application database answered the scrape's queries", ["database"]);

  await Promise.all(
    appDatabases(connections).map(async (app) => {
      try {
        const { outbox: summary, statusCounts: counts, stuckCounts: stuckByType } = await appSnapshot(store, connections, app);
        if (summary && summary.unpublished !== null) {
          unpublished.set({ database: app.name }, summary.unpublished);
          oldestAge.set({ database: app.name }, summary.oldestAgeSeconds ?? 0);
        }
        for (const c of counts) sagas.set({ database: app.name, saga_type: c.sagaType, status: c.status }, c.count);
        const types = new Set(counts.map((c) => c.sagaType));
        for (const type of types) stuck.set({ database: app.name, saga_type: type }, 0);
        for (const s of stuckByType) stuck.set({ database: app.name, saga_type: s.sagaType }, s.count);
        up.set({ database: app.name }, 1);
      } catch {
        up.set({ database: app.name }, 0);
      }
    }),
  );
}
