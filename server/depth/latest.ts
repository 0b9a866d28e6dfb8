import { subscriptionLabel } from "~/server/brokers/sqs/sns-envelope";
import { and, eq, sql } from "drizzle-orm";
import { kafkaDlqSamples, kafkaPartitionSamples, rabbitmqQueueSamples, replayLedger, sqsQueueSamples, sqsSnapshotMessages, sqsSnapshots } from "~/server/db/schema";
import { evaluateQueue, type QueueVerdict } from "~/server/lag/queue-health-rules";
import { depthHourAgo, latestDlqTopicSampleTime, latestQueueSampleTime, latestRabbitSampleTime, rabbitQueueWindows, snapshotState } from "~/server/lag/queries";
import type { ControlDb } from "~/server/db/control-store";
import type { Connections } from "~/server/connections/registry";
import { visible, type Readable } from "~/server/auth/permissions";
import { latestNatsSampleTime, natsConsumersAt, natsDeadLettersHourAgo } from "~/server/lag/nats-queries";

/** Per NATS dead-letter set, how many distinct dead letters the ledger says were replayed (their advisories stay captured). */
async function natsReplayed(db: ControlDb, connection: string): Promise<Map<string, number>> {
  const rows = await db
    .select({ dlq: replayLedger.dlq, n: sql<number>`count(distinct ${replayLedger.messageId})::int` })
    .from(replayLedger)
    .where(and(eq(replayLedger.kind, "nats"), eq(replayLedger.connection, connection)))
    .groupBy(replayLedger.dlq);
  return new Map(rows.map((r) => [r.dlq, r.n]));
}

/**
 * The one source of every queue and DLQ depth a page shows: the latest stored sample (never a broker
 * call), so the Overview, the DLQ list, a DLQ page and /api/metrics agree on a figure.
 */

export interface DlqDepth {
  kind: "sqs" | "kafka" | "rabbitmq" | "nats";
  connection: string;
  name: string;
  sources: string[];
  depth: number;
  growthLastHour: number | null;
  /**
   * Messages not replayed yet: Kafka DLQ records stay after a replay, so the replay ledger's still-retained
   * entries are subtracted; a replayed SQS message leaves the DLQ, so there it is the depth.
   */
  notReplayed: number;
  /**
   * Kafka: record timestamps at the sample. SQS: sent times in the latest snapshot, if one was taken. RabbitMQ:
   * oldest is when the head message was dead-lettered (sampled from classic DLQs), newest is not known.
   */
  oldestMessageAt: Date | null;
  newestMessageAt: Date | null;
  /** RabbitMQ: whether anyone drains the queue (server/lag/queue-health-rules.ts); null for the other brokers. */
  health: QueueVerdict | null;
}

/** Per Kafka DLQ topic, how many distinct records the ledger says were replayed and are still retained. */
async function replayedStillRetained(db: ControlDb, topics: { connection: string; topic: string; sampledAt: Date }[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const { connection, topic, sampledAt } of topics) {
    // The SQL twin of server/lib/message-id.ts: Kafka ledger ids are partition:offset (kept in the database for speed).
    const result = (await db.execute(sql`
      select count(distinct l.message_id)::int as n
        from ${replayLedger} l
        join ${kafkaPartitionSamples} p
          on p.connection = l.connection and p.topic = l.dlq and p.sampled_at = ${sampledAt.toISOString()}::timestamptz
         and p.partition = split_part(l.message_id, ':', 1)::int
       where l.kind = 'kafka' and l.connection = ${connection} and l.dlq = ${topic}
         and split_part(l.message_id, ':', 2)::bigint >= p.log_start_offset
    `)) as unknown as { rows: { n: number }[] };
    counts.set(`${connection}/${topic}`, result.rows[0]?.n ?? 0);
  }
  return counts;
}

