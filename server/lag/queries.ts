import { and, desc, eq, gte, inArray, sql, type SQL } from "drizzle-orm";
import type { ControlDb } from "~/server/db/control-store";
import { collectorRuns, kafkaDlqSamples, kafkaGroupSamples, kafkaLagSamples, sqsQueueSamples } from "~/server/db/schema";

export const ranges = { "15m": 15 * 60, "1h": 3600, "6h": 6 * 3600, "24h": 86_400, "7d": 7 * 86_400 } as const;
export type RangeKey = keyof typeof ranges;

/** Chart points are averaged into buckets so any range returns about this many points. */
const POINTS_PER_CHART = 240;

export function bucketSeconds(range: RangeKey, sampleIntervalSeconds: number): number {
  return Math.max(sampleIntervalSeconds, Math.ceil(ranges[range] / POINTS_PER_CHART));
}

export interface SnapshotState {
  connection: string;
  kind: "kafka" | "sqs";
  /** Time of the newest stored sample (null: never sampled). */
  sampledAt: Date | null;
  /** The newest collection attempt, which may have failed after the last good sample. */
  lastRunAt: Date | null;
  lastRunOk: boolean | null;
  lastError: string | null;
}

export async function snapshotState(db: ControlDb, kind: "kafka" | "sqs", connection: string, sampledAt: Date | null): Promise<SnapshotState> {
  const [run] = await db
    .select()
    .from(collectorRuns)
    .where(and(eq(collectorRuns.connectionKind, kind), eq(collectorRuns.connection, connection)))
    .orderBy(desc(collectorRuns.startedAt))
    .limit(1);
  return { connection, kind, sampledAt, lastRunAt: run?.startedAt ?? null, lastRunOk: run?.ok ?? null, lastError: run?.ok ? null : (run?.error ?? null) };
}

export async function latestGroupSampleTime(db: ControlDb, connection: string): Promise<Date | null> {
  const [row] = await db
    .select({ at: sql<Date | null>`max(${kafkaGroupSamples.sampledAt})`.mapWith((v: string | Date | null) => (v ? new Date(v) : null)) })
    .from(kafkaGroupSamples)
    .where(and(eq(kafkaGroupSamples.connection, connection), eq(kafkaGroupSamples.resolutionSeconds, 0)));
  return row?.at ?? null;
}

export async function latestQueueSampleTime(db: ControlDb, connection: string): Promise<Date | null> {
  const [row] = await db
    .select({ at: sql<Date | null>`max(${sqsQueueSamples.sampledAt})`.mapWith((v: string | Date | null) => (v ? new Date(v) : null)) })
    .from(sqsQueueSamples)
    .where(and(eq(sqsQueueSamples.connection, connection), eq(sqsQueueSamples.resolutionSeconds, 0)));
  return row?.at ?? null;
}

export async function latestDlqTopicSampleTime(db: ControlDb, connection: string): Promise<Date | null> {
  const [row] = await db
    .select({ at: sql<Date | null>`max(${kafkaDlqSamples.sampledAt})`.mapWith((v: string | Date | null) => (v ? new Date(v) : null)) })
    .from(kafkaDlqSamples)
    .where(and(eq(kafkaDlqSamples.connection, connection), eq(kafkaDlqSamples.resolutionSeconds, 0)));
  return row?.at ?? null;
}

export function groupRowsAt(db: ControlDb, connection: string, sampledAt: Date, where?: SQL) {
  return db
    .select()
    .from(kafkaGroupSamples)
    .where(and(eq(kafkaGroupSamples.connection, connection), eq(kafkaGroupSamples.sampledAt, sampledAt), where));
}

export function partitionRowsAt(db: ControlDb, connection: string, groupId: string, sampledAt: Date) {
  return db
    .select()
    .from(kafkaLagSamples)
    .where(and(eq(kafkaLagSamples.connection, connection), eq(kafkaLagSamples.groupId, groupId), eq(kafkaLagSamples.sampledAt, sampledAt)))
    .orderBy(kafkaLagSamples.topic, kafkaLagSamples.partition);
}

/** Samples within the range, averaged per bucket: raw and 1-minute rows alike. */
export function sinceFor(range: RangeKey, now = Date.now()): Date {
  return new Date(now - ranges[range] * 1000);
}

