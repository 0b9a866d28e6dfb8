import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProducer } from "../../../demo/app";
import { MAX_PAYLOAD_BYTES } from "../../../demo/consumers/envelope";
import { PAYMENT_GROUP, paymentProcessor } from "../../../demo/consumers/payment-processor";
import type { ConsumerRunner } from "../../../demo/consumers/runner";
import { outboxEvents, payments, processedEvents } from "../../../demo/db/schema";
import { FaultStore, poisonKinds, quietFaults } from "../../../demo/faults";
import { DLT, parseDltHeaders } from "../../../demo/kafka/dlt-headers";
import { createKafka, ensureTopics, TOPICS, topicName } from "../../../demo/kafka/topics";
import { poisonMessage } from "../../../demo/poison";
import { createDemoDatabase, type TestDatabase } from "../../fixtures/database";
import { dropTestTopics, readTopic, testConfig, waitFor } from "./helpers";

describe("idempotent Kafka consumers and dead-lettering", () => {
  let tdb: TestDatabase;
  let config: ReturnType<typeof testConfig>;
  let producer: ReturnType<typeof createProducer>;
  let runner: ConsumerRunner;
  const topic = () => topicName(config, TOPICS.authorizePayment);

  beforeAll(async () => {
    tdb = await createDemoDatabase();
    config = testConfig(tdb.url);
    const kafka = createKafka(config);
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, config);
    await admin.disconnect();
    producer = createProducer(config);
    await producer.connect();
    runner = paymentProcessor({ kafka, producer, db: tdb.db, config, faults: new FaultStore(quietFaults()), log: () => {} });
    await runner.start();
  });
  afterAll(async () => {
    await runner?.stop();
    await producer?.disconnect();
    await dropTestTopics(config, [PAYMENT_GROUP]).catch(() => undefined);
    await tdb?.cleanup();
  });

  it("processes a duplicate delivery once and counts the skip", async () => {
    const orderId = randomUUID();
    const eventId = randomUUID();
    const command = {
      schemaVersion: 1,
      sagaId: randomUUID(),
      orderId,
      step: "payment.authorize",
      action: "execute",
      attempt: 1,
      customerId: "c-1",
      sku: "SKU-1",
      quantity: 1,
      amountCents: 999,
    };
    const message = { key: orderId, value: JSON.stringify(command), headers: { "event-id": eventId, "event-type": "AuthorizePayment" } };
    await producer.send({ topic: topic(), acks: -1, messages: [message, message] });
    await waitFor("both deliveries handled", async () => runner.stats.processed + runner.stats.duplicates >= 2);
    expect(runner.stats.duplicates).toBe(1);
    expect(await tdb.db.$count(processedEvents, eq(processedEvents.eventId, eventId))).toBe(1);
    expect(await tdb.db.$count(payments, eq(payments.orderId, orderId))).toBe(1);
    // One reply (saga.StepReply) and one PaymentAuthorized event: the work ran once.
    expect(await tdb.db.$count(outboxEvents)).toBe(2);
  });

  it("dead-letters every poison kind to <topic>.DLQ with the original bytes and all Spring error headers", async () => {
    const sent = poisonKinds.map((kind) => ({ kind, key: `poison-${kind}`, ...poisonMessage(kind), eventId: randomUUID() }));
    const meta = await producer.send({
      topic: topic(),
      acks: -1,
      messages: sent.map((p) => ({
        key: p.key,
        value: p.value,
        partition: 1,
        headers: { "event-id": p.eventId, "event-type": p.eventType },
      })),
    });
    const baseOffset = BigInt(meta[0]?.baseOffset ?? "0");
    const records = await readTopic(config.brokers, `${topic()}.DLQ`, sent.length, 500);
    expect(records).toHaveLength(sent.length);
    expect(runner.stats.deadLettered).toBe(sent.length);
    expect(runner.stats.retries).toBe(sent.length * 2);

    const expectedClass: Record<string, string> = {
      "unparseable-json": "demo.MalformedMessageError",
      binary: "demo.MalformedMessageError",
      "unknown-schema-version": "demo.UnknownSchemaVersionError",
      oversized: "demo.PayloadTooLargeError",
    };
    for (const [i, p] of sent.entries()) {
      const rec = records.find((r) => r.message.key?.toString() === p.key);
      expect(rec, p.kind).toBeDefined();
      const m = rec!.message;
      expect(Buffer.compare(m.value!, p.value), `${p.kind} bytes`).toBe(0);
      expect(m.headers?.["event-id"]?.toString()).toBe(p.eventId);
      for (const h of Object.values(DLT)) expect(m.headers?.[h], `${p.kind} header ${h}`).toBeDefined();
      expect((m.headers?.[DLT.partition] as Buffer).length).toBe(4);
      expect((m.headers?.[DLT.offset] as Buffer).length).toBe(8);
      expect((m.headers?.[DLT.timestamp] as Buffer).length).toBe(8);
      const dlt = parseDltHeaders(m.headers ?? {});
      expect(dlt).toMatchObject({
        topic: topic(),
        partition: 1,
        offset: (baseOffset + BigInt(i)).toString(),
        timestampType: "CreateTime",
        consumerGroup: `${config.groupPrefix}${PAYMENT_GROUP}`,
        exceptionClass: expectedClass[p.kind],
        attempts: 3,
      });
      expect(Number(dlt.timestamp)).toBeGreaterThan(Date.now() - 120_000);
      expect(dlt.message?.length).toBeGreaterThan(0);
      expect(dlt.stacktrace).toContain("Error");
      if (p.kind === "oversized") expect(m.value!.length).toBeGreaterThan(MAX_PAYLOAD_BYTES);
    }
  });
});
