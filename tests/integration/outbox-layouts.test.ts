import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderMetrics } from "~/server/metrics/prometheus";
import { ApiHarness } from "./helpers/api";
import { createTestDatabase } from "./helpers/environment";

// Other layouts, read-only: Eventuate Tram (message + saga_instance) and Debezium's insert-only outbox table,
// as those frameworks create them, with fixture rows.

let database: { url: string; drop: () => Promise<void> };
let api: ApiHarness;
let viewer: string;
const auth = (token: string) => ({ authorization: `Bearer ${token}` });
const minutesAgo = (m: number) => Date.now() - m * 60_000;

beforeAll(async () => {
  database = await createTestDatabase();
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    // Eventuate Tram's schema (eventuate-tram-db-schema), trimmed to the columns Redrive reads.
    await client.query(`
      create table message (id varchar(767) primary key, destination text not null, headers text not null, payload text not null,
                            published smallint default 0, creation_time bigint);
      create table saga_instance (saga_type varchar(255) not null, saga_id varchar(100) not null, state_name varchar(100) not null,
                                  last_request_id varchar(100), saga_data_type varchar(1000) not null, saga_data_json varchar(1000) not null,
                                  end_state boolean, compensating boolean, failed boolean, primary key (saga_type, saga_id));
      create table outbox (id uuid primary key, aggregatetype varchar(255) not null, aggregateid varchar(255) not null,
                           type varchar(255) not null, payload jsonb);`);
    const message = (id: string, destination: string, type: string, published: number, ageMinutes: number) =>
      client.query("insert into message values ($1, $2, $3, $4, $5, $6)", [
        id,
        destination,
        JSON.stringify({ ID: id, "event-type": type, "event-aggregate-id": `order-${id}`, PARTITION_ID: `order-${id}` }),
        JSON.stringify({ id }),
        published,
        minutesAgo(ageMinutes),
      ]);
    await message("m1", "Order", "OrderCreated", 1, 30);
    await message("m2", "Order", "OrderCreated", 0, 12);
    await message("m3", "Order", "OrderApproved", 0, 3);
    await message("m4", "Customer", "CreditReserved", 0, 1);
    const saga = (id: string, state: string, end: boolean, compensating: boolean, failed: boolean) =>
      client.query("insert into saga_instance values ('CreateOrderSaga', $1, $2, null, 'CreateOrderSagaData', $3, $4, $5, $6)", [
        id,
        state,
        JSON.stringify({ orderId: id, card: { number: "4111111111111111" } }),
        end,
        compensating,
        failed,
      ]);
    await saga("s-running", "state1", false, false, false);
    await saga("s-compensating", "state2", false, true, false);
    await saga("s-done", "state3", true, false, false);
    await saga("s-rolled-back", "state4", true, true, false);
    await saga("s-broken", "state2", false, true, true);
    for (const [i, type] of ["OrderCreated", "OrderCreated", "OrderShipped"].entries()) {
      await client.query("insert into outbox values (gen_random_uuid(), 'Order', $1, $2, '{}')", [`o-${i}`, type]);
    }
  } finally {
    await client.end();
  }
  api = await ApiHarness.start({
    databases: [
      { name: "tram", url: database.url, layout: "eventuate", writable: true },
      { name: "dbz", url: database.url, layout: "debezium" },
    ],
    payloads: { masking: [{ path: "card.number" }] },
  });
  viewer = await api.tokenFor("viewer");
});

afterAll(async () => {
  await api?.close();
  await database?.drop();
});

