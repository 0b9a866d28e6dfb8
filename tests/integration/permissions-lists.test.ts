import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiToken } from "~/server/auth/sessions";
import { alertHistory, alertInstances, alertRules, kafkaDlqSamples, replayJobs, replayLedger } from "~/server/db/schema";
import { ApiHarness } from "./helpers/api";

// Issue 13, point 9: a role scoped to connection "a" and resources "orders.*" sees only those objects in
// lists and overviews, and cannot open another scope's replay job by its id; the presets still see all.
const KAFKA_BROKER = process.env.KAFKA_BROKER ?? "127.0.0.1:9092";
const DATABASE_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
let api: ApiHarness;
const tokens: Record<string, string> = {};
const as = (role: string) => ({ authorization: `Bearer ${tokens[role]}` });
const objects = [
  { connection: "a", dlq: "orders.dlq" },
  { connection: "a", dlq: "payments.dlq" },
  { connection: "b", dlq: "orders.dlq" },
];
const jobIds: Record<string, string> = {};
const key = (row: { connection: string; dlq?: string; name?: string }) => `${row.connection}/${row.dlq ?? row.name}`;

beforeAll(async () => {
  api = await ApiHarness.start({
    auth: {
      roles: {
        "orders-a": [{ actions: ["read"], connections: ["a"], resources: ["orders.*"] }],
        "orders-db": [{ actions: ["read"], connections: ["orders-*"], resources: ["orders-*"] }],
      },
    },
    // Named connections to the real broker; the lists below read only the stored samples.
    kafka: [
      { name: "a", brokers: [KAFKA_BROKER] },
      { name: "b", brokers: [KAFKA_BROKER] },
    ],
    sqs: [],
    // Application databases (the test server; the lists below only name them).
    databases: ["orders-main", "billing-main"].map((name) => ({ name, url: DATABASE_URL, writable: false })),
  });
  for (const role of ["viewer", "orders-a", "orders-db"]) tokens[role] = (await createApiToken(api.store.db, { name: role, role, createdBy: null, expiresAt: null })).token;
  // Two samples each, 1 then 3 retained: every DLQ grew in the last hour (the Overview's hotspots list them).
  const sampledAt = new Date();
  const earlier = new Date(sampledAt.getTime() - 1_800_000);
  await api.store.db.insert(kafkaDlqSamples).values(objects.map(({ connection, dlq }) => ({ connection, topic: dlq, sampledAt: earlier, retainedMessages: 1 })));
  await api.store.db.insert(kafkaDlqSamples).values(objects.map(({ connection, dlq }) => ({ connection, topic: dlq, sampledAt, retainedMessages: 3 })));
  await api.store.db
    .insert(replayLedger)
    .values(objects.map(({ connection, dlq }) => ({ replayId: randomUUID(), kind: "kafka" as const, connection, dlq, messageId: "0:1", target: "orders", replayCount: 1, replayedBy: "test" })));
  // A firing alert on each DLQ, with its history row (labels as the DLQ signals give them).
  const [rule] = await api.store.db.insert(alertRules).values({ name: "dlq grows", spec: { signal: "dlq.depth", severity: "warning" }, createdBy: "test" }).returning({ id: alertRules.id });
  const now = new Date();
  const alertRows = objects.map(({ connection, dlq }) => ({ labels: { kind: "kafka", connection, dlq }, objectKey: `kafka/${connection}/${dlq}`, summary: `${dlq} grows` }));
  await api.store.db.insert(alertInstances).values(
    alertRows.map((row) => ({ ...row, ruleId: rule!.id, path: `/dlq/${row.objectKey}`, state: "firing" as const, detail: {}, activeSince: now, firingSince: now, evaluatedAt: now })),
  );
  await api.store.db.insert(alertHistory).values(alertRows.map((row) => ({ ...row, ruleId: rule!.id, ruleName: "dlq grows", fromState: "pending", toState: "firing", at: now })));
  for (const { connection, dlq } of objects) {
    const [job] = await api.store.db
      .insert(replayJobs)
      .values({ kind: "kafka", action: "replay", connection, dlq, selection: { source: "all" }, options: {} as never, state: "paused", createdBy: "test" })
      .returning({ id: replayJobs.id });
    jobIds[`${connection}/${dlq}`] = job!.id;
  }
});
afterAll(() => api?.close());

const everything = objects.map(key).sort();
const mine = ["a/orders.dlq"];

