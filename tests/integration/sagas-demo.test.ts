import { and, eq, isNotNull } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDemo, type DemoApp } from "../../demo/app";
import { INVENTORY_GROUP } from "../../demo/consumers/inventory-service";
import { PAYMENT_GROUP } from "../../demo/consumers/payment-processor";
import { SHIPPING_GROUP } from "../../demo/consumers/shipping-service";
import { LEDGER_GROUP } from "../../demo/consumers/ledger-service";
import { outboxEvents, sagaInstances } from "../../demo/db/schema";
import { FaultStore, quietFaults } from "../../demo/faults";
import { placeOrder, randomOrder } from "../../demo/orders";
import { ORCHESTRATOR_GROUP } from "../../demo/saga/orchestrator";
import { Collector } from "~/server/jobs/collector";
import { OutboxSampler } from "~/server/jobs/outbox-sampler";
import { clearDlqIndexCache } from "~/server/sagas/dlq-index";
import { createDemoDatabase, type TestDatabase } from "../fixtures/database";
import { sagaFixtures } from "../fixtures/sagas";
import { dropTestTopics, testConfig, waitFor } from "./demo/helpers";
import { ApiHarness } from "./helpers/api";
import { createTestDatabase, KAFKA_BROKER } from "./helpers/environment";

// Sagas and outbox against the running demo (relay, orchestrator, participants) on the real Kafka and Postgres.

let tdb: TestDatabase;
let config: ReturnType<typeof testConfig>;
let demo: DemoApp;
let api: ApiHarness;
let controlDb: Awaited<ReturnType<typeof createTestDatabase>>;
let collector: Collector;
let viewer: string;
let operator: string;
const faults = new FaultStore(quietFaults());
const auth = (token: string) => ({ authorization: `Bearer ${token}` });

interface Diagnosis {
  kind: string;
  detail: string;
  subject: string | null;
  error: string | null;
}
interface Detail {
  saga: { id: string; status: string; version: number; currentStep: string | null };
  stuck: boolean;
  diagnosis: Diagnosis | null;
  dlq: { topic: string; eventId: string | null; error: string | null; stacktrace: string | null }[];
}

beforeAll(async () => {
  tdb = await createDemoDatabase();
  config = testConfig(tdb.url);
  demo = await startDemo(config, faults, { traffic: false, poison: false, notifications: false, log: () => {} });
  // The control store on the Postgres server, not the embedded WASM one: the demo's Kafka consumers share this
  // process, and the embedded store's synchronous work starves their heartbeats under load (the group evicts them).
  controlDb = await createTestDatabase();
  api = await ApiHarness.start({
    kafka: [{ name: "local", brokers: [KAFKA_BROKER], sampleIntervalSeconds: 1 }],
    databases: [
      {
        name: "demo",
        url: tdb.url,
        writable: true,
        sagas: { stuckAfterSeconds: 2, topicPrefix: config.topicPrefix, groupPrefix: config.groupPrefix, kafkaConnection: "local" },
        outbox: { stallAfterSeconds: 5 },
      },
    ],
  }, { databaseUrl: controlDb.url });
  collector = new Collector(api.store, api.connections, api.connections.config);
  viewer = await api.tokenFor("viewer");
  operator = await api.tokenFor("operator");
});

afterAll(async () => {
  await demo?.stop();
  await api?.close();
  await controlDb?.drop();
  await dropTestTopics(config, [ORCHESTRATOR_GROUP, PAYMENT_GROUP, INVENTORY_GROUP, SHIPPING_GROUP, LEDGER_GROUP]).catch(() => undefined);
  await tdb?.cleanup();
});

const detail = (id: string) => api.data<Detail>("sagas.detail", { kind: "query", input: { database: "demo", id }, headers: auth(viewer) });

async function sagaOf(orderId: string, status: string) {
  return waitFor(`saga of ${orderId} ${status}`, async () => {
    const [s] = await tdb.db.select().from(sagaInstances).where(eq(sagaInstances.correlationId, orderId));
    return s?.status === status ? s : undefined;
  }, 45_000);
}

describe("saga actions with the demo orchestrator running", () => {
  it("a retry through the API turns a failed saga into a completed one", async () => {
    faults.patch({ stepFailureRate: { "shipping.schedule": 1 } });
    const { orderId } = await placeOrder(tdb.db, randomOrder());
    const failed = await sagaOf(orderId, "failed");
    faults.patch({ stepFailureRate: { "shipping.schedule": 0 } });

    const before = await detail(failed.id);
    expect(before.saga.status).toBe("failed");
    const issued = await api.data<{ commandId: string }>("sagas.issue", {
      kind: "mutation",
      input: { database: "demo", sagaId: failed.id, command: "retry", expectedVersion: before.saga.version, reason: "carrier capacity is back" },
      headers: auth(operator),
    });
    const outcome = await waitFor("the orchestrator's outcome", async () => {
      const c = await api.data<{ state: string; outcome: string | null }>("sagas.command", { kind: "query", input: { database: "demo", id: issued.commandId }, headers: auth(viewer) });
      return c.state !== "pending" ? c : undefined;
    });
    expect(outcome).toMatchObject({ state: "applied", outcome: expect.stringMatching(/^applied: re-running payment.authorize/) });
    await waitFor("the retried saga to complete", async () => (await detail(failed.id)).saga.status === "completed", 45_000);

    // The version the operator saw is stale now: a second command is refused with a clear message.
    const stale = await api.call("sagas.issue", {
      kind: "mutation",
      input: { database: "demo", sagaId: failed.id, command: "resolve", expectedVersion: before.saga.version, reason: "too late" },
      headers: auth(operator),
    });
    expect(stale.status).toBe(412);
    expect(JSON.stringify(stale.body)).toMatch(/moved on: it is at version \d+ \(completed, updated .*\), you saw version \d+\. Reload it and decide again\./);
  });
});

