import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { outboxEvents, processedEvents, sagaCommands, sagaInstances } from "../../demo/db/schema";
import { handlePendingCommands } from "../../demo/saga/orchestrator";
import { renderMetrics } from "~/server/metrics/prometheus";
import { createDemoDatabase, type TestDatabase } from "../fixtures/database";
import { sagaFixtures, type SagaFixture } from "../fixtures/sagas";
import { ApiHarness } from "./helpers/api";

// The Sagas page's API on a real demo database: every fixture state, its diagnosis, the detail, commands
// through saga_commands (with the demo's command handler), version conflicts, authorisation and metrics.

let tdb: TestDatabase;
let fx: SagaFixture;
let api: ApiHarness;
let viewer: string;
let operator: string;
const auth = (token: string) => ({ authorization: `Bearer ${token}` });

interface Diagnosis {
  kind: string;
  phrase: string;
  detail: string;
  subject: string | null;
  error: string | null;
}
interface StuckView {
  total: number;
  groups: { key: string; headline: string; count: number; kind: string; status: string }[];
  rows: { id: string; status: string; diagnosis: Diagnosis | null }[];
}

beforeAll(async () => {
  tdb = await createDemoDatabase();
  fx = await sagaFixtures(tdb.db, { stuckForSeconds: 900 });
  // What the data tells per fixture: the running saga's next command never left the outbox; the compensating
  // saga's refund was processed by the participant, which never replied.
  const running = fx.sagas.running[0]!;
  const [runningSaga] = await tdb.db.select().from(sagaInstances).where(eq(sagaInstances.id, running));
  await tdb.db.insert(outboxEvents).values({
    aggregateType: "inventory",
    aggregateId: runningSaga!.correlationId,
    eventType: "ReserveInventory",
    payload: { sagaId: running, step: "inventory.reserve", action: "execute" },
    createdAt: new Date(Date.now() - 890_000),
    attempts: 4,
    lastError: "KafkaJSConnectionError: Connection timeout to 10.0.0.7:9092",
  });
  const compensating = fx.sagas.compensating[0]!;
  const [compSaga] = await tdb.db.select().from(sagaInstances).where(eq(sagaInstances.id, compensating));
  const refundId = randomUUID();
  await tdb.db.insert(outboxEvents).values({
    id: refundId,
    aggregateType: "payment",
    aggregateId: compSaga!.correlationId,
    eventType: "RefundPayment",
    payload: { sagaId: compensating, step: "payment.refund", action: "compensate" },
    createdAt: new Date(Date.now() - 880_000),
    publishedAt: new Date(Date.now() - 879_000),
  });
  await tdb.db.insert(processedEvents).values({ eventId: refundId, consumer: "payment-processor", eventType: "RefundPayment" });

  api = await ApiHarness.start({
    kafka: [],
    databases: [{ name: "orders", url: tdb.url, writable: true, sagas: { stuckAfterSeconds: 300 } }],
    payloads: { masking: [{ path: "order.customerId", exemptRoles: ["admin"] }] },
  });
  viewer = await api.tokenFor("viewer");
  operator = await api.tokenFor("operator");
});

afterAll(async () => {
  await api?.close();
  await fx?.cleanup();
  await tdb?.cleanup();
});

const stuckView = () => api.data<StuckView>("sagas.stuck", { kind: "query", input: { database: "orders" }, headers: auth(viewer) });