/** Oldest and newest sent time in each DLQ's latest SQS snapshot. */
async function latestSnapshotTimes(db: ControlDb): Promise<Map<string, { oldest: Date | null; newest: Date | null }>> {
  const result = (await db.execute(sql`
    select s.connection, s.queue,
           (select min(m.sent_timestamp) from ${sqsSnapshotMessages} m where m.snapshot_id = s.id) as oldest,
           (select max(m.sent_timestamp) from ${sqsSnapshotMessages} m where m.snapshot_id = s.id) as newest
      from (select distinct on (connection, queue) id, connection, queue from ${sqsSnapshots} order by connection, queue, started_at desc) s
  `)) as unknown as { rows: { connection: string; queue: string; oldest: string | Date | null; newest: string | Date | null }[] };
  const toDate = (value: string | Date | null) => (value ? new Date(value) : null);
  return new Map(result.rows.map((row) => [`${row.connection}/${row.queue}`, { oldest: toDate(row.oldest), newest: toDate(row.newest) }]));
}

/** The latest stored depth of every queue and DLQ topic (never asks a broker). */
export async function latestDepths(db: ControlDb, connections: Connections, readable: Readable | null = null) {
  // A scoped role sees only the connections, queues and topics its read grant covers (null: all of them).
  const names = (keys: Iterable<string>) => visible([...keys], readable, (connection) => ({ connection }));
  const sqs = await Promise.all(
    names(connections.sqs.keys()).map(async (connection) => {
      const sampledAt = await latestQueueSampleTime(db, connection);
      const snapshot = await snapshotState(db, "sqs", connection, sampledAt);
      if (!sampledAt) return { snapshot, queues: [] };
      const [rows, hourAgo] = await Promise.all([
        db
          .select()
          .from(sqsQueueSamples)
          .where(and(eq(sqsQueueSamples.connection, connection), eq(sqsQueueSamples.sampledAt, sampledAt)))
          .orderBy(sqsQueueSamples.queue),
        depthHourAgo(db, "sqs", connection),
      ]);
      return {
        snapshot,
        queues: visible(rows, readable, (row) => ({ connection, resource: row.queue })).map((row) => ({ ...row, growthLastHour: hourAgo.has(row.queue) ? row.visible - hourAgo.get(row.queue)! : null })),
      };
    }),
  );
  const kafka = await Promise.all(
    names(connections.kafka.keys()).map(async (connection) => {
      const sampledAt = await latestDlqTopicSampleTime(db, connection);
      const snapshot = await snapshotState(db, "kafka", connection, sampledAt);
      if (!sampledAt) return { snapshot, topics: [] };
      const [rows, hourAgo] = await Promise.all([
        db
          .select()
          .from(kafkaDlqSamples)
          .where(and(eq(kafkaDlqSamples.connection, connection), eq(kafkaDlqSamples.sampledAt, sampledAt)))
          .orderBy(kafkaDlqSamples.topic),
        depthHourAgo(db, "kafka", connection),
      ]);
      return {
        snapshot,
        topics: visible(rows, readable, (row) => ({ connection, resource: row.topic })).map((row) => ({
          ...row,
          growthLastHour: hourAgo.has(row.topic) ? row.retainedMessages - hourAgo.get(row.topic)! : null,
        })),
      };
    }),
  );
  const rabbitmq = await Promise.all(
    names(connections.rabbitmq.keys()).map(async (connection) => {
      const sampledAt = await latestRabbitSampleTime(db, connection);
      const snapshot = await snapshotState(db, "rabbitmq", connection, sampledAt);
      if (!sampledAt) return { snapshot, queues: [] };
      const interval = connections.config.rabbitmq.find((c) => c.name === connection)?.sampleIntervalSeconds ?? 15;
      const [rows, hourAgo, windows] = await Promise.all([
        db
          .select()
          .from(rabbitmqQueueSamples)
          .where(and(eq(rabbitmqQueueSamples.connection, connection), eq(rabbitmqQueueSamples.sampledAt, sampledAt)))
          .orderBy(rabbitmqQueueSamples.queue),
        depthHourAgo(db, "rabbitmq", connection),
        rabbitQueueWindows(db, connection, sampledAt, interval),
      ]);
      return {
        snapshot,
        queues: visible(rows, readable, (row) => ({ connection, resource: row.queue })).map((row) => {
          const depth = row.ready + row.unacked;
          return { ...row, depth, growthLastHour: hourAgo.has(row.queue) ? depth - hourAgo.get(row.queue)! : null, health: evaluateQueue(windows.get(row.queue) ?? []) };
        }),
      };
    }),
  );
  // NATS JetStream: a consumer's dead-letter set, counted from the advisories its capture stream holds.
  const nats = await Promise.all(
    names(connections.nats.keys()).map(async (connection) => {
      const sampledAt = await latestNatsSampleTime(db, connection);
      const snapshot = await snapshotState(db, "nats", connection, sampledAt);
      if (!sampledAt) return { snapshot, sets: [] };
      const [rows, hourAgo, replayedSets] = await Promise.all([natsConsumersAt(db, connection, sampledAt), natsDeadLettersHourAgo(db, connection), natsReplayed(db, connection)]);
      const sets = rows.flatMap((row) => {
        const name = `${row.stream}.${row.consumer}`;
        if (row.deadLetters === null || row.deadLetters === 0 || !visible([name], readable, (resource) => ({ connection, resource })).length) return [];
        return [{ name, stream: row.stream, depth: row.deadLetters, replayed: replayedSets.get(name) ?? 0, growthLastHour: hourAgo.has(name) ? row.deadLetters - hourAgo.get(name)! : null }];
      });
      return { snapshot, sets };
    }),
  );
  const snapshotTimes = await latestSnapshotTimes(db);
  const replayed = await replayedStillRetained(db, kafka.flatMap(({ snapshot, topics }) => topics.map((t) => ({ connection: snapshot.connection, topic: t.topic, sampledAt: t.sampledAt }))));
  const dlqs: DlqDepth[] = [
    ...sqs.flatMap(({ snapshot, queues }) =>
      queues
        .filter((q) => q.isDeadLetterQueue)
        .map((q) => {
          const times = snapshotTimes.get(`${snapshot.connection}/${q.queue}`);
          return {
            kind: "sqs" as const,
            connection: snapshot.connection,
            name: q.queue,
            // A subscription DLQ reads "subscription X of topic T", next to the queues whose redrive policy names it.
            sources: [...q.sourceQueues, ...q.sourceSubscriptions.map(subscriptionLabel)],
            depth: q.visible,
            notReplayed: q.visible,
            growthLastHour: q.growthLastHour,
            oldestMessageAt: times?.oldest ?? null,
            newestMessageAt: times?.newest ?? null,
            health: null,
          };
        }),
    ),
    ...kafka.flatMap(({ snapshot, topics }) =>
      topics.map((t) => ({
        kind: "kafka" as const,
        connection: snapshot.connection,
        name: t.topic,
        sources: t.sourceTopic ? [t.sourceTopic] : [],
        depth: t.retainedMessages,
        notReplayed: Math.max(0, t.retainedMessages - (replayed.get(`${snapshot.connection}/${t.topic}`) ?? 0)),
        growthLastHour: t.growthLastHour,
        oldestMessageAt: t.oldestMessageAt,
        newestMessageAt: t.newestMessageAt,
        health: null,
      })),
    ),
    ...rabbitmq.flatMap(({ snapshot, queues }) =>
      queues
        .filter((q) => q.isDeadLetterQueue)
        .map((q) => ({
          kind: "rabbitmq" as const,
          connection: snapshot.connection,
          name: q.queue,
          sources: q.sourceQueues,
          depth: q.depth,
          // A replayed RabbitMQ dead letter is acknowledged, so it leaves the DLQ: what is there is not replayed.
          notReplayed: q.depth,
          growthLastHour: q.growthLastHour,
          oldestMessageAt: q.headDeadLetteredAgeSeconds === null ? null : new Date(q.sampledAt.getTime() - q.headDeadLetteredAgeSeconds * 1000),
          newestMessageAt: null,
          health: q.health,
        })),
    ),
    ...nats.flatMap(({ snapshot, sets }) =>
      sets.map((set) => ({
        kind: "nats" as const,
        connection: snapshot.connection,
        name: set.name,
        sources: [set.stream],
        depth: set.depth,
        // Advisories stay in the capture stream after a replay: the ledger's replayed ones are subtracted.
        notReplayed: Math.max(0, set.depth - set.replayed),
        growthLastHour: set.growthLastHour,
        oldestMessageAt: null,
        newestMessageAt: null,
        health: null,
      })),
    ),
  ];
  return { sqs, kafka, rabbitmq, nats, dlqs };
}