describe("bulk saga actions as durable jobs", () => {
  it("dry-runs a filter, retries the exact sagas through the orchestrator, and verifies they completed", async () => {
    await api.startWorker();
    faults.patch({ stepFailureRate: { "shipping.schedule": 1 } });
    const orders = await Promise.all(Array.from({ length: 3 }, () => placeOrder(tdb.db, randomOrder())));
    const failed = await Promise.all(orders.map(({ orderId }) => sagaOf(orderId, "failed")));
    faults.patch({ stepFailureRate: { "shipping.schedule": 0 } });
    const ids = new Set(failed.map((f) => f.id));

    interface BulkJob { id: string; state: string; total: number; requested: number; refused: number; applied: number; terminal: number; stuckAgain: number; dryRun: { matched: number; notApplicable: number } }
    const draft = await api.data<BulkJob>("sagaJobs.dryRun", {
      kind: "mutation",
      input: { database: "demo", command: "retry", reason: "carrier capacity is back", selection: { filter: { statuses: ["failed"], errorText: "shipping" } }, verifyAfterSeconds: 2 },
      headers: auth(operator),
    });
    expect(draft.state).toBe("draft");
    expect(draft.total).toBeGreaterThanOrEqual(3);
    const { items } = await api.data<{ items: { sagaId: string }[] }>("sagaJobs.items", { kind: "query", input: { jobId: draft.id }, headers: auth(viewer) });
    for (const id of ids) expect(items.map((i) => i.sagaId)).toContain(id);

    // A viewer cannot start it.
    expect((await api.call("sagaJobs.start", { kind: "mutation", input: { jobId: draft.id }, headers: auth(viewer) })).status).toBe(403);
    await api.data("sagaJobs.start", { kind: "mutation", input: { jobId: draft.id }, headers: auth(operator) });
    const done = await waitFor(
      "the bulk job to be verified",
      async () => {
        const job = await api.data<BulkJob>("sagaJobs.get", { kind: "query", input: { jobId: draft.id }, headers: auth(viewer) });
        return job.state === "completed" ? job : undefined;
      },
      90_000,
    );
    expect(done.requested + done.refused).toBe(draft.total);
    expect(done.applied).toBe(done.requested);
    expect(done.terminal).toBeGreaterThanOrEqual(3);
    expect(done.stuckAgain).toBe(0);
    for (const saga of failed) expect((await detail(saga.id)).saga.status).toBe("completed");
  });
});

describe("diagnosis on the real stack", () => {
  it("a saga waiting on a stopped participant names the group and its verdict", async () => {
    faults.patch({ stoppedConsumers: ["payment-processor"] });
    await waitFor("payment-processor to stop", async () => !demo.consumers[0]!.running);
    const { orderId } = await placeOrder(tdb.db, randomOrder());
    const saga = await sagaOf(orderId, "running");
    await waitFor("AuthorizePayment published", async () =>
      (await tdb.db.select().from(outboxEvents).where(and(eq(outboxEvents.aggregateId, orderId), eq(outboxEvents.eventType, "AuthorizePayment"), isNotNull(outboxEvents.publishedAt)))).length > 0,
    );
    await new Promise((r) => setTimeout(r, 2_500));
    const diagnosis = await waitFor("a participant-unhealthy diagnosis", async () => {
      await collector.collect("kafka", "local");
      const d = await detail(saga.id);
      return d.diagnosis?.kind === "participant-unhealthy" ? d.diagnosis : undefined;
    }, 40_000, 1_000);
    expect(diagnosis.subject).toBe(`${config.groupPrefix}payment-processor`);
    expect(diagnosis.detail).toMatch(new RegExp(`AuthorizePayment was published .* to ${config.topicPrefix.replace(/\./g, "\\.")}payment\\.AuthorizePayment; ${config.groupPrefix.replace(/\./g, "\\.")}payment-processor is \\w+ with no members`));
    const stuck = await api.data<{ groups: { headline: string; kind: string }[] }>("sagas.stuck", { kind: "query", input: { database: "demo" }, headers: auth(viewer) });
    expect(stuck.groups.find((g) => g.kind === "participant-unhealthy")?.headline).toMatch(/^1 OrderFulfilment saga \(running\) waits on .*payment-processor, which is /);

    faults.patch({ stoppedConsumers: [] });
    await sagaOf(orderId, "completed");
  });

  it("a saga whose command was dead-lettered points at the DLQ record and its error", async () => {
    const fx = await sagaFixtures(tdb.db, { statuses: ["running"], stuckForSeconds: 60 });
    const sagaId = fx.sagas.running[0]!;
    const orderId = fx.orderIds[0]!;
    // A command the participant cannot read (unknown schema version): retried, then dead-lettered.
    const [row] = await tdb.db
      .insert(outboxEvents)
      .values({ aggregateType: "inventory", aggregateId: orderId, eventType: "ReserveInventory", payload: { schemaVersion: 2, sagaId, orderId } })
      .returning();
    const diagnosis = await waitFor("an in-dlq diagnosis", async () => {
      await collector.collect("kafka", "local");
      clearDlqIndexCache();
      const d = await detail(sagaId);
      return d.diagnosis?.kind === "in-dlq" ? d : undefined;
    }, 45_000, 1_000);
    expect(diagnosis.diagnosis?.subject).toBe(`${config.topicPrefix}inventory.ReserveInventory.DLQ`);
    expect(diagnosis.diagnosis?.error).toBe("unknown schemaVersion 2");
    expect(diagnosis.dlq).toEqual([expect.objectContaining({ eventId: row!.id, error: "unknown schemaVersion 2", stacktrace: expect.stringMatching(/UnknownSchemaVersionError/) })]);
  });
});

