import { visible, type Readable } from "~/server/auth/permissions";
import { withTimeout, type SqsOverview } from "~/server/brokers/types";
import { partitionStatuses } from "~/server/lag/health-rules";
import { attentionGroups, attentionStreamConsumers, growingDlqs } from "~/server/lag/overview";
import { latestDepths } from "~/server/depth/latest";
import { errorMessage } from "~/server/lib/errors";
import { sharedRead } from "~/server/lib/shared-read";
import { createTRPCRouter, readableFor, viewerProcedure } from "~/server/api/trpc";
import { appDatabases } from "~/server/sagas/context";
import { appSnapshot } from "~/server/sagas/snapshot";

const OVERVIEW_TIMEOUT_MS = 8_000;
/** The cluster summaries are live broker reads: one per connection every few seconds, shared by all viewers. */
const OVERVIEW_SHARED_MS = 4_000;

/** Saga counts per status across types, as the Overview shows them. */
function perStatus(counts: { status: string; count: number }[]): { status: string; count: number }[] {
  const totals = new Map<string, number>();
  for (const row of counts) totals.set(row.status, (totals.get(row.status) ?? 0) + row.count);
  return [...totals].map(([status, count]) => ({ status, count })).sort((a, b) => a.status.localeCompare(b.status));
}

/** An SQS summary with only the queues the role may read (the shared read is the whole connection's). */
function scopedSqsOverview(overview: SqsOverview, connection: string, readable: Readable | null): SqsOverview {
  if (!readable) return overview;
  const queues = visible(overview.queues, readable, (queue) => ({ connection, resource: queue.name }));
  return {
    queueCount: queues.length,
    queues,
    deadLetterQueues: visible(overview.deadLetterQueues, readable, (queue) => ({ connection, resource: queue.name })),
    // A topic is a resource of the connection like a queue: shown where the role may read its name.
    topics: overview.topics && visible(overview.topics, readable, (topic) => ({ connection, resource: topic.name })),
    snsError: overview.snsError,
  };
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
    // A scoped role sees only the connections, queues and databases its read grant covers.
    const readable = readableFor(ctx);
    const connectionOf = (adapter: { name: string }) => ({ connection: adapter.name });
    const [kafka, sqs] = await Promise.all([
      Promise.all(
        visible([...all.kafka.values()], readable, connectionOf).map(async (adapter) => ({
          connection: adapter.name,
          result: await settle(`Kafka connection "${adapter.name}"`, () => sharedRead(adapter, "overview", OVERVIEW_SHARED_MS, () => adapter.overview())),
        })),
      ),
      Promise.all(
        visible([...all.sqs.values()], readable, connectionOf).map(async (adapter) => ({
          connection: adapter.name,
          result: await settle(`SQS connection "${adapter.name}"`, async () =>
            scopedSqsOverview(await sharedRead(adapter, "overview", OVERVIEW_SHARED_MS, () => adapter.overview()), adapter.name, readable),
          ),
        })),
      ),
    ]);
    // Saga and outbox counts come from the collector round's snapshot, not a saga-table scan per viewer.
    const databases = await Promise.all(
      visible(appDatabases(all), readable, (app) => ({ connection: app.name, resource: app.name })).map(async (app) => ({
        connection: app.name,
        result: await settle(`database "${app.name}"`, async () => {
          const snapshot = await appSnapshot(ctx.db, all, app);
          return { sagas: perStatus(snapshot.statusCounts), outbox: { unpublished: snapshot.outbox?.unpublished ?? 0, oldestAgeSeconds: snapshot.outbox?.oldestAgeSeconds ?? null } };
        }),
      })),
    );
    // The DLQ depths shown are the stored sample's, like every other page's, not this request's own read.
    const { dlqs } = await latestDepths(ctx.db, ctx.connections, readableFor(ctx));
    const stored = new Map(dlqs.map((d) => [`${d.kind}/${d.connection}/${d.name}`, d.depth]));
    const sqsWithStoredDepths = sqs.map(({ connection, result }) => ({
      connection,
      result: result.ok
        ? {
            ...result,
            data: {
              ...result.data,
              deadLetterQueues: result.data.deadLetterQueues.map((dlq) => ({ ...dlq, depth: stored.get(`sqs/${connection}/${dlq.name}`) ?? null })),
            },
          }
        : result,
    }));
    return { fetchedAt: new Date(), kafka, sqs: sqsWithStoredDepths, databases };
  }),

  /** What needs a human: consumer groups ranked by urgency and the DLQs that grew, from the stored samples. */
  hotspots: viewerProcedure.query(async ({ ctx }) => {
    const { dlqs } = await latestDepths(ctx.db, ctx.connections, readableFor(ctx));
    return {
      worstGroups: await attentionGroups(ctx.db, ctx.connections, readableFor(ctx)),
      // Only where a NATS connection is configured (null otherwise, so the Overview shows no empty card).
      streamConsumers: ctx.connections.nats.size > 0 ? await attentionStreamConsumers(ctx.db, ctx.connections, readableFor(ctx)) : null,
      growingDlqs: growingDlqs(dlqs),
      statuses: partitionStatuses,
    };
  }),
});