describe("stuck sagas and their diagnosis", () => {
  it("lists each fixture state with its status; only unfinished-and-idle and compensation_failed are stuck", async () => {
    const all = await api.data<{ rows: { id: string; status: string }[]; total: number }>("sagas.list", {
      kind: "query",
      input: { database: "orders" },
      headers: auth(viewer),
    });
    expect(all.total).toBe(5);
    for (const [status, ids] of Object.entries(fx.sagas)) expect(all.rows.find((r) => r.id === ids[0])?.status).toBe(status);

    const view = await stuckView();
    expect(view.total).toBe(3);
    expect(view.rows.map((r) => r.status).sort()).toEqual(["compensating", "compensation_failed", "running"]);
  });

  it("diagnoses each stuck state from the data", async () => {
    const view = await stuckView();
    const of = (status: string) => view.rows.find((r) => r.status === status)?.diagnosis;
    expect(of("running")).toMatchObject({ kind: "outbox-unpublished", subject: "relay:inventory" });
    expect(of("running")?.detail).toMatch(/ReserveInventory .* is still unpublished: KafkaJSConnectionError/);
    expect(of("compensating")).toMatchObject({ kind: "no-reply", subject: "payment-processor" });
    expect(of("compensating")?.detail).toMatch(/payment-processor processed RefundPayment .* and sent no reply/);
    expect(of("compensation_failed")).toMatchObject({ kind: "compensation-failed", error: "payment.refund: refund rejected by payment provider" });
    expect(view.groups.map((g) => g.headline).sort()).toEqual([
      "1 OrderFulfilment saga (compensating) got no reply: payment-processor processed RefundPayment, nothing came back",
      "1 OrderFulfilment saga (compensation failed) failed to compensate payment.refund: refund rejected by payment provider",
      "1 OrderFulfilment saga (running) waits on the outbox relay: its ReserveInventory row is not published (KafkaJSConnectionError: Connection timeout to <n>)",
    ]);
  });

  it("filters by type, status, idle time, correlation id and error text", async () => {
    const list = (filter: Record<string, unknown>) =>
      api.data<{ rows: { id: string }[]; total: number }>("sagas.list", { kind: "query", input: { database: "orders", filter }, headers: auth(viewer) });
    expect((await list({ statuses: ["failed", "completed"] })).total).toBe(2);
    expect((await list({ types: ["NoSuchSaga"] })).total).toBe(0);
    expect((await list({ idleForSeconds: 800 })).total).toBe(5);
    expect((await list({ idleForSeconds: 1000 })).total).toBe(0);
    const [compFailed] = await tdb.db.select().from(sagaInstances).where(eq(sagaInstances.id, fx.sagas.compensation_failed[0]!));
    expect((await list({ correlationId: compFailed!.correlationId })).rows.map((r) => r.id)).toEqual([compFailed!.id]);
    expect((await list({ errorText: "CARRIER capacity" })).rows.map((r) => r.id)).toEqual(fx.sagas.failed);
  });

  it("groups hundreds of stuck sagas into a few problems", async () => {
    const more = await sagaFixtures(tdb.db, { statuses: ["compensation_failed"], perStatus: 40, stuckForSeconds: 700 });
    try {
      const view = await stuckView();
      const group = view.groups.find((g) => g.status === "compensation_failed");
      expect(group?.count).toBe(41);
      expect(group?.headline).toMatch(/^41 OrderFulfilment sagas \(compensation failed\) failed to compensate payment.refund/);
      const one = await api.data<StuckView>("sagas.stuck", { kind: "query", input: { database: "orders", group: group!.key }, headers: auth(viewer) });
      expect(one.rows).toHaveLength(41);
      // The badge counts the 41 that need a human; the 2 stuck ones waiting on a participant are counted apart.
      const badge = await api.data<{ total: number; waiting: number }>("sagas.stuckCount", { kind: "query", headers: auth(viewer) });
      expect(badge).toMatchObject({ total: 41, waiting: 2 });
    } finally {
      await more.cleanup();
    }
  });

  it("honours a per-type SLA", async () => {
    const strict = await ApiHarness.start({
      databases: [{ name: "orders", url: tdb.url, sagas: { stuckAfterSeconds: 300, perType: { OrderFulfilment: 3600 } } }],
    });
    try {
      const token = await strict.tokenFor("viewer");
      const view = await strict.data<StuckView>("sagas.stuck", { kind: "query", input: { database: "orders" }, headers: auth(token) });
      expect(view.rows.map((r) => r.status)).toEqual(["compensation_failed"]);
    } finally {
      await strict.close();
    }
  });

  it("reports the indexes the demo schema has and lacks", async () => {
    const summary = await api.data<{ indexes: { missingRequired: unknown[]; missingRecommended: { table: string; columns: string[] }[] } }>("sagas.summary", {
      kind: "query",
      input: { database: "orders" },
      headers: auth(viewer),
    });
    expect(summary.indexes.missingRequired).toEqual([]);
    expect(summary.indexes.missingRecommended.map((i) => `${i.table}(${i.columns.join(",")})`).sort()).toEqual([
      "outbox_events(aggregate_id)",
      "outbox_events(published_at)",
      "saga_commands(saga_id)",
      "saga_instances(correlation_id)",
    ]);
  });
});

