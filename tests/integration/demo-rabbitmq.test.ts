import { connect, type Channel, type ChannelModel, type GetMessage, type XDeath } from "amqplib";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProducer } from "../../demo/app";
import { DEFAULT_RABBITMQ_URL, type RabbitConfig } from "../../demo/config";
import { processedEvents } from "../../demo/db/schema";
import { FaultStore, quietFaults } from "../../demo/faults";
import { createKafka, ensureTopics } from "../../demo/kafka/topics";
import { placeOrder, randomOrder } from "../../demo/orders";
import { OutboxRelay } from "../../demo/outbox/relay";
import { startRabbitPart, type RabbitPart } from "../../demo/rabbitmq/part";
import { publishRabbitPoison, RabbitPoisonInjector } from "../../demo/rabbitmq/poison";
import { SPRING_REPUBLISH_HEADERS } from "../../demo/rabbitmq/spring-headers";
import { deleteTopology, QUEUE_BINDINGS, rabbitNames } from "../../demo/rabbitmq/topology";
import { createDemoDatabase, type TestDatabase } from "../fixtures/database";
import { uniqueName } from "../fixtures/names";
import { dropTestTopics, testConfig, waitFor } from "./demo/helpers";

// The demo's RabbitMQ part against the real broker, under a unique name prefix: each fault knob produces
// the dead letter it promises (x-death reason, or Spring's republish headers), and a fixed consumer
// handles the replayed message.

const URL = process.env.RABBITMQ_URL || DEFAULT_RABBITMQ_URL;

