/**
 * RabbitMQ side of the replay benchmark: DLQs filled with real dead letters (published to an exchange, rejected
 * by a consumer, dead-lettered with x-death by the broker), the naive basic.get / publish / confirm / ack loop,
 * and a dynamic shovel (ack-mode on-confirm) moving a DLQ back unfiltered.
 */
import amqp, { type ChannelModel, type ConfirmChannel, type Message } from "amqplib";
import { batchReplay, type BatchReplayResult } from "~/server/brokers/rabbitmq/batch-replay";
import type { BrowsableQueue } from "~/server/brokers/rabbitmq/browse-safety";
import { ManagementClient } from "~/server/brokers/rabbitmq/management";
import { coalesceWrites } from "~/server/brokers/rabbitmq/write-coalescing";
import { orderJson } from "./kafka-fixture";
import { timed, waitUntil } from "./util";

export const RABBIT_RECORDS = 10_000;
export const RABBIT_BODY_BYTES = 1024;

export interface RabbitBenchTarget {
  url: string;
  managementUrl: string;
}

/** Connections with TCP_NODELAY: one-at-a-time round trips (basic.get, a confirm per publish) otherwise wait ~40 ms for Nagle and delayed acks. */
export const benchRabbitConnection = (url: string) => amqp.connect(url, { noDelay: true });

export const benchManagement = (managementUrl: string) => new ManagementClient({ baseUrl: managementUrl, username: "guest", password: "guest", vhost: "/", timeoutMs: 30_000 });

/** The filter of the other sections (`record.value.customer.tier == 'gold'`), as a predicate on the body. */
export const isGoldOrder = (message: Message) => (JSON.parse(message.content.toString()) as { customer: { tier: string } }).customer.tier === "gold";

export interface RabbitPair {
  exchange: string;
  /** The origin: bound to `exchange` with routing key "orders.created"; its dead letters go to `dlq`. */
  source: string;
  dlq: string;
}

const classic = (name: string): BrowsableQueue => ({ name, type: "classic", arguments: {}, effectivePolicyDefinition: {} });

/** exchange --orders.created--> source --rejected--> dlq, with `count` dead letters of ~1 KiB, every other one gold. */
export async function seedRabbitPair(connection: ChannelModel, prefix: string, count: number): Promise<RabbitPair> {
  const pair = { exchange: `${prefix}-shop`, source: `${prefix}-orders`, dlq: `${prefix}-orders-dlq` };
  const channel: ConfirmChannel = await connection.createConfirmChannel();
  await channel.assertExchange(pair.exchange, "direct", { durable: true });
  await channel.assertQueue(pair.dlq, { durable: true });
  await channel.assertQueue(pair.source, { durable: true, arguments: { "x-dead-letter-exchange": "", "x-dead-letter-routing-key": pair.dlq } });
  await channel.bindQueue(pair.source, pair.exchange, "orders.created");
  for (let i = 0; i < count; i++) {
    channel.publish(pair.exchange, "orders.created", Buffer.from(orderJson(i, RABBIT_BODY_BYTES)), { messageId: `ord-${i}`, contentType: "application/json", persistent: true });
    if (i % 1_000 === 999) await channel.waitForConfirms();
  }
  await channel.waitForConfirms();
  const consumer = await connection.createChannel();
  await consumer.prefetch(1_000);
  let rejected = 0;
  await new Promise<void>((resolve) => {
    void consumer.consume(pair.source, (m) => {
      if (!m) return;
      consumer.nack(m, false, false);
      if (++rejected === count) resolve();
    });
  });
  await consumer.close();
  await waitUntil(`${count} dead letters in ${pair.dlq}`, 120_000, 100, async () => ((await channel.checkQueue(pair.dlq)).messageCount === count ? true : null));
  await channel.close();
  return pair;
}

export async function deleteRabbitPair(connection: ChannelModel, pair: RabbitPair, extraQueues: string[] = []): Promise<void> {
  const channel = await connection.createChannel();
  channel.on("error", () => undefined);
  for (const queue of [pair.source, pair.dlq, ...extraQueues]) await channel.deleteQueue(queue).catch(() => undefined);
  await channel.deleteExchange(pair.exchange).catch(() => undefined);
  await channel.close().catch(() => undefined);
}

