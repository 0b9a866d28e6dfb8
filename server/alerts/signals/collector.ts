import { and, asc, gte, lte } from "drizzle-orm";
import { collectorRuns } from "~/server/db/schema";
import type { Point, Series } from "../types";
import { likeAny, toSeries, type SignalContext, type SignalQuery, type SignalDef } from "./types";

async function runs(ctx: SignalContext, query: SignalQuery, extraHistoryMs = 0) {
  return ctx.db
    .select()
    .from(collectorRuns)
    .where(
      and(
        gte(collectorRuns.startedAt, new Date(query.since - extraHistoryMs)),
        lte(collectorRuns.startedAt, new Date(query.until)),
        likeAny(collectorRuns.connection, query.scope.connections),
      ),
    )
    .orderBy(asc(collectorRuns.startedAt));
}

type Run = Awaited<ReturnType<typeof runs>>[number];

const describe = (run: Run) => ({
  key: `${run.connectionKind}/${run.connection}`,
  connection: run.connection,
  name: run.connection,
  labels: { kind: run.connectionKind, connection: run.connection },
  path: "/settings",
});

export const connectionUnreachable: SignalDef = {
  id: "connection_unreachable",
  title: "Connection unreachable",
  description: "1 when the collector's last attempt on a Kafka cluster or SQS endpoint failed, 0 when it succeeded.",
  object: "connection",
  unit: "flag",
  history: true,
  read: async (ctx, query) => toSeries(await runs(ctx, query), describe, (run) => ({ at: run.startedAt.getTime(), value: run.ok ? 0 : 1 })),
};

/** Staleness is a function of time, not of samples: evaluated on a grid (and at `until`, the live case). */
const STALE_LOOKBACK_MS = 6 * 3_600_000;
const STALE_GRID_MS = 60_000;

export const samplesStale: SignalDef = {
  id: "samples_stale",
  title: "Stale samples (collector)",
  description: "Seconds since the collector last sampled the connection successfully.",
  object: "connection",
  unit: "seconds",
  history: true,
  async read(ctx, query) {
    const series = toSeries(await runs(ctx, query, STALE_LOOKBACK_MS), describe, (run) => ({ at: run.finishedAt.getTime(), value: run.ok ? 1 : 0 }));
    return series.map((s): Series => {
      const okTimes = s.points.filter((p) => p.value === 1).map((p) => p.at);
      const grid: number[] = [];
      for (let at = query.until; at >= query.since && grid.length < 20_000; at -= STALE_GRID_MS) grid.unshift(at);
      let next = 0;
      let lastOk: number | null = null;
      const points: Point[] = grid.map((at) => {
        while (next < okTimes.length && okTimes[next]! <= at) lastOk = okTimes[next++]!;
        return { at, value: lastOk === null ? null : (at - lastOk) / 1000 };
      });
      return { ...s, points };
    });
  },
};