export async function groupHistory(
  db: ControlDb,
  options: { connection: string; groupId: string; range: RangeKey; bucket: number; topic?: string; partition?: number },
) {
  const since = sinceFor(options.range);
  const bucket = sql.raw(`'${options.bucket} seconds'::interval`);
  const filters: SQL[] = [
    eq(kafkaLagSamples.connection, options.connection),
    eq(kafkaLagSamples.groupId, options.groupId),
    gte(kafkaLagSamples.sampledAt, since),
  ];
  if (options.topic) filters.push(eq(kafkaLagSamples.topic, options.topic));
  if (options.partition !== undefined) filters.push(eq(kafkaLagSamples.partition, options.partition));
  // Per sample: total lag, max lag seconds, and the summed log-end and committed offsets whose change over
  // time is the produce and consume rate.
  const perSample = db
    .select({
      at: kafkaLagSamples.sampledAt,
      lag: sql<number>`sum(coalesce(${kafkaLagSamples.lag}, 0))`.as("lag"),
      lagSeconds: sql<number | null>`max(${kafkaLagSamples.lagSeconds})`.as("lag_seconds"),
      produced: sql<number>`sum(${kafkaLagSamples.logEndOffset})`.as("produced"),
      consumed: sql<number>`sum(coalesce(${kafkaLagSamples.committedOffset}, ${kafkaLagSamples.logStartOffset}))`.as("consumed"),
    })
    .from(kafkaLagSamples)
    .where(and(...filters))
    .groupBy(kafkaLagSamples.sampledAt)
    .as("per_sample");
  const rows = await db
    .select({
      at: sql<string>`date_bin(${bucket}, ${perSample.at}, timestamptz '2000-01-01')`.as("at"),
      lag: sql<number>`avg(${perSample.lag})::float8`,
      lagSeconds: sql<number | null>`max(${perSample.lagSeconds})::float8`,
      produced: sql<number>`max(${perSample.produced})::float8`,
      consumed: sql<number>`max(${perSample.consumed})::float8`,
    })
    .from(perSample)
    .groupBy(sql`1`)
    .orderBy(sql`1`);
  return rows.map((row, index) => {
    const previous = rows[index - 1];
    const seconds = previous ? (new Date(row.at).getTime() - new Date(previous.at).getTime()) / 1000 : 0;
    const rate = (now: number, before: number | undefined) => (previous && seconds > 0 && before !== undefined ? Math.max(0, (now - before) / seconds) : null);
    return {
      at: new Date(row.at),
      lag: Number(row.lag),
      lagSeconds: row.lagSeconds === null ? null : Number(row.lagSeconds),
      produceRate: rate(Number(row.produced), previous ? Number(previous.produced) : undefined),
      consumeRate: rate(Number(row.consumed), previous ? Number(previous.consumed) : undefined),
    };
  });
}

export async function queueDepthHistory(db: ControlDb, options: { connection: string; queues: string[]; range: RangeKey; bucket: number }) {
  if (options.queues.length === 0) return [];
  const bucket = sql.raw(`'${options.bucket} seconds'::interval`);
  const rows = await db
    .select({
      at: sql<string>`date_bin(${bucket}, ${sqsQueueSamples.sampledAt}, timestamptz '2000-01-01')`.as("at"),
      queue: sqsQueueSamples.queue,
      depth: sql<number>`avg(${sqsQueueSamples.visible})::float8`,
    })
    .from(sqsQueueSamples)
    .where(
      and(
        eq(sqsQueueSamples.connection, options.connection),
        inArray(sqsQueueSamples.queue, options.queues),
        gte(sqsQueueSamples.sampledAt, sinceFor(options.range)),
      ),
    )
    .groupBy(sql`1`, sqsQueueSamples.queue)
    .orderBy(sql`1`);
  return rows.map((row) => ({ at: new Date(row.at), name: row.queue, depth: Number(row.depth) }));
}

export async function dlqTopicHistory(db: ControlDb, options: { connection: string; topics: string[]; range: RangeKey; bucket: number }) {
  if (options.topics.length === 0) return [];
  const bucket = sql.raw(`'${options.bucket} seconds'::interval`);
  const rows = await db
    .select({
      at: sql<string>`date_bin(${bucket}, ${kafkaDlqSamples.sampledAt}, timestamptz '2000-01-01')`.as("at"),
      topic: kafkaDlqSamples.topic,
      depth: sql<number>`avg(${kafkaDlqSamples.retainedMessages})::float8`,
    })
    .from(kafkaDlqSamples)
    .where(
      and(
        eq(kafkaDlqSamples.connection, options.connection),
        inArray(kafkaDlqSamples.topic, options.topics),
        gte(kafkaDlqSamples.sampledAt, sinceFor(options.range)),
      ),
    )
    .groupBy(sql`1`, kafkaDlqSamples.topic)
    .orderBy(sql`1`);
  return rows.map((row) => ({ at: new Date(row.at), name: row.topic, depth: Number(row.depth) }));
}

/** Depth an hour ago (the sample closest after that time), for growth figures. */
export async function queueDepthHourAgo(db: ControlDb, connection: string): Promise<Map<string, number>> {
  const hourAgo = new Date(Date.now() - 3_600_000);
  const rows = await db
    .selectDistinctOn([sqsQueueSamples.queue], { queue: sqsQueueSamples.queue, visible: sqsQueueSamples.visible })
    .from(sqsQueueSamples)
    .where(and(eq(sqsQueueSamples.connection, connection), gte(sqsQueueSamples.sampledAt, hourAgo)))
    .orderBy(sqsQueueSamples.queue, sqsQueueSamples.sampledAt);
  return new Map(rows.map((row) => [row.queue, row.visible]));
}

export async function dlqTopicDepthHourAgo(db: ControlDb, connection: string): Promise<Map<string, number>> {
  const hourAgo = new Date(Date.now() - 3_600_000);
  const rows = await db
    .selectDistinctOn([kafkaDlqSamples.topic], { topic: kafkaDlqSamples.topic, retained: kafkaDlqSamples.retainedMessages })
    .from(kafkaDlqSamples)
    .where(and(eq(kafkaDlqSamples.connection, connection), gte(kafkaDlqSamples.sampledAt, hourAgo)))
    .orderBy(kafkaDlqSamples.topic, kafkaDlqSamples.sampledAt);
  return new Map(rows.map((row) => [row.topic, row.retained]));
}
