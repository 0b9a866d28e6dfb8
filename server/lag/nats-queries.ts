import { and, desc, eq, gte, sql } from "drizzle-orm";
import type { ControlDb } from "~/server/db/control-store";
import { natsConsumerSamples, natsStreamSamples } from "~/server/db/schema";
import { sinceFor, type RangeKey } from "./queries";

/** Time of the newest raw consumer sample of a NATS connection (null: never sampled). */
export async function latestNatsSampleTime(db: ControlDb, connection: string): Promise<Date | null> {
  const [row] = await db
    .select({ at: natsStreamSamples.sampledAt })
    .from(natsStreamSamples)
    .where(and(eq(natsStreamSamples.connection, connection), eq(natsStreamSamples.resolutionSeconds, 0)))
    .orderBy(desc(natsStreamSamples.sampledAt))
    .limit(1);
  return row?.at ?? null;
}

export async function natsConsumersAt(db: ControlDb, connection: string, sampledAt: Date) {
  return db
    .select()
    .from(natsConsumerSamples)
    .where(and(eq(natsConsumerSamples.connection, connection), eq(natsConsumerSamples.sampledAt, sampledAt)))
    .orderBy(natsConsumerSamples.stream, natsConsumerSamples.consumer);
}

export async function natsStreamsAt(db: ControlDb, connection: string, sampledAt: Date) {
  return db
    .select()
    .from(natsStreamSamples)
    .where(and(eq(natsStreamSamples.connection, connection), eq(natsStreamSamples.sampledAt, sampledAt)))
    .orderBy(natsStreamSamples.stream);
}

/**
 * One consumer's pending (lag), ack-pending, lag in seconds and produce vs consume rate over time, in the shape
 * of a Kafka group's history: the stream's last sequence is the log end (its rise the produce rate), the
 * delivered sequence the consumer's progress (its rise the consume rate).
 */
export async function natsConsumerHistory(db: ControlDb, options: { connection: string; stream: string; consumer: string; range: RangeKey; bucket: number }) {
  const t = natsConsumerSamples;
  const bucket = sql.raw(`'${options.bucket} seconds'::interval`);
  const rows = await db
    .select({
      at: sql<string>`date_bin(${bucket}, ${t.sampledAt}, timestamptz '2000-01-01')`.as("at"),
      lag: sql<number>`avg(${t.pending})::float8`,
      ackPending: sql<number>`avg(${t.ackPending})::float8`,
      lagSeconds: sql<number | null>`max(${t.lagSeconds})::float8`,
      produced: sql<number>`max(${t.streamLastSeq})::float8`,
      consumed: sql<number>`max(${t.deliveredSeq})::float8`,
    })
    .from(t)
    .where(and(eq(t.connection, options.connection), eq(t.stream, options.stream), eq(t.consumer, options.consumer), gte(t.sampledAt, sinceFor(options.range))))
    .groupBy(sql`1`)
    .orderBy(sql`1`);
  return rows.map((row, index) => {
    const previous = rows[index - 1];
    const seconds = previous ? (new Date(row.at).getTime() - new Date(previous.at).getTime()) / 1000 : 0;
    const rate = (now: number, before: number | undefined) => (previous && seconds > 0 && before !== undefined ? Math.max(0, (now - before) / seconds) : null);
    return {
      at: new Date(row.at),
      lag: Number(row.lag),
      ackPending: Number(row.ackPending),
      lagSeconds: row.lagSeconds === null ? null : Number(row.lagSeconds),
      produceRate: rate(Number(row.produced), previous ? Number(previous.produced) : undefined),
      consumeRate: rate(Number(row.consumed), previous ? Number(previous.consumed) : undefined),
    };
  });
}

/** Each consumer's captured dead letters an hour ago (the sample closest after that time), for growth figures. */
export async function natsDeadLettersHourAgo(db: ControlDb, connection: string): Promise<Map<string, number>> {
  const t = natsConsumerSamples;
  const rows = await db
    .selectDistinctOn([t.stream, t.consumer], { stream: t.stream, consumer: t.consumer, deadLetters: t.deadLetters })
    .from(t)
    .where(and(eq(t.connection, connection), gte(t.sampledAt, new Date(Date.now() - 3_600_000))))
    .orderBy(t.stream, t.consumer, t.sampledAt);
  return new Map(rows.flatMap((r) => (r.deadLetters === null ? [] : [[`${r.stream}.${r.consumer}`, r.deadLetters] as const])));
}
