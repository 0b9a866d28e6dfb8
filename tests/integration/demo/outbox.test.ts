import { eq, isNull, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SchemaRegistry } from "@kafkajs/confluent-schema-registry";
import { createProducer } from "../../../demo/app";
import { AvroSerde } from "../../../demo/avro/serde";
import { orders, outboxEvents } from "../../../demo/db/schema";
import { FaultStore, quietFaults } from "../../../demo/faults";
import { createKafka, ensureTopics, TOPICS, topicName } from "../../../demo/kafka/topics";
import { enqueue } from "../../../demo/outbox/outbox";
import { OutboxRelay } from "../../../demo/outbox/relay";
import { placeOrder, randomOrder } from "../../../demo/orders";
import { createDemoDatabase, type TestDatabase } from "../../fixtures/database";
import { dropTestTopics, readTopic, testConfig } from "./helpers";

describe("transactional outbox", () => {
  let tdb: TestDatabase;
  let config: ReturnType<typeof testConfig>;

  beforeAll(async () => {
    tdb = await createDemoDatabase();
    config = testConfig(tdb.url);
  });
  afterAll(async () => {
    await dropTestTopics(config).catch(() => undefined);
    await tdb?.cleanup();
  });

  it("placing an order writes the order and exactly one OrderPlaced outbox row in the same transaction", async () => {
    const { orderId, eventId } = await placeOrder(tdb.db, randomOrder());
    const rows = await tdb.db.select().from(outboxEvents).where(eq(outboxEvents.aggregateId, orderId));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: eventId, aggregateType: "order", eventType: "OrderPlaced", publishedAt: null, attempts: 0 });
    // Same transaction: both rows carry the same creating transaction id (xmin).
    const res = await tdb.db.execute<{ same: boolean }>(sql`
      select (select xmin::text from orders where id = ${orderId}::uuid) =
             (select xmin::text from outbox_events where id = ${eventId}::uuid) as same`);
    expect(res.rows[0]?.same).toBe(true);
  });

  it("rolls back the order when the outbox insert fails", async () => {
    const before = await tdb.db.$count(orders);
    await tdb.db.execute(sql`alter table outbox_events add constraint t_reject check (event_type <> 'OrderPlaced') not valid`);
    try {
      await expect(placeOrder(tdb.db, randomOrder())).rejects.toThrow();
    } finally {
      await tdb.db.execute(sql`alter table outbox_events drop constraint t_reject`);
    }
    expect(await tdb.db.$count(orders)).toBe(before);
  });

  it("the relay publishes each row exactly once and keeps per-aggregate order", async () => {
    await tdb.db.delete(outboxEvents);
    const kafka = createKafka(config);
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, config, [topicName(config, "order.OrderPlaced")]);
    await admin.disconnect();

    const aggregates = ["agg-a", "agg-b", "agg-c", "agg-d"];
    const expected = new Map<string, string[]>();
    for (let i = 0; i < 10; i++) {
      for (const a of aggregates) {
        const [id] = await enqueue(tdb.db, { aggregateType: "order", aggregateId: a, eventType: "OrderPlaced", payload: { i } });
        expected.set(a, [...(expected.get(a) ?? []), id ?? ""]);
      }
    }
    const producer = createProducer(config);
    await producer.connect();
    const relay = new OutboxRelay({ db: tdb.db, producer, config, faults: new FaultStore(quietFaults()), batchSize: 7 });
    try {
      let total = 0;
      for (let n = await relay.runOnce(); n > 0; n = await relay.runOnce()) total += n;
      expect(total).toBe(40);
      expect(await relay.runOnce()).toBe(0); // nothing left: a second pass publishes nothing
    } finally {
      await producer.disconnect();
    }
    expect(await tdb.db.$count(outboxEvents, isNull(outboxEvents.publishedAt))).toBe(0);

    const records = await readTopic(config.brokers, topicName(config, "order.OrderPlaced"), 40);
    expect(records).toHaveLength(40);
    const ids = records.map((r) => r.message.headers?.["event-id"]?.toString());
    expect(new Set(ids).size).toBe(40);
    for (const a of aggregates) {
      const mine = records.filter((r) => r.message.key?.toString() === a);
      expect(new Set(mine.map((r) => r.partition)).size).toBe(1);
      expect(mine.map((r) => r.message.headers?.["event-id"]?.toString())).toEqual(expected.get(a));
      expect(mine.every((r) => r.message.headers?.["event-type"]?.toString() === "OrderPlaced")).toBe(true);
    }
  });

  it("a paused relay leaves a backlog, and publishes it when resumed", async () => {
    await tdb.db.delete(outboxEvents);
    const faults = new FaultStore({ ...quietFaults(), relayPausedFor: ["order"] });
    const producer = createProducer(config);
    await producer.connect();
    try {
      const relay = new OutboxRelay({ db: tdb.db, producer, config, faults });
      await placeOrder(tdb.db, randomOrder());
      expect(await relay.runOnce()).toBe(0);
      faults.patch({ relayPausedFor: [], relayPaused: true });
      expect(await relay.runOnce()).toBe(0);
      expect(await tdb.db.$count(outboxEvents, isNull(outboxEvents.publishedAt))).toBe(1);
      faults.patch({ relayPaused: false });
      expect(await relay.runOnce()).toBe(1);
    } finally {
      await producer.disconnect();
    }
  });

  it("writes the payment events in Avro; while the registry is unreachable the rows wait in the outbox, nothing is sent", async () => {
    await tdb.db.delete(outboxEvents);
    const kafka = createKafka(config);
    const admin = kafka.admin();
    await admin.connect();
    const topic = topicName(config, TOPICS.paymentAuthorized);
    await ensureTopics(admin, config, [topic]);
    await admin.disconnect();
    const orderId = "0b7c5f5e-1d2a-4c3b-9e8f-7a6b5c4d3e2f";
    await enqueue(tdb.db, { aggregateType: "payment", eventType: "PaymentAuthorized", aggregateId: orderId, payload: { orderId, customerId: "cust-1", amountCents: 4_250 } });
    const producer = createProducer(config);
    await producer.connect();
    try {
      // Nothing listens on port 9: the encoder fails, the batch is not sent anywhere, the row keeps its error.
      const down = new AvroSerde({ ...config.avro!, registryUrl: "http://127.0.0.1:9/apis/ccompat/v7" }, config);
      expect(await new OutboxRelay({ db: tdb.db, producer, avro: down, config, faults: new FaultStore(quietFaults()) }).runOnce()).toBe(0);
      const [waiting] = await tdb.db.select().from(outboxEvents).where(isNull(outboxEvents.publishedAt));
      expect(waiting).toMatchObject({ aggregateId: orderId, attempts: 1 });
      expect(waiting!.lastError).toMatch(/ECONNREFUSED|fetch failed|connect/i);

      const avro = new AvroSerde(config.avro!, config);
      expect(await new OutboxRelay({ db: tdb.db, producer, avro, config, faults: new FaultStore(quietFaults()) }).runOnce()).toBe(1);
      const [record] = await readTopic(config.brokers, topic, 1, 300);
      expect(record!.message.key!.toString()).toBe(orderId);
      const decoded = (await new SchemaRegistry({ host: config.avro!.registryUrl }).decode(record!.message.value!)) as Record<string, unknown>;
      expect(decoded).toMatchObject({ orderId, customerId: "cust-1", currency: "EUR" });
      expect(Buffer.from(decoded.amount as Buffer).toString("hex")).toBe("109a"); // 4250 cents, exact
    } finally {
      await producer.disconnect();
    }
  });
});
