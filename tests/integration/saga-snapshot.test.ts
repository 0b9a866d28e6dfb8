import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sagaInstances } from "~/demo/db/schema";
import { appDatabaseSnapshots } from "~/server/db/schema";
import { renderMetrics } from "~/server/metrics/prometheus";
import { appDatabases } from "~/server/sagas/context";
import { appSnapshot, MAX_AGE_MS, snapshotApplicationDatabases } from "~/server/sagas/snapshot";
import { createDemoDatabase, type TestDatabase } from "../fixtures/database";
import { sagaFixtures, type SagaFixture } from "../fixtures/sagas";
import { ApiHarness } from "./helpers/api";

// The heavy saga reads are computed once per collector round and read from the control store by the
// Stuck view, the Overview and /api/metrics; without a fresh round they are computed live.
let tdb: TestDatabase;
let fx: SagaFixture;
let api: ApiHarness;

beforeAll(async () => {
  tdb = await createDemoDatabase();
  fx = await sagaFixtures(tdb.db, { stuckForSeconds: 900, statuses: ["running", "completed"], perStatus: 3 });
  api = await ApiHarness.start({ kafka: [], databases: [{ name: "orders", url: tdb.url, sagas: { stuckAfterSeconds: 300 } }] });
});

afterAll(async () => {
  await api?.close();
  await fx?.cleanup();
  await tdb?.cleanup();
});

const metric = (body: string, labels: string) => new RegExp(`^redrive_sagas\\{${labels}\\} (\\S+)$`, "m").exec(body)?.[1];

describe("saga snapshots", () => {
  it("serve the round's numbers until the next round, then the new ones", async () => {
    const app = appDatabases(api.connections)[0]!;
    await snapshotApplicationDatabases(api.store.db, api.connections);
    const first = await appSnapshot(api.store.db, api.connections, app);
    expect(first.stuckCounts).toEqual([{ sagaType: "OrderFulfilment", count: 3 }]);
    expect(first.stuckView?.sagas).toHaveLength(3);
    expect(first.stuckView?.sagas[0]?.updatedAt).toBeInstanceOf(Date); // dates survive the store

    // The table changes: readers keep the round's snapshot (one read of the store, no table scan)...
    await tdb.db.update(sagaInstances).set({ status: "completed" }).where(eq(sagaInstances.id, fx.sagas.running[0]!));
    expect((await appSnapshot(api.store.db, api.connections, app)).stuckCounts[0]?.count).toBe(3);
    expect(metric((await renderMetrics(api.store.db, api.connections)).body, 'database="orders",saga_type="OrderFulfilment",status="running"')).toBe("3");
    const view = await api.data<{ total: number; sampledAt: Date }>("sagas.stuck", {
      kind: "query",
      input: { database: "orders" },
      headers: { authorization: `Bearer ${await api.tokenFor("viewer")}` },
    });
    expect(view.total).toBe(3);

    // ...until the next round.
    await snapshotApplicationDatabases(api.store.db, api.connections);
    expect((await appSnapshot(api.store.db, api.connections, app)).stuckCounts[0]?.count).toBe(2);
  });

  it("are not used once older than a round can explain: readers compute live", async () => {
    const app = appDatabases(api.connections)[0]!;
    await api.store.db.update(appDatabaseSnapshots).set({ sampledAt: new Date(Date.now() - MAX_AGE_MS - 1000) });
    await tdb.db.update(sagaInstances).set({ status: "completed" }).where(eq(sagaInstances.id, fx.sagas.running[1]!));
    expect((await appSnapshot(api.store.db, api.connections, app)).stuckCounts[0]?.count).toBe(1);
  });
});
