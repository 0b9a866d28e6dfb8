import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RabbitMqAdapter } from "~/server/brokers/rabbitmq/adapter";
import type { BrowsedMessage } from "~/server/brokers/rabbitmq/reader";
import { eventually, rabbitAdapter, RabbitFixture } from "./helpers/rabbitmq";

let rabbit: RabbitFixture;
let adapter: RabbitMqAdapter;

beforeAll(async () => {
  rabbit = await RabbitFixture.open();
  adapter = rabbitAdapter();
});

afterAll(async () => {
  await rabbit?.cleanup();
  await adapter?.close();
});

/** A source queue published to through its own direct exchange, dead-lettering into a fresh DLQ. */
async function pair(sourceArgs: Record<string, unknown>) {
  const dlq = await rabbit.queue("dlq");
  const exchange = await rabbit.exchange("shop", "direct");
  const source = await rabbit.queue("src", { "x-dead-letter-exchange": "", "x-dead-letter-routing-key": dlq, ...sourceArgs });
  await rabbit.channel.bindQueue(source, exchange, "orders.created");
  return { dlq, exchange, source };
}

async function onlyDeadLetter(dlq: string): Promise<BrowsedMessage> {
  await eventually("dead letter arrived", () => rabbit.count(dlq), (n) => n === 1);
  const page = await adapter.browse(dlq, 10);
  expect(page.messages).toHaveLength(1);
  return page.messages[0]!;
}

/** The decoded failure must say exactly what the broker wrote in the raw headers. */
function expectDecodedAsWritten(message: BrowsedMessage, expected: { reason: string; queue: string; exchange: string; routingKey: string; count: number }, window: [number, number]) {
  const raw = (message.headers["x-death"] as Record<string, unknown>[])[0]!;
  expect(raw).toMatchObject({ reason: expected.reason, queue: expected.queue, exchange: expected.exchange, "routing-keys": [expected.routingKey], count: expected.count });
  expect(message.headers).toMatchObject({ "x-first-death-reason": expected.reason, "x-first-death-queue": expected.queue, "x-first-death-exchange": expected.exchange });
  const failure = message.failure!;
  expect(failure).toMatchObject({
    conventions: ["x-first-death", "x-death"],
    sourceQueue: expected.queue,
    deathReason: expected.reason,
    deathCount: expected.count,
    originalExchange: expected.exchange,
    originalRoutingKey: expected.routingKey,
  });
  expect(failure.deathTimeMs).toBe((raw.time as { value: number }).value * 1000);
  // AMQP timestamps have whole seconds.
  expect(failure.deathTimeMs!).toBeGreaterThanOrEqual(Math.floor(window[0] / 1000) * 1000);
  expect(failure.deathTimeMs!).toBeLessThanOrEqual(window[1]);
}

describe("x-death as RabbitMQ writes it, decoded", () => {
  it("rejected: nack without requeue", async () => {
    const { dlq, exchange, source } = await pair({});
    const before = Date.now();
    await rabbit.publish(exchange, "orders.created", "r", { messageId: "rejected-1" });
    const channel = await rabbit.connection.createChannel();
    const message = await eventually("message in source", () => channel.get(source), (m) => m !== false);
    if (message) channel.nack(message, false, false);
    const dead = await onlyDeadLetter(dlq);
    await channel.close();
    expectDecodedAsWritten(dead, { reason: "rejected", queue: source, exchange, routingKey: "orders.created", count: 1 }, [before, Date.now()]);
    expect(dead.body.toString()).toBe("r");
    // The DLQ's head age comes from the head's x-death time, not from the publisher's timestamp.
    expect(await adapter.headDeadLetteredAt(dlq)).toEqual({ atMs: dead.failure!.deathTimeMs, source: "x-death time" });
    expect(await rabbit.count(dlq)).toBe(1);
  });

  it("expired: per-message TTL", async () => {
    const { dlq, exchange, source } = await pair({});
    const before = Date.now();
    await rabbit.publish(exchange, "orders.created", "e", { messageId: "expired-1", expiration: "50" });
    const dead = await onlyDeadLetter(dlq);
    expectDecodedAsWritten(dead, { reason: "expired", queue: source, exchange, routingKey: "orders.created", count: 1 }, [before, Date.now()]);
    expect(dead.failure!.deaths[0]!.originalExpiration).toBe("50");
  });

  it("maxlen: x-max-length 1 with overflow drop-head drops the oldest into the DLQ", async () => {
    const { dlq, exchange, source } = await pair({ "x-max-length": 1, "x-overflow": "drop-head" });
    const before = Date.now();
    await rabbit.publish(exchange, "orders.created", "first", { messageId: "maxlen-1" });
    await rabbit.publish(exchange, "orders.created", "second", { messageId: "maxlen-2" });
    const dead = await onlyDeadLetter(dlq);
    expect(dead.key).toBe("id:maxlen-1");
    expectDecodedAsWritten(dead, { reason: "maxlen", queue: source, exchange, routingKey: "orders.created", count: 1 }, [before, Date.now()]);
    expect(await rabbit.count(source)).toBe(1);
  });

  it("delivery_limit: a quorum queue dead-letters after its delivery limit of requeues", async () => {
    const { dlq, exchange, source } = await pair({ "x-queue-type": "quorum", "x-delivery-limit": 2 });
    const before = Date.now();
    await rabbit.publish(exchange, "orders.created", "d", { messageId: "limit-1" });
    const channel = await rabbit.connection.createChannel();
    const seenCounts: unknown[] = [];
    for (let attempt = 0; attempt < 10 && (await rabbit.count(dlq)) === 0; attempt++) {
      const message = await channel.get(source);
      if (!message) continue;
      seenCounts.push(message.properties.headers?.["x-delivery-count"]);
      channel.nack(message, false, true);
    }
    const dead = await onlyDeadLetter(dlq);
    await channel.close();
    // Delivered three times (3.10 stamps x-delivery-count 0, 1, 2): the third requeue passed the limit of 2.
    expect(seenCounts).toEqual([0, 1, 2]);
    expectDecodedAsWritten(dead, { reason: "delivery_limit", queue: source, exchange, routingKey: "orders.created", count: 1 }, [before, Date.now()]);
  });
});