describe("lists filtered to the role's read scope", () => {
  it("dlq.list", async () => {
    const list = async (role: string) => (await api.data<{ connection: string; name: string }[]>("dlq.list", { kind: "query", headers: as(role) })).map(key).sort();
    expect(await list("viewer")).toEqual(everything);
    expect(await list("orders-a")).toEqual(mine);
  });

  it("depth.list", async () => {
    type Depths = { kafka: { snapshot: { connection: string }; topics: { topic: string }[] }[]; dlqs: { connection: string; name: string }[] };
    const depths = (role: string) => api.data<Depths>("depth.list", { kind: "query", headers: as(role) });
    const topics = (d: Depths) => d.kafka.flatMap(({ snapshot, topics }) => topics.map((t) => `${snapshot.connection}/${t.topic}`)).sort();
    const viewer = await depths("viewer");
    expect(topics(viewer)).toEqual(everything);
    expect(viewer.kafka.map((k) => k.snapshot.connection).sort()).toEqual(["a", "b"]);
    const scoped = await depths("orders-a");
    expect(topics(scoped)).toEqual(mine);
    expect(scoped.dlqs.map(key)).toEqual(mine);
    expect(scoped.kafka.map((k) => k.snapshot.connection)).toEqual(["a"]);
  });

  it("overview.hotspots", async () => {
    const growing = async (role: string) =>
      (await api.data<{ growingDlqs: { connection: string; name: string }[] }>("overview.hotspots", { kind: "query", headers: as(role) })).growingDlqs.map(key).sort();
    expect(await growing("viewer")).toEqual(everything);
    expect(await growing("orders-a")).toEqual(mine);
  });

  it("overview.get", async () => {
    const connections = async (role: string) => (await api.data<{ kafka: { connection: string }[] }>("overview.get", { kind: "query", headers: as(role) })).kafka.map((k) => k.connection).sort();
    expect(await connections("viewer")).toEqual(["a", "b"]);
    expect(await connections("orders-a")).toEqual(["a"]);
  });

  it("alerts.active, alerts.history and alerts.firingCount", async () => {
    type Row = { labels: { connection: string; dlq: string } };
    const rows = async (procedure: string, role: string, input?: unknown) =>
      (await api.data<Row[]>(procedure, { kind: "query", input, headers: as(role) })).map((row) => key(row.labels)).sort();
    expect(await rows("alerts.active", "viewer")).toEqual(everything);
    expect(await rows("alerts.active", "orders-a")).toEqual(mine);
    expect(await rows("alerts.history", "viewer", {})).toEqual(everything);
    expect(await rows("alerts.history", "orders-a", {})).toEqual(mine);
    expect(await api.data<number>("alerts.firingCount", { kind: "query", headers: as("viewer") })).toBe(3);
    expect(await api.data<number>("alerts.firingCount", { kind: "query", headers: as("orders-a") })).toBe(1);
  });

  it("sagas.databases and outbox.databases", async () => {
    for (const procedure of ["sagas.databases", "outbox.databases"]) {
      const names = async (role: string) => (await api.data<{ name: string }[]>(procedure, { kind: "query", headers: as(role) })).map((d) => d.name).sort();
      expect(await names("viewer")).toEqual(["billing-main", "orders-main"]);
      expect(await names("orders-db")).toEqual(["orders-main"]);
      expect(await names("orders-a")).toEqual([]);
    }
  });

  it("replay.recent", async () => {
    const recent = async (role: string) => (await api.data<{ connection: string; dlq: string }[]>("replay.recent", { kind: "query", input: {}, headers: as(role) })).map(key).sort();
    expect(await recent("viewer")).toEqual(everything);
    expect(await recent("orders-a")).toEqual(mine);
  });

  it("replayJobs.list", async () => {
    const list = async (role: string) => (await api.data<{ connection: string; dlq: string }[]>("replayJobs.list", { kind: "query", input: {}, headers: as(role) })).map(key).sort();
    expect(await list("viewer")).toEqual(everything);
    expect(await list("orders-a")).toEqual(mine);
  });
});

describe("a replay job by id outside the role's scope", () => {
  for (const procedure of ["replayJobs.get", "replayJobs.items"]) {
    it(`${procedure} answers 404 as for an unknown job`, async () => {
      const call = (dlq: string, role: string) => api.call(procedure, { kind: "query", input: { jobId: jobIds[dlq] }, headers: as(role) });
      expect((await call("a/orders.dlq", "orders-a")).status).toBe(200);
      expect((await call("a/payments.dlq", "orders-a")).status).toBe(404);
      expect((await call("b/orders.dlq", "orders-a")).status).toBe(404);
      const unknown = await api.call(procedure, { kind: "query", input: { jobId: randomUUID() }, headers: as("orders-a") });
      expect(unknown.status).toBe(404);
      for (const dlq of everything) expect((await call(dlq, "viewer")).status).toBe(200);
    });
  }
});
