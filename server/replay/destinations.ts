/**
 * Destinations a replay may offer: the connection's topics (Kafka) or queues (SQS, RabbitMQ) from the collector's latest
 * sample, only those the caller may read (the scope in the WHERE, as for every list paged in SQL).
 */
import { and, eq, sql } from "drizzle-orm";
import type { Readable } from "~/server/auth/permissions";
import { readableWhere } from "~/server/auth/readable-sql";
import type { ControlDb } from "~/server/db/control-store";
import type { BrokerKind } from "~/server/brokers/registry";
import { kafkaPartitionSamples, rabbitmqQueueSamples, sqsQueueSamples } from "~/server/db/schema";

const MAX_DESTINATIONS = 5_000;

// RabbitMQ: queue names, which a replay reaches through the default exchange (server/brokers/rabbitmq/targets.ts).
// NATS: none sampled (a copy goes to a subject: the original's, or one typed; streams store subject patterns).
const SAMPLED = {
  kafka: { table: kafkaPartitionSamples, column: kafkaPartitionSamples.topic },
  sqs: { table: sqsQueueSamples, column: sqsQueueSamples.queue },
  rabbitmq: { table: rabbitmqQueueSamples, column: rabbitmqQueueSamples.queue },
  nats: null,
} satisfies Record<BrokerKind, unknown>;

export async function replayDestinations(db: ControlDb, readable: Readable | null, kind: BrokerKind, connection: string): Promise<string[]> {
  const sampled = SAMPLED[kind];
  if (!sampled) return [];
  const { table, column } = sampled;
  const rows = await db
    .selectDistinct({ name: column })
    .from(table)
    .where(
      and(
        eq(table.connection, connection),
        eq(table.resolutionSeconds, 0),
        eq(table.sampledAt, sql`(select max(${table.sampledAt}) from ${table} where ${table.connection} = ${connection} and ${table.resolutionSeconds} = 0)`),
        readableWhere(readable, { connection: table.connection, resource: column }),
      ),
    )
    .orderBy(column)
    .limit(MAX_DESTINATIONS);
  return rows.map((row) => row.name);
}
