import { handleOidcCallback, handleOidcStart } from "~/server/auth/oidc-routes";
import { randomBytes } from "node:crypto";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { outboxEvents, sagaInstances } from "../../demo/db/schema";
import { handleDownload } from "~/server/dlq/download";
import { handleExport } from "~/server/dlq/export";
import { readiness } from "~/server/health/readiness";
import { GET as health } from "../../app/api/health/route";
import { createDemoDatabase, type TestDatabase } from "../fixtures/database";
import { kafkaDlqFixture } from "../fixtures/kafka";
import { sagaFixtures, type SagaFixture } from "../fixtures/sagas";
import { sqsClient, sqsDlqFixture } from "../fixtures/sqs";
import { ApiHarness, listProcedures, type ApiResponse } from "./helpers/api";
import { KAFKA_BROKER, SQS_ENDPOINT } from "./helpers/environment";

// The payload permission over every procedure and route: payloads.readRoles is admin only, so viewers and
// operators must never see a byte of a payload, a non-failure header value or a saga's context. Every
// fixture carries MARKER (values, keys, headers, attributes, archived bodies, dry-run previews, edit diffs and
// audit rows, saga context and outbox rows), and no answer to either role may contain it.
const MARKER = `leakmark${randomBytes(6).toString("hex")}`;
const sqs = sqsClient(SQS_ENDPOINT);
const cleanups: (() => Promise<unknown>)[] = [];
let api: ApiHarness;
let tdb: TestDatabase;
let sagas: SagaFixture;
let admin: string;
const tokens: Record<"viewer" | "operator", string> = { viewer: "", operator: "" };
const state = { kafkaDlq: "", kafkaTopic: "", sqsDlq: "", sqsSnapshot: "", sqsMessage: "", sqsDiscarded: "", jobId: "", sagaId: "" };
const as = (token: string) => ({ authorization: `Bearer ${token}` });

function ok(response: ApiResponse, what: string): unknown {
  if (response.status !== 200) throw new Error(`${what} answered ${response.status}: ${JSON.stringify(response.body)}`);
  return (response.body as { result: { data: { json: unknown } } }).result.data.json;
}

