import { and, asc, eq, gte, lte } from "drizzle-orm";
import { kafkaDlqSamples, rabbitmqQueueSamples, sqsQueueSamples } from "~/server/db/schema";
import type { Series } from "../types";
import { enc, likeAny, toSeries, windowedChange, type SignalContext, type SignalDef, type SignalQuery } from "./types";

interface DlqRow {
  kind: "kafka" | "sqs" | "rabbitmq";
  connection: string;
  name: string;
  at: Date;
  depth: number;
  /** Seconds; null when unknown (SQS cannot tell without receiving). */
  oldestAge: number | null;
}

/** Kafka DLQ topics (retained messages), SQS dead-letter queues (visible messages) and RabbitMQ DLQs (ready + unacknowledged), oldest first. */
async function dlqRows(ctx: SignalContext, query: SignalQuery, extraHistoryMs = 0): Promise<DlqRow[]> {
  const since = new Date(query.since - extraHistoryMs);
  const until = new Date(query.until);
  const r = rabbitmqQueueSamples;
  const [kafka, sqs, rabbitmq] = await Promise.all([
    ctx.db
      .select({
        connection: kafkaDlqSamples.connection,
        name: kafkaDlqSamples.topic,
        at: kafkaDlqSamples.sampledAt,
        depth: kafkaDlqSamples.retainedMessages,
        oldestAt: kafkaDlqSamples.oldestMessageAt,
      })
      .from(kafkaDlqSamples)
      .where(
        and(
          gte(kafkaDlqSamples.sampledAt, since),
          lte(kafkaDlqSamples.sampledAt, until),
          likeAny(kafkaDlqSamples.connection, query.scope.connections),
          likeAny(kafkaDlqSamples.topic, query.scope.names),
        ),
      )
      .orderBy(asc(kafkaDlqSamples.sampledAt)),
    ctx.db
      .select({
        connection: sqsQueueSamples.connection,
        name: sqsQueueSamples.queue,
        at: sqsQueueSamples.sampledAt,
        depth: sqsQueueSamples.visible,
        oldestAge: sqsQueueSamples.oldestMessageAgeSeconds,
      })
      .from(sqsQueueSamples)
      .where(
        and(
          eq(sqsQueueSamples.isDeadLetterQueue, true),
          gte(sqsQueueSamples.sampledAt, since),
          lte(sqsQueueSamples.sampledAt, until),
          likeAny(sqsQueueSamples.connection, query.scope.connections),
          likeAny(sqsQueueSamples.queue, query.scope.names),
        ),
      )
      .orderBy(asc(sqsQueueSamples.sampledAt)),
    ctx.db
      .select({ connection: r.connection, name: r.queue, at: r.sampledAt, ready: r.ready, unacked: r.unacked, oldestAge: r.headDeadLetteredAgeSeconds })
      .from(r)
      .where(and(eq(r.isDeadLetterQueue, true), gte(r.sampledAt, since), lte(r.sampledAt, until), likeAny(r.connection, query.scope.connections), likeAny(r.queue, query.scope.names)))
      .orderBy(asc(r.sampledAt)),
  ]);
  return [
    ...kafka.map((r) => ({
      kind: "kafka" as const,
      connection: r.connection,
      name: r.name,
      at: r.at,
      depth: Number(r.depth),
      oldestAge: r.oldestAt && r.depth > 0 ? Math.max(0, (r.at.getTime() - r.oldestAt.getTime()) / 1000) : r.depth > 0 ? null : 0,
    })),
    ...sqs.map((r) => ({ kind: "sqs" as const, connection: r.connection, name: r.name, at: r.at, depth: Number(r.depth), oldestAge: r.depth > 0 ? r.oldestAge : 0 })),
    ...rabbitmq.map((row) => {
      const depth = Number(row.ready) + Number(row.unacked);
      return { kind: "rabbitmq" as const, connection: row.connection, name: row.name, at: row.at, depth, oldestAge: depth > 0 ? row.oldestAge : 0 };
    }),
  ];
}

function dlqSeries(rows: DlqRow[], value: (row: DlqRow) => number | null): Series[] {
  return toSeries(
    rows,
    (row) => ({
      key: `${row.kind}/${row.connection}/${row.name}`,
      connection: row.connection,
      name: row.name,
      labels: { kind: row.kind, connection: row.connection, dlq: row.name },
      path: `/dlqs/${row.kind}/${enc(row.connection)}/${enc(row.name)}`,
    }),
    (row) => ({ at: row.at.getTime(), value: value(row) }),
  );
}

export const dlqDepth: SignalDef = {
  id: "dlq_depth",
  title: "DLQ depth",
  description: "Messages in a dead-letter queue (Kafka: retained in the DLQ topic; SQS: visible; RabbitMQ: ready + unacknowledged).",
  object: "dlq",
  unit: "count",
  history: true,
  read: async (ctx, query) => dlqSeries(await dlqRows(ctx, query), (r) => r.depth),
};

export const dlqGrowth: SignalDef = {
  id: "dlq_growth",
  title: "DLQ growth over a window",
  description: "Dead letters added over the window (depth now minus depth a window ago).",
  object: "dlq",
  unit: "count",
  history: true,
  defaultWindowSeconds: 900,
  async read(ctx, query) {
    const windowMs = query.windowSeconds * 1000;
    const series = dlqSeries(await dlqRows(ctx, query, windowMs), (r) => r.depth);
    return series.map((s) => ({ ...s, points: windowedChange(s.points, windowMs, query.since, false) })).filter((s) => s.points.length > 0);
  },
};

export const dlqOldestAge: SignalDef = {
  id: "dlq_oldest_age",
  title: "Oldest dead letter's age",
  description: "Seconds since the oldest message in the DLQ was written (0 when empty; unknown for SQS).",
  object: "dlq",
  unit: "seconds",
  history: true,
  read: async (ctx, query) => dlqSeries(await dlqRows(ctx, query), (r) => r.oldestAge),
};