describe("outbox with the demo relay", () => {
  it("a paused relay shows a growing oldest age and a stall warning", async () => {
    faults.patch({ relayPaused: true });
    const sampler = new OutboxSampler(api.store.db, api.connections);
    const { orderId } = await placeOrder(tdb.db, randomOrder());
    await sampler.sample();
    const overview = () =>
      api.data<{ summary: { unpublished: number; oldestAgeSeconds: number }; verdict: { state: string; message: string } }>("outbox.overview", {
        kind: "query",
        input: { database: "demo" },
        headers: auth(viewer),
      });
    const first = await overview();
    expect(first.summary.unpublished).toBeGreaterThanOrEqual(1);
    await new Promise((r) => setTimeout(r, 6_000));
    await sampler.sample();
    const second = await overview();
    expect(second.summary.oldestAgeSeconds).toBeGreaterThan(first.summary.oldestAgeSeconds + 5);
    expect(second.verdict.state).toBe("stalled");
    expect(second.verdict.message).toMatch(/^Relay stalled: \d+ rows? wait, the oldest for \d+ s, and the last row was published \d+ s ago\.$/);
    const history = await api.data<{ points: { unpublished: number; oldestAgeSeconds: number | null }[] }>("outbox.history", {
      kind: "query",
      input: { database: "demo", range: "15m" },
      headers: auth(viewer),
    });
    expect(history.points.length).toBeGreaterThanOrEqual(1);
    expect(history.points.at(-1)?.unpublished).toBeGreaterThanOrEqual(1);

    // Failing rows hold back later rows of the same aggregate; an operator requeues them.
    const aggregateId = `order-${orderId}`;
    const rows = await tdb.db
      .insert(outboxEvents)
      .values([1, 2, 3].map((i) => ({ aggregateType: "invoice", aggregateId, eventType: "InvoiceRequested", payload: { schemaVersion: 1, i }, attempts: i === 1 ? 5 : 0, lastError: i === 1 ? "Broker: message too large" : null })))
      .returning();
    const blocked = await api.data<{ aggregateId: string; behind: number; head: { id: string } }[]>("outbox.blocked", { kind: "query", input: { database: "demo" }, headers: auth(viewer) });
    expect(blocked.find((b) => b.aggregateId === aggregateId)).toMatchObject({ behind: 2, head: { id: rows[0]!.id } });
    const failing = await api.data<{ id: string; attempts: number; lastError: string }[]>("outbox.failing", { kind: "query", input: { database: "demo" }, headers: auth(viewer) });
    expect(failing.map((f) => f.id)).toContain(rows[0]!.id);
    expect((await api.call("outbox.requeue", { kind: "mutation", input: { database: "demo", ids: [rows[0]!.id], reason: "size limit raised" }, headers: auth(viewer) })).status).toBe(403);
    const requeued = await api.data<{ requeued: number }>("outbox.requeue", { kind: "mutation", input: { database: "demo", ids: [rows[0]!.id], reason: "size limit raised" }, headers: auth(operator) });
    expect(requeued.requeued).toBe(1);
    const [after] = await tdb.db.select().from(outboxEvents).where(eq(outboxEvents.id, rows[0]!.id));
    expect(after).toMatchObject({ attempts: 0, lastError: null, publishedAt: null });

    faults.patch({ relayPaused: false });
    await waitFor("the backlog to drain", async () => (await overview()).summary.unpublished === 0, 30_000);
    expect((await overview()).verdict.state).toBe("ok");
  });
});