beforeAll(async () => {
  tdb = await createDemoDatabase();
  cleanups.push(() => tdb.cleanup());
  sagas = await sagaFixtures(tdb.db, { stuckForSeconds: 900 });
  cleanups.push(() => sagas.cleanup());
  state.sagaId = sagas.sagas.running[0]!;
  await tdb.db.update(sagaInstances).set({ context: { note: MARKER, nested: { deep: [MARKER] } } });
  await tdb.db.update(outboxEvents).set({ payload: { note: MARKER }, headers: { "x-note": MARKER } });

  const kafka = await kafkaDlqFixture({
    partitions: 1,
    messages: [
      { key: `key-${MARKER}`, value: JSON.stringify({ note: MARKER }), headers: { "x-note": MARKER } },
      { key: `key-${MARKER}`, value: `text ${MARKER}`, headers: { "x-note": MARKER } },
    ],
  });
  cleanups.push(kafka.cleanup);
  state.kafkaDlq = kafka.dlqTopic;
  state.kafkaTopic = kafka.topic;
  const queue = await sqsDlqFixture({ client: sqs, messages: [0, 1, 2].map(() => ({ body: JSON.stringify({ note: MARKER }), attributes: { "x-note": MARKER } })) });
  cleanups.push(queue.cleanup);
  state.sqsDlq = queue.dlq;

  api = await ApiHarness.start({
    payloads: { readRoles: ["admin"] },
    kafka: [{ name: "local", brokers: [KAFKA_BROKER], replay: { allowEdit: true } }],
    sqs: [{ name: "local", endpoint: SQS_ENDPOINT, region: "elasticmq", credentials: { accessKeyId: "x", secretAccessKey: "x" }, replay: { allowEdit: true } }],
    databases: [{ name: "orders", url: tdb.url, writable: true }],
  });
  admin = await api.tokenFor("admin");
  tokens.viewer = await api.tokenFor("viewer");
  tokens.operator = await api.tokenFor("operator");

  // What an admin leaves behind: a snapshot, an archived discard, an edit (diff and audit row), a dry run.
  const snapshot = ok(await api.call("dlq.sqs.takeSnapshot", { kind: "mutation", input: { connection: "local", queue: state.sqsDlq }, headers: as(admin) }), "snapshot") as { id: string };
  state.sqsSnapshot = snapshot.id;
  const page = ok(await api.call("dlq.sqs.messages", { kind: "query", input: { connection: "local", queue: state.sqsDlq }, headers: as(admin) }), "messages") as { messages: { id: string }[] };
  state.sqsMessage = page.messages[0]!.id;
  state.sqsDiscarded = page.messages[1]!.id;
  ok(await api.call("replay.discard", { kind: "mutation", input: { kind: "sqs", connection: "local", dlq: state.sqsDlq, id: page.messages[1]!.id, reason: "archived" }, headers: as(admin) }), "discard");
  ok(
    await api.call("replay.edit", {
      kind: "mutation",
      input: { kind: "kafka", connection: "local", dlq: state.kafkaDlq, id: "0:0", value: JSON.stringify({ note: `${MARKER}-edited` }), headers: { set: [{ name: "x-note", value: `${MARKER}-2` }, { name: "authorization", value: `Bearer ${MARKER}` }] } },
      headers: as(admin),
    }),
    "edit",
  );
  const job = ok(
    await api.call("replayJobs.dryRun", { kind: "mutation", input: { kind: "kafka", connection: "local", dlq: state.kafkaDlq, selection: { source: "all" } }, headers: as(admin) }),
    "dry run",
  ) as { id?: string; jobId?: string };
  state.jobId = (job.id ?? job.jobId)!;
  expect(JSON.stringify(ok(await api.call("replayJobs.get", { kind: "query", input: { jobId: state.jobId }, headers: as(admin) }), "job"))).toContain(MARKER);
}, 180_000);

afterAll(async () => {
  await api?.close();
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  sqs.destroy();
});

const kafkaRef = () => ({ kind: "kafka", connection: "local", dlq: state.kafkaDlq });
const sqsRef = () => ({ kind: "sqs", connection: "local", dlq: state.sqsDlq });

/** Inputs that reach the data; a procedure not listed is called with {} (and still must not leak). */
const inputs: Record<string, () => unknown> = {
  "dlq.kafkaMessages": () => ({ connection: "local", topic: state.kafkaDlq }),
  "dlq.message": () => ({ ...kafkaRef(), id: "0:0" }),
  "dlq.sqs.messages": () => ({ connection: "local", queue: state.sqsDlq }),
  "dlq.sqs.takeSnapshot": () => ({ connection: "local", queue: state.sqsDlq }),
  "dlq.groups": () => kafkaRef(),
  "dlq.scan.start": () => ({ ...kafkaRef(), expression: "true" }),
  "replay.editable": () => ({ ...kafkaRef(), id: "0:0" }),
  "replay.ofMessage": () => ({ ...sqsRef(), id: state.sqsDiscarded }),
  "replay.resolution": () => ({ ...kafkaRef(), ids: ["0:0", "0:1"] }),
  "replay.recent": () => ({ limit: 100 }),
  "replay.settings": () => ({ kind: "kafka", connection: "local" }),
  "replay.destinations": () => ({ kind: "kafka", connection: "local" }),
  "replay.edit": () => ({ ...kafkaRef(), id: "0:1", headers: { set: [{ name: "x-other", value: "v" }] } }),
  "replay.one": () => ({ ...kafkaRef(), id: "0:1" }),
  "replay.discard": () => ({ ...sqsRef(), id: state.sqsMessage, reason: "checked" }),
  "replayJobs.list": () => ({ limit: 100 }),
  "replayJobs.get": () => ({ jobId: state.jobId }),
  "replayJobs.items": () => ({ jobId: state.jobId }),
  "replayJobs.dryRun": () => ({ ...kafkaRef(), selection: { source: "all" } }),
  "audit.list": () => ({ limit: 200 }),
  "sagas.summary": () => ({ database: "orders" }),
  "sagas.list": () => ({ database: "orders" }),
  "sagas.stuck": () => ({ database: "orders" }),
  "sagas.detail": () => ({ database: "orders", id: state.sagaId }),
  "sagaJobs.list": () => ({}),
  "outbox.overview": () => ({ database: "orders" }),
  "outbox.backlog": () => ({ database: "orders" }),
  "outbox.failing": () => ({ database: "orders" }),
  "outbox.blocked": () => ({ database: "orders" }),
  "outbox.history": () => ({ database: "orders" }),
};