export async function queueDepth(connection: ChannelModel, queue: string): Promise<number> {
  const channel = await connection.createChannel();
  try {
    return (await channel.checkQueue(queue)).messageCount;
  } finally {
    await channel.close();
  }
}

/** Redrive's batch replay of the gold half of a DLQ back to its origin. */
export async function redriveRabbitReplay(connection: ChannelModel, pair: RabbitPair, read: "consume" | "get"): Promise<{ ms: number; result: BatchReplayResult }> {
  const { ms, value } = await timed(() => batchReplay(connection, { dlq: classic(pair.dlq), match: (c) => isGoldOrder(c.message), read }));
  return { ms, result: value };
}

export interface NaiveRabbitRun {
  read: number;
  replayed: number;
  ms: number;
}

/**
 * The naive replayer: basic.get one, and for a match publish its copy, wait for that confirm, then ack; a
 * non-match is held (acking or requeueing it would lose it or read it again) and returned at the end.
 */
export async function naiveRabbitReplay(connection: ChannelModel, pair: RabbitPair, matches: number): Promise<NaiveRabbitRun> {
  const reader = await connection.createChannel();
  const publisher = await connection.createConfirmChannel();
  let read = 0;
  let replayed = 0;
  const { ms } = await timed(async () => {
    while (replayed < matches) {
      const m = await reader.get(pair.dlq, { noAck: false });
      if (m === false) break;
      read++;
      if (!isGoldOrder(m)) continue;
      publisher.publish(pair.exchange, "orders.created", m.content, { ...m.properties, mandatory: true });
      await publisher.waitForConfirms();
      reader.ack(m);
      replayed++;
    }
  });
  await publisher.close();
  await reader.close();
  return { read, replayed, ms };
}

export interface PublishCeilingRun {
  published: number;
  ms: number;
}

/**
 * A ceiling for any client-side replay: only publishing `count` copies (the bodies and properties of the DLQ's
 * messages, mandatory, persistent) with publisher confirms, `window` in flight, to a queue of their own: no
 * reads, no filter, no acks. The connection's writes are coalesced as Redrive's are.
 */
export async function publishCeiling(connection: ChannelModel, prefix: string, count: number, window = 256): Promise<PublishCeilingRun> {
  coalesceWrites(connection);
  const queue = `${prefix}-ceiling`;
  const setup = await connection.createChannel();
  await setup.assertQueue(queue, { durable: true });
  const publisher = await connection.createConfirmChannel();
  let inFlight = 0;
  let waiters: (() => void)[] = [];
  const { ms } = await timed(async () => {
    for (let i = 0; i < count; i++) {
      while (inFlight >= window) await new Promise<void>((resolve) => waiters.push(resolve));
      inFlight++;
      const body = Buffer.from(orderJson(i, RABBIT_BODY_BYTES));
      publisher.publish("", queue, body, { messageId: `ord-${i}`, contentType: "application/json", persistent: true, mandatory: true }, () => {
        inFlight--;
        const wake = waiters;
        waiters = [];
        for (const resolve of wake) resolve();
      });
    }
    await publisher.waitForConfirms();
  });
  const published = (await setup.checkQueue(queue)).messageCount;
  await setup.deleteQueue(queue);
  await publisher.close();
  await setup.close();
  return { published, ms };
}

export interface ShovelRun {
  moved: number;
  ms: number;
  state: string;
}

/** A dynamic shovel (ack-mode on-confirm, delete after the queue's length) moving the whole DLQ to its origin, unfiltered. */
export async function shovelRabbitDlq(connection: ChannelModel, managementUrl: string, pair: RabbitPair, count: number): Promise<ShovelRun> {
  const management = benchManagement(managementUrl);
  const name = `${pair.dlq}-shovel`;
  let state = "starting";
  const { ms } = await timed(async () => {
    await management.createShovel({ name, srcUri: "amqp://", srcQueue: pair.dlq, destUri: "amqp://", dest: { queue: pair.source }, deleteAfter: "queue-length" });
    await waitUntil("the shovel to move every message", 300_000, 20, async () => ((await queueDepth(connection, pair.source)) >= count ? true : null));
  });
  state = (await management.shovelStatus(name)).state;
  await management.deleteShovel(name).catch(() => false);
  return { moved: await queueDepth(connection, pair.source), ms, state };
}
