import { and, eq, gte, sql } from "drizzle-orm";
import type { ControlDb } from "~/server/db/control-store";
import { outboxSamples } from "~/server/db/schema";
import { bucketSeconds, sinceFor, type RangeKey } from "~/server/lag/queries";
import { OUTBOX_SAMPLE_INTERVAL_MS } from "~/server/jobs/outbox-sampler";

/** Backlog, age of the oldest unpublished row and publish rate over time, averaged per bucket. */
export async function outboxHistory(db: ControlDb, database: string, range: RangeKey) {
  const bucket = bucketSeconds(range, OUTBOX_SAMPLE_INTERVAL_MS / 1000);
  const interval = sql.raw(`'${bucket} seconds'::interval`);
  const rows = await db
    .select({
      at: sql<string>`date_bin(${interval}, ${outboxSamples.sampledAt}, timestamptz '2000-01-01')`.as("at"),
      unpublished: sql<number>`avg(${outboxSamples.unpublished})::float8`,
      oldestAgeSeconds: sql<number | null>`max(extract(epoch from ${outboxSamples.sampledAt} - ${outboxSamples.oldestUnpublishedAt}))::float8`,
      publishedPerMinute: sql<number | null>`avg(${outboxSamples.publishedLastMinute})::float8`,
      failing: sql<number>`max(${outboxSamples.failing})::float8`,
    })
    .from(outboxSamples)
    .where(and(eq(outboxSamples.database, database), gte(outboxSamples.sampledAt, sinceFor(range))))
    .groupBy(sql`1`)
    .orderBy(sql`1`);
  return {
    bucketSeconds: bucket,
    points: rows.map((r) => ({
      at: new Date(r.at),
      unpublished: Number(r.unpublished),
      oldestAgeSeconds: r.oldestAgeSeconds === null ? null : Number(r.oldestAgeSeconds),
      publishedPerMinute: r.publishedPerMinute === null ? null : Number(r.publishedPerMinute),
      failing: Number(r.failing),
    })),
  };
}