describe("Eventuate Tram", () => {
  it("reads the message table: unpublished rows, the oldest's age, backlog by destination and event type", async () => {
    const overview = await api.data<{ summary: { unpublished: number; oldestAgeSeconds: number; publishedLastMinute: number | null }; capabilities: { requeue: boolean } }>("outbox.overview", {
      kind: "query",
      input: { database: "tram" },
      headers: auth(viewer),
    });
    expect(overview.summary.unpublished).toBe(3);
    expect(overview.summary.oldestAgeSeconds).toBeGreaterThan(12 * 60 - 5);
    expect(overview.summary.oldestAgeSeconds).toBeLessThan(12 * 60 + 60);
    expect(overview.summary.publishedLastMinute).toBeNull();
    expect(overview.capabilities.requeue).toBe(false);
    const backlog = await api.data<{ aggregateType: string; eventType: string; count: number }[]>("outbox.backlog", { kind: "query", input: { database: "tram" }, headers: auth(viewer) });
    expect(backlog.map((b) => `${b.aggregateType}/${b.eventType}=${b.count}`).sort()).toEqual(["Customer/CreditReserved=1", "Order/OrderApproved=1", "Order/OrderCreated=1"]);
  });

  it("maps saga_instance flags onto statuses; a failure without an end state is stuck; commands are refused", async () => {
    const list = await api.data<{ rows: { id: string; status: string; rawState: string }[] }>("sagas.list", { kind: "query", input: { database: "tram" }, headers: auth(viewer) });
    expect(Object.fromEntries(list.rows.map((r) => [r.id, r.status]))).toEqual({
      "s-running": "running",
      "s-compensating": "compensating",
      "s-done": "completed",
      "s-rolled-back": "failed",
      "s-broken": "compensation_failed",
    });
    const stuck = await api.data<{ total: number; rows: { id: string; diagnosis: { kind: string } | null }[] }>("sagas.stuck", { kind: "query", input: { database: "tram" }, headers: auth(viewer) });
    expect(stuck.rows.map((r) => [r.id, r.diagnosis?.kind])).toEqual([["s-broken", "compensation-failed"]]);
    const detail = await api.data<{ saga: { rawState: string }; context: { value: { card: { number: string } } }; steps: unknown[] }>("sagas.detail", {
      kind: "query",
      input: { database: "tram", id: "s-running" },
      headers: auth(viewer),
    });
    expect(detail.saga.rawState).toBe("state1");
    expect(detail.context.value.card.number).toBe("****");
    expect(detail.steps).toEqual([]);
    const operator = await api.tokenFor("operator");
    const refused = await api.call("sagas.issue", {
      kind: "mutation",
      input: { database: "tram", sagaId: "00000000-0000-4000-8000-000000000000", command: "retry", expectedVersion: 0, reason: "try" },
      headers: auth(operator),
    });
    expect(refused.status).toBe(412);
    expect(JSON.stringify(refused.body)).toMatch(/no operator-command table/);
  });
});

describe("Debezium outbox", () => {
  it("says the table cannot tell the backlog, and shows what it holds", async () => {
    const overview = await api.data<{ summary: { unpublished: number | null; rowsInTable: number }; capabilities: { insertOnly: boolean }; verdict: { state: string; message: string } }>(
      "outbox.overview",
      { kind: "query", input: { database: "dbz" }, headers: auth(viewer) },
    );
    expect(overview.capabilities.insertOnly).toBe(true);
    expect(overview.summary).toMatchObject({ unpublished: null, rowsInTable: 3 });
    expect(overview.verdict).toMatchObject({ state: "unknown", message: expect.stringMatching(/backlog is the connector's lag/) });
    const backlog = await api.data<{ aggregateType: string; eventType: string; count: number }[]>("outbox.backlog", { kind: "query", input: { database: "dbz" }, headers: auth(viewer) });
    expect(backlog.map((b) => `${b.aggregateType}/${b.eventType}=${b.count}`)).toEqual(["Order/OrderCreated=2", "Order/OrderShipped=1"]);
    const sagas = await api.call("sagas.summary", { kind: "query", input: { database: "dbz" }, headers: auth(viewer) });
    expect(sagas.status).toBe(412);
  });

  it("metrics: Eventuate's backlog and sagas equal the tables; Debezium exports no backlog", async () => {
    const { body } = await renderMetrics(api.store.db, api.connections);
    expect(body).toContain('redrive_outbox_unpublished{database="tram"} 3');
    expect(body).not.toContain('redrive_outbox_unpublished{database="dbz"}');
    expect(body).toContain('redrive_sagas{database="tram",saga_type="CreateOrderSaga",status="compensation_failed"} 1');
    expect(body).toContain('redrive_sagas_stuck{database="tram",saga_type="CreateOrderSaga"} 1');
    expect(body).toContain('redrive_application_database_up{database="dbz"} 1');
  });
});