const procedures = listProcedures().filter((p) => p.access !== "public" && p.path !== "auth.signOut");

describe.each(["viewer", "operator"] as const)("a %s without the payload permission", (role) => {
  it.each(procedures)("$path never answers with a payload", async ({ path: procedure, kind }) => {
    const response = await api.call(procedure, { kind, input: inputs[procedure]?.() ?? {}, headers: as(tokens[role]) });
    expect(response.status).toBeLessThan(500);
    expect(JSON.stringify(response.body)).not.toContain(MARKER);
  });
});

/** Every route file under app/api, each with a call that reaches the data. */
const routeCalls: Record<string, (token: string) => Promise<Response>> = {
  "dlq/export": async (token) => {
    const params = new URLSearchParams({ kind: "kafka", connection: "local", dlq: state.kafkaDlq, ids: "0:0,0:1" });
    return handleExport(new Request(`http://redrive.test/api/dlq/export?${params}`, { headers: as(token) }), { db: api.store.db, connections: api.connections });
  },
  "dlq/download": async (token) => {
    const params = new URLSearchParams({ kind: "sqs", connection: "local", dlq: state.sqsDlq, snapshotId: state.sqsSnapshot, id: state.sqsMessage });
    return handleDownload(new Request(`http://redrive.test/api/dlq/download?${params}`, { headers: as(token) }), { db: api.store.db, connections: api.connections });
  },
  // Unauthenticated probes: liveness, and readiness over the same store and connections as the procedures.
  health: async () => health(),
  ready: async () => Response.json(await readiness(api.store.db, api.connections)),
  // Metrics carry counts and names only: the tRPC route is the handler the procedures above went through.
  metrics: async () => new Response(""),
  "trpc/[trpc]": async () => new Response(""),
  // Single sign-on carries identities, never messages (not configured here: 404).
  "auth/oidc/start": async () => handleOidcStart(new Request("http://redrive.test/api/auth/oidc/start"), { db: api.store.db, config: api.connections.config }),
  "auth/oidc/callback": async () => handleOidcCallback(new Request("http://redrive.test/api/auth/oidc/callback?code=x&state=y"), { db: api.store.db, config: api.connections.config }),
};

function routeFiles(dir: string, prefix = ""): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return routeFiles(full, prefix ? `${prefix}/${entry}` : entry);
    return /^route\.(ts|tsx|js)$/.test(entry) ? [prefix] : [];
  });
}

describe("HTTP routes", () => {
  it("covers every route under app/api", () => {
    expect(routeFiles(path.resolve("app/api")).sort()).toEqual(Object.keys(routeCalls).sort());
  });

  it.each(["viewer", "operator"] as const)("never send a payload to a %s", async (role) => {
    for (const [route, call] of Object.entries(routeCalls)) {
      const response = await call(tokens[role]);
      expect(response.status, route).toBeLessThan(500);
      expect(await response.text(), route).not.toContain(MARKER);
    }
  });

  it("does send them to an admin (the fixtures are real)", async () => {
    expect(await (await routeCalls["dlq/export"]!(admin)).text()).toContain(MARKER);
  });
});

it("the audit log keeps no secret header value", async () => {
  const rows = await api.store.db.execute(sql`select parameters::text as p from audit_log where procedure = 'replay.edit'`);
  const text = JSON.stringify(rows);
  expect(text).toContain(`${MARKER}-2`);
  expect(text).not.toContain(`Bearer ${MARKER}`);
});
