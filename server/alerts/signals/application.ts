import { and, asc, gte, inArray, lte, or } from "drizzle-orm";
import { outboxSamples, replayJobs, replayJobStates } from "~/server/db/schema";
import { appDatabases } from "~/server/sagas/context";
import { statusCounts, stuckCounts } from "~/server/sagas/queries";
import { globMatches } from "../scope";
import type { Series } from "../types";
import { enc, likeAny, toSeries, type SignalContext, type SignalDef, type SignalQuery } from "./types";

async function outboxRows(ctx: SignalContext, query: SignalQuery) {
  return ctx.db
    .select()
    .from(outboxSamples)
    .where(
      and(
        gte(outboxSamples.sampledAt, new Date(query.since)),
        lte(outboxSamples.sampledAt, new Date(query.until)),
        likeAny(outboxSamples.database, query.scope.connections),
      ),
    )
    .orderBy(asc(outboxSamples.sampledAt));
}

type OutboxRow = Awaited<ReturnType<typeof outboxRows>>[number];

const oldestAge = (row: OutboxRow) =>
  row.unpublished > 0 && row.oldestUnpublishedAt ? Math.max(0, (row.sampledAt.getTime() - row.oldestUnpublishedAt.getTime()) / 1000) : 0;

const outboxSeries = (rows: OutboxRow[], value: (row: OutboxRow) => number): Series[] =>
  toSeries(
    rows,
    (row) => ({ key: `database/${row.database}`, connection: row.database, name: row.database, labels: { database: row.database }, path: "/outbox" }),
    (row) => ({ at: row.sampledAt.getTime(), value: value(row) }),
  );

export const outboxOldestAge: SignalDef = {
  id: "outbox_oldest_age",
  title: "Outbox: oldest unpublished row's age",
  description: "Seconds the oldest unpublished outbox row has waited (0 when nothing waits).",
  object: "database",
  unit: "seconds",
  history: true,
  read: async (ctx, query) => outboxSeries(await outboxRows(ctx, query), oldestAge),
};

export const outboxRelayStall: SignalDef = {
  id: "outbox_relay_stall",
  title: "Outbox relay stalled (seconds)",
  description:
    "The oldest unpublished row's age while nothing was published in the minute before the sample (or the layout cannot tell); 0 while the relay publishes.",
  object: "database",
  unit: "seconds",
  history: true,
  read: async (ctx, query) => outboxSeries(await outboxRows(ctx, query), (row) => ((row.publishedLastMinute ?? 0) === 0 ? oldestAge(row) : 0)),
};

/** Saga counts per database and type, read from the application databases now (they keep no history). */
async function sagaSeries(ctx: SignalContext, query: SignalQuery, kind: "stuck" | "compensation_failed"): Promise<Series[]> {
  const at = query.until;
  const perDatabase = await Promise.all(
    appDatabases(ctx.connections)
      .filter((app) => app.sagas && (query.scope.connections.length === 0 || query.scope.connections.some((p) => globMatches(p, app.name))))
      .map(async (app) => {
        const layout = app.sagas!;
        const counts = await statusCounts(app.db, layout);
        const values = new Map<string, number>(counts.map((c) => [c.sagaType, 0]));
        if (kind === "stuck") for (const s of await stuckCounts(app.db, layout, app.config.sagas)) values.set(s.sagaType, s.count);
        else for (const c of counts) if (c.status === "compensation_failed") values.set(c.sagaType, c.count);
        return [...values].map(
          ([sagaType, value]): Series => ({
            key: `database/${app.name}/${sagaType}`,
            connection: app.name,
            name: sagaType,
            labels: { database: app.name, saga_type: sagaType },
            path: `/sagas?database=${enc(app.name)}&type=${enc(sagaType)}`,
            points: [{ at, value }],
          }),
        );
      }),
  );
  return perDatabase.flat();
}

export const sagasStuck: SignalDef = {
  id: "sagas_stuck",
  title: "Stuck sagas per type",
  description: "Sagas without progress beyond their SLA (or whose compensation failed), per database and saga type. Read live.",
  object: "saga_type",
  unit: "count",
  history: false,
  read: (ctx, query) => sagaSeries(ctx, query, "stuck"),
};

export const sagasCompensationFailed: SignalDef = {
  id: "sagas_compensation_failed",
  title: "Sagas whose compensation failed",
  description: "Sagas in status compensation_failed, per database and saga type. Read live.",
  object: "saga_type",
  unit: "count",
  history: false,
  read: (ctx, query) => sagaSeries(ctx, query, "compensation_failed"),
};

export const replayJobState: SignalDef = {
  id: "replay_job_state",
  title: "Replay job state",
  description: "Each bulk replay job's state (paused and failed ones need a person). Jobs updated in the last day or still paused/failed.",
  object: "replay_job",
  unit: "status",
  statuses: replayJobStates,
  history: false,
  async read(ctx, query) {
    const rows = await ctx.db
      .select({ id: replayJobs.id, kind: replayJobs.kind, connection: replayJobs.connection, dlq: replayJobs.dlq, state: replayJobs.state })
      .from(replayJobs)
      .where(and(or(gte(replayJobs.updatedAt, new Date(query.until - 86_400_000)), inArray(replayJobs.state, ["paused", "failed"])), likeAny(replayJobs.connection, query.scope.connections)));
    return rows.map((job) => ({
      key: `replay/${job.id}`,
      connection: job.connection,
      name: job.id,
      labels: { kind: job.kind, connection: job.connection, dlq: job.dlq, job: job.id },
      path: `/replays/${job.id}`,
      points: [{ at: query.until, value: job.state }],
    }));
  },
};
