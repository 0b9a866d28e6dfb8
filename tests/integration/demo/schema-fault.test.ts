import { SchemaRegistry, SchemaType } from "@kafkajs/confluent-schema-registry";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDemo, type DemoApp } from "../../../demo/app";
import { breakingSchema, BREAKING_TOPIC } from "../../../demo/avro/payment-schemas";
import { LEDGER_GROUP } from "../../../demo/consumers/ledger-service";
import { PAYMENT_GROUP } from "../../../demo/consumers/payment-processor";
import { INVENTORY_GROUP } from "../../../demo/consumers/inventory-service";
import { SHIPPING_GROUP } from "../../../demo/consumers/shipping-service";
import { ledgerEntries, sagaInstances } from "../../../demo/db/schema";
import { FaultStore, quietFaults } from "../../../demo/faults";
import { parseDltHeaders } from "../../../demo/kafka/dlt-headers";
import { TOPICS, topicName } from "../../../demo/kafka/topics";
import { placeOrder, randomOrder } from "../../../demo/orders";
import { ORCHESTRATOR_GROUP } from "../../../demo/saga/orchestrator";
import type { FailureGroup } from "~/server/dlq/groups";
import type { DlqMessageDetail } from "~/server/dlq/messages";
import type { SchemaEvolution } from "~/server/dlq/schema-evolution";
import { createDemoDatabase, type TestDatabase } from "../../fixtures/database";
import { ApiHarness } from "../helpers/api";
import { dropTestTopics, readTopic, testConfig, waitFor } from "./helpers";

// The demo's schema-registry fault end to end, as `npm run demo` runs it: the relay writes the payment events in
// Avro through the real Apicurio Registry; the knob registers a breaking v2 (merchantId required, no default);
// ledger-service, reading with the latest version, dead-letters every v1 event while the sagas carry on; Redrive
// shows the failure group by schema id, the decoded value, the diff and the registry's verdict; rolling the change
// back and replaying through Redrive books every payment.

