import { sql } from "drizzle-orm";
import type { Consumer, EachMessagePayload, Kafka, Producer } from "kafkajs";
import type { DemoConfig } from "../config";
import type { DemoDb, DemoTx } from "../db/client";
import { processedEvents } from "../db/schema";
import type { FaultStore } from "../faults";
import { buildDltHeaders, errorClassName } from "../kafka/dlt-headers";
import { dlqTopic, topicName } from "../kafka/topics";
import type { AvroSerde } from "../avro/serde";
import { decodeAvroMessage, decodeMessage, isConfluentFramed, type DecodedEvent } from "./envelope";

// Idempotent Kafka consumer: per message, in ONE Postgres transaction, record (event_id, consumer) in
// processed_events and do the work; a duplicate is skipped and counted. A failure is retried in-process
// with exponential backoff; after the last attempt the record goes to `<topic>.DLQ` with its original
// key, headers and bytes plus Spring-style kafka_dlt-* headers. Offsets are committed manually after.

export type Handler = (tx: DemoTx, event: DecodedEvent & { topic: string }) => Promise<void>;

export interface RunnerOptions {
  kafka: Kafka;
  producer: Producer;
  db: DemoDb;
  config: Pick<DemoConfig, "topicPrefix" | "groupPrefix" | "retry">;
  faults: FaultStore;
  /** Logical consumer name; also the group id (after groupPrefix). */
  group: string;
  /** Logical topic -> handler. */
  handlers: Record<string, Handler>;
  /** Extra delay before handling (e.g. a slow compensation), outside the transaction. */
  delayMs?: (logicalTopic: string) => number;
  /** Topic-partitions handled concurrently (order within a partition is kept). Default 6. */
  partitionsConcurrently?: number;
  log?: (msg: string) => void;
  /** Reads Avro records through the registry (demo/avro/); without it a framed record is a SerializationException. */
  avro?: AvroSerde;
}

export interface RunnerStats {
  processed: number;
  duplicates: number;
  retries: number;
  deadLettered: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ConsumerRunner {
  readonly stats: RunnerStats = { processed: 0, duplicates: 0, retries: 0, deadLettered: 0 };
  private consumer: Consumer | undefined;
  private readonly logicalByTopic = new Map<string, string>();
  private unwatch: (() => void) | undefined;
  private transition: Promise<void> = Promise.resolve();
  private stopping = false;

  constructor(private readonly o: RunnerOptions) {
    for (const logical of Object.keys(o.handlers)) this.logicalByTopic.set(topicName(o.config, logical), logical);
  }

  get groupId(): string {
    return `${this.o.config.groupPrefix}${this.o.group}`;
  }

  get running(): boolean {
    return this.consumer !== undefined;
  }

  /** Starts consuming (unless the faults say this consumer is stopped) and follows the stop knob. */
  async start(): Promise<void> {
    this.stopping = false;
    this.unwatch ??= this.o.faults.onChange(() => {
      this.transition = this.transition.then(() => this.follow()).catch((e) => this.log(`knob: ${e}`));
    });
    await this.follow();
  }

  private stoppedByKnob(): boolean {
    return this.o.faults.get().stoppedConsumers.includes(this.o.group);
  }

  private async follow(): Promise<void> {
    if (this.stopping) return;
    if (this.stoppedByKnob() && this.consumer) {
      this.log("stopped by fault knob");
      await this.disconnect();
    } else if (!this.stoppedByKnob() && !this.consumer) {
      await this.connect();
    }
  }

  private async connect(): Promise<void> {
    const consumer = this.o.kafka.consumer({ groupId: this.groupId, sessionTimeout: 30_000, heartbeatInterval: 3_000 });
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.logicalByTopic.keys()], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: this.o.partitionsConcurrently ?? 6,
      eachMessage: (p) => this.onMessage(consumer, p) });
    this.consumer = consumer;
  }

  private async disconnect(): Promise<void> {
    const c = this.consumer;
    this.consumer = undefined;
    await c?.disconnect();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.unwatch?.();
    this.unwatch = undefined;
    await this.transition;
    await this.disconnect();
  }

  private log(msg: string): void {
    (this.o.log ?? ((m: string) => console.log(m)))(`[${this.o.group}] ${msg}`);
  }

  private async onMessage(consumer: Consumer, { topic, partition, message, heartbeat }: EachMessagePayload) {
    const logical = this.logicalByTopic.get(topic) ?? topic;
    const slow = (this.o.faults.get().slowConsumers[this.o.group] ?? 0) + (this.o.delayMs?.(logical) ?? 0);
    if (slow > 0) await sleep(slow);
    const { attempts, baseMs, maxMs } = this.o.config.retry;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.handleOnce(logical, topic, partition, message);
        break;
      } catch (err) {
        if (attempt < attempts) {
          this.stats.retries++;
          await sleep(Math.min(maxMs, baseMs * 2 ** (attempt - 1)));
          await heartbeat();
          continue;
        }
        await this.deadLetter(topic, partition, message, err, attempt);
        break;
      }
    }
    await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
  }

  private async handleOnce(
    logical: string,
    topic: string,
    partition: number,
    message: EachMessagePayload["message"],
  ): Promise<void> {
    const fallbackId = `${topic}:${partition}:${message.offset}`;
    const event =
      this.o.avro && isConfluentFramed(message.value)
        ? await decodeAvroMessage(this.o.avro, logical, message, fallbackId)
        : decodeMessage(message, fallbackId);
    const handler = this.o.handlers[logical];
    if (!handler) throw new Error(`no handler for topic ${topic}`);
    const duplicate = await this.o.db.transaction(async (tx) => {
      const inserted = await tx
        .insert(processedEvents)
        .values({ eventId: event.eventId, consumer: this.o.group, eventType: event.eventType })
        .onConflictDoNothing()
        .returning({ id: processedEvents.eventId });
      if (inserted.length === 0) return true;
      await handler(tx, { ...event, topic: logical });
      return false;
    });
    if (duplicate) {
      this.stats.duplicates++;
      this.log(`duplicate ${event.eventType} ${event.eventId} skipped`);
    } else {
      this.stats.processed++;
    }
  }

  private async deadLetter(
    topic: string,
    partition: number,
    message: EachMessagePayload["message"],
    err: unknown,
    attempts: number,
  ): Promise<void> {
    const e = err instanceof Error ? err : new Error(String(err));
    const cause = e.cause instanceof Error ? e.cause : e;
    const headers = {
      ...(message.headers ?? {}),
      ...buildDltHeaders({
        topic,
        partition,
        offset: message.offset,
        timestamp: message.timestamp,
        timestampType: "CreateTime",
        consumerGroup: this.groupId,
        exceptionClass: errorClassName(e),
        causeClass: errorClassName(cause),
        message: e.message,
        stacktrace: e.stack ?? `${e.name}: ${e.message}`,
        attempts,
      }),
    };
    await this.o.producer.send({
      topic: dlqTopic(topic),
      acks: -1,
      messages: [{ key: message.key, value: message.value, headers, partition }],
    });
    this.stats.deadLettered++;
    this.log(`dead-lettered ${topic}[${partition}]@${message.offset} after ${attempts} attempts: ${e.message}`);
  }
}

/** Health check helper for tests: rows in processed_events for a consumer. */
export async function processedCount(db: DemoDb, consumer: string): Promise<number> {
  const res = await db.execute<{ n: string }>(
    sql`select count(*)::text as n from processed_events where consumer = ${consumer}`,
  );
  return Number(res.rows[0]?.n ?? 0);
}
