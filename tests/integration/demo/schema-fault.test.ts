import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProducer } from "../../../demo/app";
import { PAYMENT_GROUP, paymentProcessor } from "../../../demo/consumers/payment-processor";
import type { ConsumerRunner } from "../../../demo/consumers/runner";
import { FaultStore, quietFaults } from "../../../demo/faults";
import { parseDltHeaders } from "../../../demo/kafka/dlt-headers";
import { createKafka, ensureTopics, TOPICS, topicName } from "../../../demo/kafka/topics";
import { producePoison } from "../../../demo/poison";
import { paymentEventV2, SCHEMA_REGISTRY_URL } from "../../../demo/schemas";
import type { FailureGroup } from "~/server/dlq/groups";
import type { DlqMessageDetail } from "~/server/dlq/messages";
import type { SchemaEvolution } from "~/server/dlq/schema-evolution";
import { createDemoDatabase, type TestDatabase } from "../../fixtures/database";
import { ApiHarness } from "../helpers/api";
import { dropTestTopics, readTopic, testConfig } from "./helpers";

// The demo's schema-registry fault end to end: Avro payment events written through the real Apicurio Registry
// after a breaking change (v2 requires merchantId, no default) are dead-lettered by the payment consumer, and
// Redrive's DLQ procedures show the failure group by schema id, the decoded value, the diff and the verdict.

describe("the demo's avro-breaking-change fault", () => {
  let tdb: TestDatabase;
  let config: ReturnType<typeof testConfig>;
  let producer: ReturnType<typeof createProducer>;
  let runner: ConsumerRunner;
  let api: ApiHarness;
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
    api = await ApiHarness.start({ kafka: [{ name: "local", brokers: config.brokers, schemaRegistry: { url: SCHEMA_REGISTRY_URL } }] });
  }, 120_000);
  afterAll(async () => {
    await runner?.stop();
    await producer?.disconnect();
    await api?.close();
    await dropTestTopics(config, [PAYMENT_GROUP]).catch(() => undefined);
    await tdb?.cleanup();
    const subject = encodeURIComponent(`${topic()}-value`);
    await fetch(`${SCHEMA_REGISTRY_URL}/subjects/${subject}`, { method: "DELETE" }).catch(() => undefined);
    await fetch(`${SCHEMA_REGISTRY_URL}/subjects/${subject}?permanent=true`, { method: "DELETE" }).catch(() => undefined);
  });

  it("dead-letters the Avro events as a SerializationException; Redrive shows group, decoded value, diff and verdict", async () => {
    await producePoison(producer, config, TOPICS.authorizePayment, "avro-breaking-change");
    await producePoison(producer, config, TOPICS.authorizePayment, "avro-breaking-change");
    const dlqTopic = `${topic()}.DLQ`;
    const records = await readTopic(config.brokers, dlqTopic, 2, 500);
    expect(records).toHaveLength(2);
    const dlt = parseDltHeaders(records[0]!.message.headers ?? {});
    expect(dlt.exceptionClass).toMatch(/SerializationException$/);
    expect(dlt.message).toMatch(/^Error deserializing Avro message for id \d+/);

    const viewer = await api.tokenFor("viewer");
    const as = { authorization: `Bearer ${viewer}` };
    const groups = await api.data<{ groups: FailureGroup[] }>("dlq.groups", { kind: "query", input: { kind: "kafka", connection: "local", dlq: dlqTopic, groupBy: "schema" }, headers: as });
    expect(groups.groups).toHaveLength(1);
    const writerId = groups.groups[0]!.schemaId!;
    expect(groups.groups[0]).toMatchObject({ count: 2, exceptionClass: dlt.exceptionClass });
    expect(writerId).toBeGreaterThan(0);

    const id = `${records[0]!.partition}:${records[0]!.message.offset}`;
    const detail = await api.data<DlqMessageDetail>("dlq.message", { kind: "query", input: { kind: "kafka", connection: "local", dlq: dlqTopic, id }, headers: as });
    expect(detail.schemas.value).toMatchObject({ status: "decoded", format: "avro", schemaId: writerId, subject: `${topic()}-value`, version: 1 });
    expect(JSON.parse(detail.schemas.value!.json!)).toMatchObject({ amount: 19.99, currency: "EUR" });

    const evolution = await api.data<SchemaEvolution>("dlq.schemaEvolution", { kind: "query", input: { connection: "local", dlq: dlqTopic, id }, headers: as });
    expect(evolution).toMatchObject({
      schemaFailure: true,
      status: "compared",
      writer: { id: writerId, version: 1 },
      latest: { version: 2 },
      changes: [{ kind: "default-missing", path: "PaymentAuthorized.merchantId", from: null, to: "string" }],
      compatibility: { level: "BACKWARD", compatible: false },
    });
    expect(JSON.parse(evolution.latest!.schema)).toEqual(paymentEventV2);
  });
});
