import { desc } from "drizzle-orm";
import { withTimeout } from "~/server/brokers/types";
import { kafkaGroupSamples } from "~/server/db/schema";
import { partitionStatuses, severity, type PartitionStatus } from "~/server/lag/health-rules";
import { groupRowsAt, latestGroupSampleTime } from "~/server/lag/queries";
import { latestDepths } from "./depth";
import { errorMessage } from "~/server/jobs/health-monitor";
import { createTRPCRouter, viewerProcedure } from "~/server/api/trpc";
import { appDatabases } from "~/server/sagas/context";
import { appSnapshot } from "~/server/sagas/snapshot";

const OVERVIEW_TIMEOUT_MS = 8_000;

/** Saga counts per status across types, as the Overview shows them. */
function perStatus(counts: { status: string; count: number }[]): { status: string; count: number }[] {
  const totals = new Map<string, number>();
  for (const row of counts) totals.set(row.status, (totals.get(row.status) ?? 0) + row.count);
  return [...totals].map(([status, count]) => ({ status, count })).sort((a, b) => a.status.localeCompare(b.status));
}

type Outcome<T> = { ok: true; data: T } | { ok: false; error: string };

/** One connection's failure is reported next to the others, never instead of them. */
async function settle<T>(what: string, work: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, data: await withTimeout(what, OVERVIEW_TIMEOUT_MS, work()) };
  } catch (error) {
    return { ok: false, error: errorMessage(error) };
  }
}

export const overviewRouter = createTRPCRouter({
  get: viewerProcedure.query(async ({ ctx }) => {
    const all = ctx.connections;
    const [kafka, sqs] = await Promise.all([
      Promise.all(
        [...all.kafka.values()].map(async (adapter) => ({
          connection: adapter.name,
          result: await settle(`Kafka connection "${adapter.name}"`, () => adapter.overview()),
        })),
      ),
      Promise.all(
        [...all.sqs.values()].map(async (adapter) => ({
          connection: adapter.name,
          result: await settle(`SQS connection "${adapter.name}"`, () => adapter.overview()),
        })),
      ),
    ]);
    // Saga and outbox counts come from the collector round's snapshot, not a saga-table scan per viewer.
    const databases = await Promise.all(
      appDatabases(all).map(async (app) => ({
        connection: app.name,
        result: await settle(`database "${app.name}"`, async () => {
          const snapshot = await appSnapshot(ctx.db, all, app);
          return { sagas: perStatus(snapshot.statusCounts), outbox: { unpublished: snapshot.outbox?.unpublished ?? 0, oldestAgeSeconds: snapshot.outbox?.oldestAgeSeconds ?? null } };
        }),
      })),
    );
    return { fetchedAt: new Date(), kafka, sqs, databases };
  }),

  /** The worst consumer groups and the fastest-growing DLQs, from the stored samples. */
  hotspots: viewerProcedure.query(async ({ ctx }) => {
    const groups = (
      await Promise.all(
        [...ctx.connections.kafka.keys()].map(async (connection) => {
          const sampledAt = await latestGroupSampleTime(ctx.db, connection);
          if (!sampledAt) return [];
          const rows = await groupRowsAt(ctx.db, connection, sampledAt).orderBy(desc(kafkaGroupSamples.totalLag)).limit(200);
          return rows.map((row) => ({ ...row, connection }));
        }),
      )
    ).flat();
    const worstGroups = groups
      .filter((g) => g.status !== "OK" || g.totalLag > 0)
      .sort(
        (a, b) =>
          severity(b.status as PartitionStatus) - severity(a.status as PartitionStatus) ||
          b.totalLag - a.totalLag ||
          a.groupId.localeCompare(b.groupId),
      )
      .slice(0, 5);
    const { dlqs } = await latestDepths(ctx.db, ctx.connections);
    const growingDlqs = dlqs
      .filter((d) => d.depth > 0)
      .sort((a, b) => (b.growthLastHour ?? 0) - (a.growthLastHour ?? 0) || b.depth - a.depth)
      .slice(0, 5);
    return { worstGroups, growingDlqs, statuses: partitionStatuses };
  }),
});
