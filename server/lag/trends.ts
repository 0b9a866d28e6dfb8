import { and, eq, gte, inArray, sql } from "drizzle-orm";
import type { ControlDb } from "~/server/db/control-store";
import { kafkaLagSamples } from "~/server/db/schema";
import { describeLag, type LagTrend, type TrendPoint } from "./lag-words";

/** The rates behind a trend are read over this many samples, and at least this long a span. */
const TREND_SAMPLES = 10;
const MIN_TREND_SECONDS = 120;

export function trendWindowSeconds(sampleIntervalSeconds: number): number {
  return Math.max(MIN_TREND_SECONDS, TREND_SAMPLES * sampleIntervalSeconds);
}

/** Per group, the summed lag and offsets of each raw sample in the window, oldest first. */
export async function groupTrendPoints(
  db: ControlDb,
  connection: string,
  groupIds: readonly string[],
  windowSeconds: number,
  now = Date.now(),
): Promise<Map<string, TrendPoint[]>> {
  const points = new Map<string, TrendPoint[]>();
  if (groupIds.length === 0) return points;
  const rows = await db
    .select({
      groupId: kafkaLagSamples.groupId,
      at: kafkaLagSamples.sampledAt,
      lag: sql<number>`sum(coalesce(${kafkaLagSamples.lag}, 0))::float8`,
      produced: sql<number>`sum(${kafkaLagSamples.logEndOffset})::float8`,
      consumed: sql<number>`sum(coalesce(${kafkaLagSamples.committedOffset}, ${kafkaLagSamples.logStartOffset}))::float8`,
    })
    .from(kafkaLagSamples)
    .where(
      and(
        eq(kafkaLagSamples.connection, connection),
        eq(kafkaLagSamples.resolutionSeconds, 0),
        inArray(kafkaLagSamples.groupId, [...groupIds]),
        gte(kafkaLagSamples.sampledAt, new Date(now - windowSeconds * 1000)),
      ),
    )
    .groupBy(kafkaLagSamples.groupId, kafkaLagSamples.sampledAt)
    .orderBy(kafkaLagSamples.sampledAt);
  for (const row of rows) {
    const list = points.get(row.groupId) ?? [];
    list.push({ at: row.at.getTime(), lag: Number(row.lag), produced: Number(row.produced), consumed: Number(row.consumed) });
    points.set(row.groupId, list);
  }
  return points;
}

/**
 * Attaches each group's lag in words, read from the same stored samples as its status. The lag now is the
 * row's own total (the snapshot the page shows), so words and figures never disagree.
 */
export async function withTrends<T extends { groupId: string; members: number; totalLag: number; sampledAt: Date }>(
  db: ControlDb,
  connection: string,
  rows: readonly T[],
  sampleIntervalSeconds: number,
): Promise<(T & { trend: LagTrend })[]> {
  const sampledAt = rows[0]?.sampledAt.getTime() ?? Date.now();
  const points = await groupTrendPoints(db, connection, rows.map((r) => r.groupId), trendWindowSeconds(sampleIntervalSeconds), sampledAt);
  return rows.map((row) => {
    const mine = (points.get(row.groupId) ?? []).filter((p) => p.at <= row.sampledAt.getTime());
    const last = mine.at(-1);
    if (last) last.lag = row.totalLag;
    return { ...row, trend: describeLag(mine, row.members) };
  });
}