describe("demo RabbitMQ part", () => {
  const prefix = `${uniqueName("t")}.demo.`;
  const names = rabbitNames(prefix);
  const faults = new FaultStore(quietFaults());
  const rabbitConfig: RabbitConfig = { ...testConfig("unused").rabbitmq, url: URL, prefix, deliveryLimit: 2 };
  const logs: string[] = [];
  let tdb: TestDatabase;
  let part: RabbitPart;
  let conn: ChannelModel;
  let ch: Channel;

  beforeAll(async () => {
    tdb = await createDemoDatabase();
    const started = await startRabbitPart({
      config: rabbitConfig,
      retry: { attempts: 3, baseMs: 20, maxMs: 100 },
      db: tdb.db,
      faults,
      poison: false,
      log: (m) => logs.push(m),
    });
    if (!started) throw new Error(`RabbitMQ part did not start: ${logs.join(" | ")}`);
    part = started;
    conn = await connect(URL);
    ch = await conn.createChannel();
  });
  afterAll(async () => {
    await part?.stop();
    if (ch) await deleteTopology(ch, names);
    await conn?.close();
    await tdb?.cleanup();
  });

  const depth = async (queue: string) => (await ch.checkQueue(queue)).messageCount;
  const publish = (routingKey: string, body: unknown, options: { expiration?: string; id?: string } = {}) => {
    const id = options.id ?? uniqueName("evt");
    return part.publisher
      .publish(names.ordersExchange, routingKey, Buffer.from(JSON.stringify(body)), {
        persistent: true,
        messageId: id,
        contentType: "application/json",
        headers: { "event-id": id, "event-type": "OrderPlaced" },
        ...(options.expiration ? { expiration: options.expiration } : {}),
      })
      .then(() => id);
  };
  async function takeOne(queue: string): Promise<GetMessage> {
    await waitFor(`a dead letter in ${queue}`, async () => (await depth(queue)) >= 1, 30_000);
    const msg = await ch.get(queue, { noAck: false });
    if (!msg) throw new Error(`${queue} emptied under us`);
    ch.ack(msg);
    return msg;
  }
  const processed = async (consumer: string, eventId: string) =>
    (await tdb.db.select().from(processedEvents).where(and(eq(processedEvents.consumer, consumer), eq(processedEvents.eventId, eventId))))
      .length;
  const consumer = (name: string) => part.consumers.find((c) => c.name === name)!;

  it("declares the topology idempotently (a second declaration with the same arguments succeeds)", async () => {
    const again = await startRabbitPart({ config: rabbitConfig, retry: { attempts: 1, baseMs: 1, maxMs: 1 }, db: tdb.db, faults, consumers: false, poison: false, log: (m) => logs.push(m) });
    expect(again).toBeDefined();
    await again!.stop();
    for (const q of [names.notifications, names.notificationsDlq, names.loyalty, names.loyaltyDlq, names.invoicing, names.invoicingDlq]) {
      expect((await ch.checkQueue(q)).queue).toBe(q);
    }
  });

  it("push-notifier rejects failing messages without requeue: the DLX dead-letters them (x-death reason rejected)", async () => {
    faults.patch({ rabbitmq: { failureRate: { "push-notifier": 1 } } });
    const id = await publish(QUEUE_BINDINGS.notifications, { schemaVersion: 1, orderId: "o-rejected" });
    const dead = await takeOne(names.notificationsDlq);
    faults.patch({ rabbitmq: { failureRate: { "push-notifier": 0 } } });
    const death = (dead.properties.headers?.["x-death"] as XDeath[])[0]!;
    expect(death).toMatchObject({ reason: "rejected", queue: names.notifications, exchange: names.ordersExchange, count: 1 });
    expect(death["routing-keys"]).toEqual([QUEUE_BINDINGS.notifications]);
    expect(dead.properties.headers?.["x-first-death-reason"]).toBe("rejected");
    expect(dead.properties.headers?.["event-id"]).toBe(id);
    expect(JSON.parse(dead.content.toString())).toEqual({ schemaVersion: 1, orderId: "o-rejected" });
    expect(consumer("push-notifier").stats.rejected).toBeGreaterThanOrEqual(1);
    expect(await processed("push-notifier", id)).toBe(0);
  });

  it("a poison message is rejected the same way (unparseable JSON)", async () => {
    const id = await publishRabbitPoison(part.publisher, names.ordersExchange, QUEUE_BINDINGS.notifications, "unparseable-json");
    const dead = await takeOne(names.notificationsDlq);
    expect(dead.properties.messageId).toBe(id);
    expect(dead.properties.headers?.["x-first-death-reason"]).toBe("rejected");
    expect(logs.some((l) => l.includes("[push-notifier] rejected") && l.includes("not JSON"))).toBe(true);
  });

  it("a stopped push-notifier lets per-message TTLs run out: dead letters with reason expired", async () => {
    faults.patch({ stoppedConsumers: ["push-notifier"] });
    await waitFor("push-notifier cancelled", async () => !consumer("push-notifier").running);
    const id = await publish(QUEUE_BINDINGS.notifications, { schemaVersion: 1, orderId: "o-expired" }, { expiration: "300" });
    const dead = await takeOne(names.notificationsDlq);
    const death = (dead.properties.headers?.["x-death"] as XDeath[])[0]!;
    expect(death).toMatchObject({ reason: "expired", queue: names.notifications });
    expect(death["original-expiration"]).toBe("300");
    expect(dead.properties.headers?.["event-id"]).toBe(id);
    expect(dead.properties.expiration).toBeUndefined(); // RabbitMQ removes it so the dead letter stays
    faults.patch({ stoppedConsumers: [] });
    await waitFor("push-notifier consuming again", async () => consumer("push-notifier").running);
  });

  it("poison injected while push-notifier is stopped carries the route's TTL: it expires and does not hold back later expiries", async () => {
    faults.patch({ stoppedConsumers: ["push-notifier"], rabbitmq: { poisonPerMinute: 60 } });
    await waitFor("push-notifier cancelled", async () => !consumer("push-notifier").running);
    const injector = new RabbitPoisonInjector(part.publisher, names.ordersExchange, faults, (m) => logs.push(m), (key) =>
      key === QUEUE_BINDINGS.notifications ? 300 : undefined,
    );
    injector.start();
    try {
      // The first injection goes to order.placed; the timer ticks once a second, so stop right after it.
      await waitFor("one poison message", async () => injector.sent >= 1, 10_000, 20);
    } finally {
      injector.stop();
      faults.patch({ rabbitmq: { poisonPerMinute: 0 } });
    }
    const id = await publish(QUEUE_BINDINGS.notifications, { schemaVersion: 1, orderId: "o-behind-poison" }, { expiration: "300" });
    await waitFor("both expired", async () => (await depth(names.notificationsDlq)) >= 2, 30_000);
    const first = await takeOne(names.notificationsDlq);
    const second = await takeOne(names.notificationsDlq);
    expect(String(first.properties.type)).toMatch(/^Poison\./);
    expect(first.properties.headers?.["x-first-death-reason"]).toBe("expired");
    expect(second.properties.headers?.["event-id"]).toBe(id);
    expect(second.properties.headers?.["x-first-death-reason"]).toBe("expired");
    faults.patch({ stoppedConsumers: [] });
    await waitFor("push-notifier consuming again", async () => consumer("push-notifier").running);
  });

  it("loyalty-service requeues failures until the quorum queue's delivery limit dead-letters them (reason delivery_limit)", async () => {
    faults.patch({ rabbitmq: { failureRate: { "loyalty-service": 1 } } });
    const before = consumer("loyalty-service").stats.requeued;
    const id = await publish(QUEUE_BINDINGS.loyalty, { schemaVersion: 1, orderId: "o-limit" });
    const dead = await takeOne(names.loyaltyDlq);
    faults.patch({ rabbitmq: { failureRate: { "loyalty-service": 0 } } });
    const death = (dead.properties.headers?.["x-death"] as XDeath[])[0]!;
    expect(death).toMatchObject({ reason: "delivery_limit", queue: names.loyalty });
    expect(dead.properties.headers?.["event-id"]).toBe(id);
    // Delivered once plus deliveryLimit redeliveries, each nacked with requeue=true.
    expect(consumer("loyalty-service").stats.requeued - before).toBe(rabbitConfig.deliveryLimit + 1);
    expect(await depth(names.loyalty)).toBe(0);
  });

  it("invoice-service retries, then republishes Spring-style with x-exception-* and x-original-* headers", async () => {
    faults.patch({ rabbitmq: { failureRate: { "invoice-service": 1 } } });
    const retriesBefore = consumer("invoice-service").stats.retries;
    const id = await publish(QUEUE_BINDINGS.invoicing, { schemaVersion: 1, orderId: "o-spring" });
    const dead = await takeOne(names.invoicingDlq);
    faults.patch({ rabbitmq: { failureRate: { "invoice-service": 0 } } });
    const h = dead.properties.headers ?? {};
    expect(dead.fields.exchange).toBe(names.invoicingErrors);
    expect(dead.fields.routingKey).toBe(`error.${QUEUE_BINDINGS.invoicing}`);
    expect(h[SPRING_REPUBLISH_HEADERS.exceptionMessage]).toBe("invoice renderer rejected the order (injected fault)");
    expect(h[SPRING_REPUBLISH_HEADERS.originalExchange]).toBe(names.ordersExchange);
    expect(h[SPRING_REPUBLISH_HEADERS.originalRoutingKey]).toBe(QUEUE_BINDINGS.invoicing);
    expect(String(h[SPRING_REPUBLISH_HEADERS.exceptionStacktrace])).toMatch(/^DownstreamUnavailableError: invoice renderer.*\n\s+at /);
    expect(h["x-death"]).toBeUndefined(); // republished by the application, not dead-lettered by the broker
    expect(h["event-id"]).toBe(id);
    expect(dead.properties.messageId).toBe(id);
    expect(dead.properties.deliveryMode).toBe(2);
    expect(consumer("invoice-service").stats.retries - retriesBefore).toBe(2);
    expect(await depth(names.invoicing)).toBe(0); // the original was acked after the copy was confirmed
  });

  it("after the fix, a dead letter replayed to its original exchange and routing key is handled once", async () => {
    faults.patch({ rabbitmq: { failureRate: { "loyalty-service": 1 } } });
    const id = await publish(QUEUE_BINDINGS.loyalty, { schemaVersion: 1, orderId: "o-replay" });
    await waitFor("dead letter", async () => (await depth(names.loyaltyDlq)) === 1);
    faults.patch({ rabbitmq: { failureRate: { "loyalty-service": 0 } } });
    const dead = (await ch.get(names.loyaltyDlq, { noAck: false })) as GetMessage;
    const death = (dead.properties.headers?.["x-death"] as XDeath[])[0]!;
    // What an operator's replay does: publish to where it came from, confirmed, then remove the DLQ copy.
    await part.publisher.publish(death.exchange, death["routing-keys"][0]!, dead.content, {
      persistent: true,
      messageId: dead.properties.messageId as string,
      headers: { "event-id": dead.properties.headers?.["event-id"] as string },
    });
    ch.ack(dead);
    await waitFor("replayed message handled", async () => (await processed("loyalty-service", id)) === 1);
    expect(await depth(names.loyaltyDlq)).toBe(0);
  });

  it("the outbox relay publishes routed events with confirms (OrderPlaced -> notifications, with its TTL)", async () => {
    const config = { ...testConfig(tdb.url), rabbitmq: rabbitConfig };
    const kafka = createKafka(config);
    const admin = kafka.admin();
    await admin.connect();
    const producer = createProducer(config);
    try {
      await ensureTopics(admin, config);
      await producer.connect();
      faults.patch({ stoppedConsumers: ["push-notifier"] });
      await waitFor("push-notifier cancelled", async () => !consumer("push-notifier").running);
      const { eventId } = await placeOrder(tdb.db, randomOrder());
      const relay = new OutboxRelay({ db: tdb.db, producer, rabbit: part.relayTarget, config, faults });
      expect(await relay.runOnce()).toBeGreaterThanOrEqual(1);
      const msg = (await ch.get(names.notifications, { noAck: false })) as GetMessage;
      expect(msg).toBeTruthy();
      expect(msg.properties.messageId).toBe(eventId);
      expect(msg.properties.expiration).toBe("60000");
      expect(msg.properties.headers).toMatchObject({ "event-id": eventId, "event-type": "OrderPlaced" });
      ch.nack(msg, false, true);
      faults.patch({ stoppedConsumers: [] });
      await waitFor("relayed OrderPlaced handled", async () => (await processed("push-notifier", eventId)) === 1);
    } finally {
      faults.patch({ stoppedConsumers: [] });
      await producer.disconnect();
      await admin.disconnect();
      await dropTestTopics(config).catch(() => undefined);
    }
  });

  it("an unreachable broker is one log line (no password in it) and no part", async () => {
    const lines: string[] = [];
    const none = await startRabbitPart({
      config: { ...rabbitConfig, url: "amqp://guest:s3cret@127.0.0.1:1" },
      retry: { attempts: 1, baseMs: 1, maxMs: 1 },
      db: tdb.db,
      faults,
      log: (m) => lines.push(m),
    });
    expect(none).toBeUndefined();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[rabbitmq\] not reachable at amqp:\/\/guest:\*\*\*@127\.0\.0\.1:1 .*running the demo without/);
    expect(lines[0]).not.toContain("s3cret");
  });
});