describe("the demo's avroBreakingChange fault", () => {
  let tdb: TestDatabase;
  let config: ReturnType<typeof testConfig>;
  let faults: FaultStore;
  let demo: DemoApp;
  let api: ApiHarness;
  let registry: SchemaRegistry;
  const topic = () => topicName(config, TOPICS.paymentAuthorized);
  const subject = () => `${topic()}-value`;
  const latestVersion = async () => {
    const res = await fetch(`${config.avro!.registryUrl}/subjects/${encodeURIComponent(subject())}/versions/latest`);
    return res.ok ? ((await res.json()) as { version: number }).version : undefined;
  };

  beforeAll(async () => {
    tdb = await createDemoDatabase();
    const base = testConfig(tdb.url);
    config = { ...base, avro: { ...base.avro!, readerRefreshMs: 200 } };
    faults = new FaultStore(quietFaults());
    demo = await startDemo(config, faults, { traffic: false, poison: false, notifications: false, log: () => {} });
    expect(demo.avro).toBeDefined();
    registry = new SchemaRegistry({ host: config.avro!.registryUrl });
    api = await ApiHarness.start({ kafka: [{ name: "local", brokers: config.brokers, schemaRegistry: { url: config.avro!.registryUrl } }] });
  }, 120_000);
  afterAll(async () => {
    await demo?.stop();
    await api?.close();
    await dropTestTopics(config, [PAYMENT_GROUP, INVENTORY_GROUP, SHIPPING_GROUP, LEDGER_GROUP, ORCHESTRATOR_GROUP]).catch(() => undefined);
    await tdb?.cleanup();
  });

  it("writes the payment events in Avro, and ledger-service books them, before the change", async () => {
    const order = randomOrder();
    const { orderId } = await placeOrder(tdb.db, order);
    const booked = await waitFor("the ledger entry", async () => (await tdb.db.select().from(ledgerEntries).where(eq(ledgerEntries.orderId, orderId)))[0]);
    expect(booked).toMatchObject({ amountCents: order.amountCents, currency: "EUR" });
    // On the topic: the Confluent wire format, readable by the registry's own client with v1.
    const [record] = await readTopic(config.brokers, topic(), 1, 200);
    expect(record!.message.value![0]).toBe(0);
    expect(await registry.decode(record!.message.value!)).toMatchObject({ orderId, customerId: order.customerId, currency: "EUR" });
    expect(await latestVersion()).toBe(1);
  });

  it("dead-letters every v1 event once the knob registers the breaking change; Redrive shows group, value, diff and verdict; rollback and replay book them", async () => {
    faults.patch({ avroBreakingChange: true });
    await waitFor("v2 registered", async () => (await latestVersion()) === 2);
    await new Promise((r) => setTimeout(r, 400)); // past the consumer's reader refresh
    const placed = await Promise.all(Array.from({ length: 3 }, () => placeOrder(tdb.db, randomOrder())));

    const dlqTopic = `${topic()}.DLQ`;
    const records = await readTopic(config.brokers, dlqTopic, 3, 500);
    expect(records).toHaveLength(3);
    const dlt = parseDltHeaders(records[0]!.message.headers ?? {});
    expect(dlt.exceptionClass).toMatch(/SerializationException$/);
    expect(dlt.message).toMatch(/^Error deserializing Avro message for id \d+: .*merchantId/);
    // The sagas do not wait on the ledger: they complete.
    for (const { orderId } of placed) {
      await waitFor(`saga of ${orderId} completed`, async () => (await tdb.db.select().from(sagaInstances).where(eq(sagaInstances.correlationId, orderId)))[0]?.status === "completed");
    }
    expect(await tdb.db.select().from(ledgerEntries)).toHaveLength(1);

    const viewer = await api.tokenFor("viewer");
    const as = { authorization: `Bearer ${viewer}` };
    const groups = await api.data<{ groups: FailureGroup[] }>("dlq.groups", { kind: "query", input: { kind: "kafka", connection: "local", dlq: dlqTopic, groupBy: "schema" }, headers: as });
    expect(groups.groups).toHaveLength(1);
    const writerId = await registry.getRegistryId(subject(), 1);
    expect(groups.groups[0]).toMatchObject({ count: 3, schemaId: writerId, exceptionClass: dlt.exceptionClass });

    const id = `${records[0]!.partition}:${records[0]!.message.offset}`;
    const detail = await api.data<DlqMessageDetail>("dlq.message", { kind: "query", input: { kind: "kafka", connection: "local", dlq: dlqTopic, id }, headers: as });
    expect(detail.schemas.value).toMatchObject({ status: "decoded", format: "avro", schemaId: writerId, subject: subject(), version: 1 });
    const decoded = JSON.parse(detail.schemas.value!.json!) as { orderId: string; amount: number; currency: string };
    const order = placed.find((p) => p.orderId === decoded.orderId);
    expect(order).toBeDefined();
    expect(decoded.currency).toBe("EUR");

    const evolution = await api.data<SchemaEvolution>("dlq.schemaEvolution", { kind: "query", input: { connection: "local", dlq: dlqTopic, id }, headers: as });
    expect(evolution).toMatchObject({
      schemaFailure: true,
      status: "compared",
      writer: { id: writerId, version: 1 },
      latest: { version: 2 },
      changes: [{ kind: "default-missing", path: "PaymentAuthorized.merchantId", from: null, to: "string" }],
      compatibility: { level: "BACKWARD", compatible: false },
    });
    expect(JSON.parse(evolution.latest!.schema)).toEqual(breakingSchema(BREAKING_TOPIC));
    // The reader side agrees with the registry's verdict: the client library cannot read v1 with v2.
    const v2 = await registry.getSchema(await registry.getLatestSchemaId(subject()));
    await expect(registry.decode(records[0]!.message.value!, { [SchemaType.AVRO]: { readerSchema: v2 } })).rejects.toThrow(/merchantId/);

    // Roll back, then replay every dead letter through Redrive: each payment is booked once.
    faults.patch({ avroBreakingChange: false });
    await waitFor("v2 rolled back", async () => (await latestVersion()) === 1);
    await new Promise((r) => setTimeout(r, 400));
    const operator = { authorization: `Bearer ${await api.tokenFor("operator")}` };
    for (const r of records) {
      const response = await api.call("replay.one", { kind: "mutation", input: { kind: "kafka", connection: "local", dlq: dlqTopic, id: `${r.partition}:${r.message.offset}` }, headers: operator });
      expect(response.status).toBe(200);
    }
    await waitFor("every payment booked", async () => (await tdb.db.select().from(ledgerEntries)).length === 4);
    const ledger = await tdb.db.select().from(ledgerEntries);
    for (const { orderId } of placed) expect(ledger.some((l) => l.orderId === orderId)).toBe(true);
  });
});
