import type { BrokerKind } from "~/server/brokers/registry";
import { and, desc, eq, getTableColumns, gte, lte, sql, type SQL } from "drizzle-orm";
import type { ControlDb } from "~/server/db/control-store";
import type { QueueSample } from "./queue-health-rules";
import { collectorRuns, kafkaDlqSamples, kafkaGroupSamples, kafkaLagSamples, natsConsumerSamples, rabbitmqQueueSamples, sqsQueueSamples } from "~/server/db/schema";

export const ranges = { "15m": 15 * 60, "1h": 3600, "6h": 6 * 3600, "24h": 86_400, "7d": 7 * 86_400 } as const;
export type RangeKey = keyof typeof ranges;

/** Chart points are averaged into buckets so any range returns about this many points. */
const POINTS_PER_CHART = 240;

export function bucketSeconds(range: RangeKey, sampleIntervalSeconds: number): number {
  return Math.max(sampleIntervalSeconds, Math.ceil(ranges[range] / POINTS_PER_CHART));
}

export interface SnapshotState {
  connection: string;
  kind: BrokerKind;
  /** Time of the newest stored sample (null: never sampled). */
  sampledAt: Date | null;
  /** The newest collection attempt, which may have failed after the last good sample. */
  lastRunAt: Date | null;
  lastRunOk: boolean | null;
  lastError: string | null;
}

export async function snapshotState(db: ControlDb, kind: SnapshotState["kind"], connection: string, sampledAt: Date | null): Promise<SnapshotState> {
  const [run] = await db
    .select()
    .from(collectorRuns)
    .where(and(eq(collectorRuns.connectionKind, kind), eq(collectorRuns.connection, connection)))
    .orderBy(desc(collectorRuns.startedAt))
    .limit(1);
  return { connection, kind, sampledAt, lastRunAt: run?.startedAt ?? null, lastRunOk: run?.ok ?? null, lastError: run?.ok ? null : (run?.error ?? null) };
}

/** A table of collector samples: each has connection, sampled_at and resolution_seconds. */
type SampleTable = typeof kafkaGroupSamples | typeof sqsQueueSamples | typeof kafkaDlqSamples | typeof rabbitmqQueueSamples;

/** Time of the newest raw sample of one connection in a sample table (null: never sampled). */
async function latestSampleTime(db: ControlDb, table: SampleTable, connection: string): Promise<Date | null> {
  const [row] = await db
    .select({ at: sql<Date | null>`max(${table.sampledAt})`.mapWith((v: string | Date | null) => (v ? new Date(v) : null)) })
    .from(table)
    .where(and(eq(table.connection, connection), eq(table.resolutionSeconds, 0)));
  return row?.at ?? null;
}

export const latestGroupSampleTime = (db: ControlDb, connection: string) => latestSampleTime(db, kafkaGroupSamples, connection);
export const latestQueueSampleTime = (db: ControlDb, connection: string) => latestSampleTime(db, sqsQueueSamples, connection);
export const latestDlqTopicSampleTime = (db: ControlDb, connection: string) => latestSampleTime(db, kafkaDlqSamples, connection);
export const latestRabbitSampleTime = (db: ControlDb, connection: string) => latestSampleTime(db, rabbitmqQueueSamples, connection);

// Lists leave the member detail out: only one group's page shows it.
const { memberDetails, ...groupListColumns } = getTableColumns(kafkaGroupSamples);

export function groupRowsAt(db: ControlDb, connection: string, sampledAt: Date, where?: SQL) {
  return db
    .select(groupListColumns)
    .from(kafkaGroupSamples)
    .where(and(eq(kafkaGroupSamples.connection, connection), eq(kafkaGroupSamples.sampledAt, sampledAt), where));
}