describe("saga detail", () => {
  it("shows the timeline, the masked context, outbox rows and the diagnosis", async () => {
    const id = fx.sagas.running[0]!;
    const detail = await api.data<{
      saga: { status: string; version: number };
      stuck: boolean;
      diagnosis: Diagnosis | null;
      context: { visible: boolean; value: { order: { customerId: string; sku: string } } };
      steps: { step: string; action: string; status: string; durationMs: number | null }[];
      outbox: { eventType: string; publishedAt: Date | null; lastError: string | null }[];
    }>("sagas.detail", { kind: "query", input: { database: "orders", id }, headers: auth(viewer) });
    expect(detail.saga.status).toBe("running");
    expect(detail.stuck).toBe(true);
    expect(detail.diagnosis?.kind).toBe("outbox-unpublished");
    expect(detail.steps.map((s) => `${s.action} ${s.step} ${s.status}`)).toEqual(["execute payment.authorize completed", "execute inventory.reserve running"]);
    expect(detail.steps[0]?.durationMs).toBe(500);
    expect(detail.context.value.order).toMatchObject({ customerId: "****", sku: "SKU-FIXTURE" });
    expect(detail.outbox).toEqual([expect.objectContaining({ eventType: "ReserveInventory", publishedAt: null, lastError: expect.stringMatching(/timeout/) })]);
  });
});

