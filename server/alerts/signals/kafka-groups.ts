import { and, asc, gte, lte } from "drizzle-orm";
import { kafkaGroupSamples } from "~/server/db/schema";
import { partitionStatuses } from "~/server/lag/health-rules";
import type { Point, Series } from "../types";
import { enc, likeAny, toSeries, windowedChange, type SignalContext, type SignalDef, type SignalQuery } from "./types";

type Column = "status" | "totalLag" | "maxLagSeconds";

/** Consumer-group rows from the stored group samples (raw and 1-minute rollups alike). */
async function groupSeries(ctx: SignalContext, query: SignalQuery, column: Column, extraHistoryMs = 0): Promise<Series[]> {
  const rows = await ctx.db
    .select({
      connection: kafkaGroupSamples.connection,
      groupId: kafkaGroupSamples.groupId,
      at: kafkaGroupSamples.sampledAt,
      value: kafkaGroupSamples[column],
    })
    .from(kafkaGroupSamples)
    .where(
      and(
        gte(kafkaGroupSamples.sampledAt, new Date(query.since - extraHistoryMs)),
        lte(kafkaGroupSamples.sampledAt, new Date(query.until)),
        likeAny(kafkaGroupSamples.connection, query.scope.connections),
        likeAny(kafkaGroupSamples.groupId, query.scope.names),
      ),
    )
    .orderBy(asc(kafkaGroupSamples.sampledAt));
  return toSeries(
    rows,
    (row) => ({
      key: `kafka/${row.connection}/${row.groupId}`,
      connection: row.connection,
      name: row.groupId,
      labels: { connection: row.connection, group: row.groupId },
      path: `/lag/${enc(row.connection)}/${enc(row.groupId)}`,
    }),
    (row): Point => ({ at: row.at.getTime(), value: row.value === null ? null : typeof row.value === "string" ? row.value : Number(row.value) }),
  );
}

export const consumerStatus: SignalDef = {
  id: "consumer_status",
  title: "Consumer group status",
  description: "The group's health without thresholds (OK, WARN, REWIND, STALL, STOP), the worst of its partitions.",
  object: "group",
  unit: "status",
  statuses: partitionStatuses,
  history: true,
  read: (ctx, query) => groupSeries(ctx, query, "status"),
};

export const consumerLag: SignalDef = {
  id: "consumer_lag",
  title: "Consumer lag (messages)",
  description: "Messages the group has not consumed yet, summed over its partitions.",
  object: "group",
  unit: "count",
  history: true,
  read: (ctx, query) => groupSeries(ctx, query, "totalLag"),
};

export const consumerLagSeconds: SignalDef = {
  id: "consumer_lag_seconds",
  title: "Consumer lag (seconds)",
  description: "How far behind the group is in time: the largest lag in seconds among its partitions.",
  object: "group",
  unit: "seconds",
  history: true,
  read: (ctx, query) => groupSeries(ctx, query, "maxLagSeconds"),
};

export const consumerLagGrowth: SignalDef = {
  id: "consumer_lag_growth",
  title: "Falling behind (lag growth per second)",
  description: "Produce rate minus consume rate over the window: above 0 the group is falling behind.",
  object: "group",
  unit: "per_second",
  history: true,
  defaultWindowSeconds: 300,
  async read(ctx, query) {
    const windowMs = query.windowSeconds * 1000;
    const series = await groupSeries(ctx, query, "totalLag", windowMs);
    return series.map((s) => ({ ...s, points: windowedChange(s.points, windowMs, query.since, true) })).filter((s) => s.points.length > 0);
  },
};