/** One group's members with their assignment and epoch, as sampled at that time (empty when not sampled). */
export async function groupMembersAt(db: ControlDb, connection: string, groupId: string, sampledAt: Date) {
  const [row] = await db
    .select({ members: memberDetails })
    .from(kafkaGroupSamples)
    .where(and(eq(kafkaGroupSamples.connection, connection), eq(kafkaGroupSamples.groupId, groupId), eq(kafkaGroupSamples.sampledAt, sampledAt)));
  return row?.members ?? [];
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

/**
 * Where a depth series lives: SQS queues by visible count, Kafka DLQ topics by retained messages, RabbitMQ queues by
 * ready + unacknowledged, NATS dead-letter sets ("<stream>.<consumer>") by the advisories captured for them. Typed
 * over every registered kind: a new broker names where its depths are stored.
 */
export const depthSeries = {
  sqs: { table: sqsQueueSamples, name: sqsQueueSamples.queue, depth: sqsQueueSamples.visible },
  kafka: { table: kafkaDlqSamples, name: kafkaDlqSamples.topic, depth: kafkaDlqSamples.retainedMessages },
  rabbitmq: { table: rabbitmqQueueSamples, name: rabbitmqQueueSamples.queue, depth: sql<number>`(${rabbitmqQueueSamples.ready} + ${rabbitmqQueueSamples.unacked})`.mapWith(Number) },
  nats: {
    table: natsConsumerSamples,
    name: sql<string>`(${natsConsumerSamples.stream} || '.' || ${natsConsumerSamples.consumer})`,
    depth: sql<number>`coalesce(${natsConsumerSamples.deadLetters}, 0)`.mapWith(Number),
  },
} as const satisfies { [K in BrokerKind]: unknown };

/** Depth over time of the named queues or DLQ topics, averaged per bucket. */
export async function depthHistory(
  db: ControlDb,
  kind: keyof typeof depthSeries,
  options: { connection: string; names: string[]; range: RangeKey; bucket: number },
) {
  if (options.names.length === 0) return [];
  const { table, name, depth } = depthSeries[kind];
  const bucket = sql.raw(`'${options.bucket} seconds'::interval`);
  const rows = await db
    .select({
      at: sql<string>`date_bin(${bucket}, ${table.sampledAt}, timestamptz '2000-01-01')`.as("at"),
      name: sql<string>`${name}`.as("name"),
      depth: sql<number>`avg(${depth})::float8`,
    })
    .from(table)
    .where(and(eq(table.connection, options.connection), sql`${name} in (${sql.join(options.names.map((n) => sql`${n}`), sql`, `)})`, gte(table.sampledAt, sinceFor(options.range))))
    .groupBy(sql`1`, sql`2`)
    .orderBy(sql`1`);
  return rows.map((row) => ({ at: new Date(row.at), name: row.name, depth: Number(row.depth) }));
}

/** Depth an hour ago (the sample closest after that time) of each queue or DLQ topic, for growth figures. */
export async function depthHourAgo(db: ControlDb, kind: keyof typeof depthSeries, connection: string): Promise<Map<string, number>> {
  const { table, name, depth } = depthSeries[kind];
  const hourAgo = new Date(Date.now() - 3_600_000);
  const rows = await db
    .selectDistinctOn([name], { name, depth })
    .from(table)
    .where(and(eq(table.connection, connection), gte(table.sampledAt, hourAgo)))
    .orderBy(name, table.sampledAt);
  return new Map(rows.map((row) => [row.name, row.depth]));
}

/** Samples per queue the RabbitMQ health verdicts look at (server/lag/queue-health-rules.ts). */
const RABBIT_VERDICT_SAMPLES = 5;

/** The last few raw samples of each RabbitMQ queue of a connection up to `sampledAt`, oldest first, for the health verdicts. */
export async function rabbitQueueWindows(db: ControlDb, connection: string, sampledAt: Date, intervalSeconds: number): Promise<Map<string, QueueSample[]>> {
  const since = new Date(sampledAt.getTime() - (RABBIT_VERDICT_SAMPLES + 1) * intervalSeconds * 1000);
  const t = rabbitmqQueueSamples;
  const rows = await db
    .select({ queue: t.queue, at: t.sampledAt, ready: t.ready, unacked: t.unacked, consumers: t.consumers, deliverRate: t.deliverRate })
    .from(t)
    .where(and(eq(t.connection, connection), eq(t.resolutionSeconds, 0), gte(t.sampledAt, since), lte(t.sampledAt, sampledAt)))
    .orderBy(t.sampledAt);
  const windows = new Map<string, QueueSample[]>();
  for (const row of rows) {
    let window = windows.get(row.queue);
    if (!window) windows.set(row.queue, (window = []));
    window.push({ at: row.at.getTime(), ready: row.ready, unacked: row.unacked, consumers: row.consumers, deliverRate: row.deliverRate });
    if (window.length > RABBIT_VERDICT_SAMPLES) window.shift();
  }
  return windows;
}