describe("operator commands through saga_commands", () => {
  const issue = (token: string, input: Record<string, unknown>) => api.call("sagas.issue", { kind: "mutation", input: { database: "orders", ...input }, headers: auth(token) });

  it("refuses a viewer over HTTP with 403", async () => {
    const response = await issue(viewer, { sagaId: fx.sagas.failed[0], command: "retry", expectedVersion: 0, reason: "try again" });
    expect(response.status).toBe(403);
    expect(await tdb.db.select().from(sagaCommands)).toEqual([]);
  });

  it("refuses a saga that moved on with a clear message", async () => {
    const sagaId = fx.sagas.failed[0]!;
    await tdb.db.update(sagaInstances).set({ version: 3, updatedAt: new Date() }).where(eq(sagaInstances.id, sagaId));
    const response = await issue(operator, { sagaId, command: "retry", expectedVersion: 0, reason: "try again" });
    expect(response.status).toBe(412);
    expect(JSON.stringify(response.body)).toMatch(/moved on: it is at version 3 \(failed, updated .*\), you saw version 0\. Reload it and decide again\./);
    expect(await tdb.db.select().from(sagaCommands)).toEqual([]);
  });

  it("refuses a command that does not apply, and one without a reason", async () => {
    const completed = await issue(operator, { sagaId: fx.sagas.completed[0], command: "retry", expectedVersion: 0, reason: "why not" });
    expect(completed.status).toBe(400);
    expect(JSON.stringify(completed.body)).toMatch(/retry does not apply to a saga that is completed/);
    const noReason = await issue(operator, { sagaId: fx.sagas.running[0], command: "compensate", expectedVersion: 0, reason: " " });
    expect(noReason.status).toBe(400);
  });

  it("inserts the command, refuses a second while it is pending, and shows the outcome once handled", async () => {
    const sagaId = fx.sagas.compensation_failed[0]!;
    const issued = await api.data<{ commandId: string }>("sagas.issue", {
      kind: "mutation",
      input: { database: "orders", sagaId, command: "resolve", expectedVersion: 0, reason: "refunded by hand in the PSP console" },
      headers: auth(operator),
    });
    const again = await issue(operator, { sagaId, command: "retry", expectedVersion: 0, reason: "and again" });
    expect(again.status).toBe(409);
    const poll = () => api.data<{ state: string; outcome: string | null }>("sagas.command", { kind: "query", input: { database: "orders", id: issued.commandId }, headers: auth(viewer) });
    expect(await poll()).toMatchObject({ state: "pending", outcome: null });
    expect(await handlePendingCommands(tdb.db)).toBe(1);
    expect(await poll()).toMatchObject({ state: "applied", outcome: "applied: resolved by token:test-operator (was compensation_failed)" });
    const [row] = await tdb.db.select().from(sagaCommands).where(eq(sagaCommands.id, issued.commandId));
    expect(row).toMatchObject({ command: "resolve", requestedBy: "token:test-operator", reason: "refunded by hand in the PSP console" });
    const audit = await api.data<{ rows: { procedure: string; outcome: string }[] }>("audit.list", { kind: "query", input: {}, headers: auth(await api.tokenFor("admin")) }).catch(() => null);
    if (audit) expect(audit.rows.some((r) => r.procedure === "sagas.issue" && r.outcome === "ok")).toBe(true);
  });

  it("refuses commands on a read-only database", async () => {
    const readOnly = await ApiHarness.start({ databases: [{ name: "orders", url: tdb.url }] });
    try {
      const token = await readOnly.tokenFor("operator");
      const response = await readOnly.call("sagas.issue", {
        kind: "mutation",
        input: { database: "orders", sagaId: fx.sagas.running[0], command: "compensate", expectedVersion: 0, reason: "abort it" },
        headers: auth(token),
      });
      expect(response.status).toBe(412);
      expect(JSON.stringify(response.body)).toMatch(/read-only for Redrive: set writable: true/);
    } finally {
      await readOnly.close();
    }
  });
});

describe("metrics", () => {
  it("equal the tables", async () => {
    const { body } = await renderMetrics(api.store.db, api.connections);
    const counts = await tdb.pool.query<{ status: string; n: string }>("select status, count(*) as n from saga_instances group by status");
    for (const row of counts.rows) {
      expect(body).toContain(`redrive_sagas{database="orders",saga_type="OrderFulfilment",status="${row.status}"} ${row.n}`);
    }
    // The metric is every stuck saga: those that need a human and those waiting.
    const stuck = await api.data<{ total: number; waiting: number }>("sagas.stuckCount", { kind: "query", headers: auth(viewer) });
    expect(body).toContain(`redrive_sagas_stuck{database="orders",saga_type="OrderFulfilment"} ${stuck.total + stuck.waiting}`);
    const [backlog] = (await tdb.pool.query<{ n: string }>("select count(*) as n from outbox_events where published_at is null")).rows;
    expect(body).toContain(`redrive_outbox_unpublished{database="orders"} ${backlog!.n}`);
    const age = /redrive_outbox_oldest_unpublished_age_seconds\{database="orders"\} ([\d.]+)/.exec(body)?.[1];
    // The fixtures' oldest row is about 900 s old when seeded; measured against the table, not the wall clock
    // since seeding (a loaded machine can take a minute between the two).
    const [oldest] = (await tdb.pool.query<{ age: string }>("select extract(epoch from now() - min(created_at)) as age from outbox_events where published_at is null")).rows;
    expect(Number(age)).toBeGreaterThan(885);
    expect(Math.abs(Number(age) - Number(oldest!.age))).toBeLessThan(15);
  });
});
