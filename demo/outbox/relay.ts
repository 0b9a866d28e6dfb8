import { SendMessageBatchCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { sql } from "drizzle-orm";
import type { Producer } from "kafkajs";
import type { AvroSerde } from "../avro/serde";
import { queueUrl, type DemoConfig } from "../config";
import type { DemoDb } from "../db/client";
import type { FaultStore } from "../faults";
import { topicName } from "../kafka/topics";
import type { RabbitPart } from "../rabbitmq/part";

// Outbox relay: claims unpublished rows in batches (FOR UPDATE SKIP LOCKED), publishes them to Kafka
// (topic `<aggregate_type>.<event_type>`, key = aggregate_id) and, per config.sqsRoutes, to SQS, then marks
// them published in the same transaction. Rows are published in `seq` order within a batch and the
// producer is idempotent with one request in flight, so per-aggregate order holds. Several relays may
// run against one database: a transaction-scoped advisory lock lets one claim at a time (SKIP LOCKED
// alone would let two relays publish consecutive events of one aggregate out of order).

/** Advisory lock key of the relay (any constant unique within the database). */
const RELAY_LOCK_KEY = 0x0ed0_0b0c;

interface ClaimedRow {
  id: string;
  aggregate_type: string;
  aggregate_id: string;
  event_type: string;
  payload: unknown;
  headers: Record<string, string> | null;
  created_at: Date;
}

export interface RelayDeps {
  db: DemoDb;
  producer: Producer;
  sqs?: SQSClient;
  /** The RabbitMQ part's publisher and routes; absent when RabbitMQ is not part of this run. */
  rabbit?: RabbitPart["relayTarget"];
  /** Encodes the Avro topics' Kafka records (demo/avro/); absent: every record is JSON. */
  avro?: AvroSerde;
  config: Pick<DemoConfig, "topicPrefix" | "sqsRoutes" | "sqs">;
  faults: FaultStore;
  batchSize?: number;
  pollMs?: number;
}

export interface RelayStats {
  published: number;
  failures: number;
}

export class OutboxRelay {
  readonly stats: RelayStats = { published: 0, failures: 0 };
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly deps: RelayDeps) {}

  /** Claims and publishes one batch. Returns the number of rows published. */
  async runOnce(): Promise<number> {
    const { db, faults } = this.deps;
    const f = faults.get();
    if (f.relayPaused) return 0;
    const paused = f.relayPausedFor;
    const limit = this.deps.batchSize ?? 100;
    return db.transaction(async (tx) => {
      const lock = await tx.execute<{ ok: boolean }>(sql`select pg_try_advisory_xact_lock(${RELAY_LOCK_KEY}) as ok`);
      if (!lock.rows[0]?.ok) return 0;
      const pausedFilter =
        paused.length > 0
          ? sql`and aggregate_type not in (${sql.join(
              paused.map((p) => sql`${p}`),
              sql`, `,
            )})`
          : sql``;
      const res = await tx.execute<ClaimedRow & Record<string, unknown>>(sql`
        select id, aggregate_type, aggregate_id, event_type, payload, headers, created_at
        from outbox_events
        where published_at is null ${pausedFilter}
        order by seq
        limit ${limit}
        for update skip locked`);
      const rows = res.rows;
      if (rows.length === 0) return 0;
      const ids = rows.map((r) => r.id);
      try {
        await this.publish(rows);
      } catch (err) {
        this.stats.failures++;
        await tx.execute(sql`
          update outbox_events set attempts = attempts + 1, last_error = ${(err as Error).message}
          where id in (${sql.join(
            ids.map((id) => sql`${id}::uuid`),
            sql`, `,
          )})`);
        return 0;
      }
      await tx.execute(sql`
        update outbox_events set published_at = now(), attempts = attempts + 1, last_error = null
        where id in (${sql.join(
          ids.map((id) => sql`${id}::uuid`),
          sql`, `,
        )})`);
      this.stats.published += rows.length;
      return rows.length;
    });
  }

  private async publish(rows: ClaimedRow[]): Promise<void> {
    const { producer, config, sqs } = this.deps;
    // Consecutive rows per topic, in seq order: one batch request keeps the order per partition.
    const byTopic = new Map<string, { key: string; value: string | Buffer; headers: Record<string, string> }[]>();
    const avro = this.deps.avro;
    for (const r of rows) {
      const logical = `${r.aggregate_type}.${r.event_type}`;
      const topic = topicName(config, logical);
      const list = byTopic.get(topic) ?? [];
      list.push({
        key: r.aggregate_id,
        // Only Kafka carries Avro: the SQS and RabbitMQ copies stay JSON for their consumers.
        value: avro?.encodes(logical)
          ? await avro.encode(logical, r.payload as Record<string, unknown>, new Date(r.created_at))
          : JSON.stringify(r.payload),
        headers: { ...(r.headers ?? {}), "event-id": r.id, "event-type": r.event_type },
      });
      byTopic.set(topic, list);
    }
    // Encoding first (a registry that is down fails the batch before anything is sent), then RabbitMQ: while it
    // is down nothing of the batch goes anywhere, so the retries of the batch do not re-send it to Kafka and SQS
    // on every poll (the rows wait, with last_error, in the outbox).
    await this.publishToRabbit(rows);
    await producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
    if (!sqs) return;
    const byQueue = new Map<string, ClaimedRow[]>();
    for (const r of rows) {
      const queue = config.sqsRoutes[`${r.aggregate_type}.${r.event_type}`];
      if (queue) byQueue.set(queue, [...(byQueue.get(queue) ?? []), r]);
    }
    for (const [queue, list] of byQueue) {
      for (let i = 0; i < list.length; i += 10) {
        const chunk = list.slice(i, i + 10);
        const res = await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl(config as DemoConfig, queue),
            Entries: chunk.map((r, n) => ({
              Id: String(n),
              MessageBody: JSON.stringify(r.payload),
              MessageAttributes: {
                "event-id": { DataType: "String", StringValue: r.id },
                "event-type": { DataType: "String", StringValue: r.event_type },
                "aggregate-id": { DataType: "String", StringValue: r.aggregate_id },
              },
            })),
          }),
        );
        if (res.Failed && res.Failed.length > 0) {
          throw new Error(`SQS ${queue}: ${res.Failed.map((f) => f.Message ?? f.Code).join("; ")}`);
        }
      }
    }
  }

  private async publishToRabbit(rows: ClaimedRow[]): Promise<void> {
    const target = this.deps.rabbit;
    if (!target) return;
    const confirms: Promise<void>[] = [];
    for (const r of rows) {
      const route = target.routes[`${r.aggregate_type}.${r.event_type}`];
      if (!route) continue;
      // One channel publishes in order; all confirms are awaited before the batch counts as published.
      confirms.push(
        target.publisher.publish(target.exchange, route.routingKey, Buffer.from(JSON.stringify(r.payload)), {
          persistent: true,
          messageId: r.id,
          contentType: "application/json",
          type: r.event_type,
          // AMQP timestamps are in seconds; the driver may hand created_at over as a string.
          timestamp: Math.floor(new Date(r.created_at).getTime() / 1000) || undefined,
          ...(route.expirationMs ? { expiration: String(route.expirationMs) } : {}),
          headers: { ...(r.headers ?? {}), "event-id": r.id, "event-type": r.event_type, "aggregate-id": r.aggregate_id },
        }),
      );
    }
    const results = await Promise.allSettled(confirms);
    const failed = results.find((x): x is PromiseRejectedResult => x.status === "rejected");
    if (failed) throw new Error(`RabbitMQ: ${(failed.reason as Error).message}`);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const pollMs = this.deps.pollMs ?? 200;
    this.loop = (async () => {
      while (this.running) {
        let n = 0;
        try {
          n = await this.runOnce();
        } catch (err) {
          console.error("[relay]", (err as Error).message);
        }
        if (n === 0) await new Promise((r) => setTimeout(r, pollMs));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}
