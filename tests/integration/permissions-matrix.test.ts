import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiToken } from "~/server/auth/sessions";
import { replayJobs } from "~/server/db/schema";
import { ApiHarness } from "./helpers/api";

// Issue 13, point 9: permissions by action and scope, over HTTP. The connections are named but never reached:
// a call the permission check lets through fails later (404/412/500), one it refuses answers 403.
let api: ApiHarness;
const tokens: Record<string, string> = {};
const as = (role: string) => ({ authorization: `Bearer ${tokens[role]}` });

beforeAll(async () => {
  api = await ApiHarness.start({
    auth: {
      roles: {
        "payments-operator": [{ actions: ["payloads.read", "replay", "discard"], connections: ["prod-*"], resources: ["payments.*"] }],
        "bulk-replayer": [{ actions: ["replay.bulk"], connections: ["prod-eu"] }],
        editor: [{ actions: ["replay.edit"] }],
        silencer: [{ actions: ["alerts.silence"] }],
        "saga-operator": [{ actions: ["sagas.command"], connections: ["orders-db"] }],
        auditor: [{ actions: ["read"] }],
        "user-admin": [{ actions: ["admin"] }],
      },
    },
    kafka: [],
    sqs: [],
    databases: [],
  });
  for (const role of ["viewer", "operator", "admin", "payments-operator", "bulk-replayer", "editor", "silencer", "saga-operator", "auditor", "user-admin"]) {
    tokens[role] = (await createApiToken(api.store.db, { name: role, role, createdBy: null, expiresAt: null })).token;
  }
});
afterAll(() => api?.close());

const replayOne = (connection: string, dlq: string) => ({ kind: "kafka", connection, dlq, id: "0:1" });
const silence = { matchers: [{ label: "rule", value: "x" }], endsAt: new Date(Date.now() + 3_600_000), comment: "maintenance" };

interface Case {
  procedure: string;
  kind: "query" | "mutation";
  input?: unknown;
  allowed: string[];
}

const ALL = ["viewer", "operator", "admin", "payments-operator", "bulk-replayer", "editor", "silencer", "saga-operator", "auditor", "user-admin"];
const cases: Case[] = [
  { procedure: "replay.one", kind: "mutation", input: replayOne("prod-eu", "payments.dlq"), allowed: ["operator", "admin", "payments-operator", "user-admin"] },
  { procedure: "replay.one", kind: "mutation", input: replayOne("staging", "payments.dlq"), allowed: ["operator", "admin", "user-admin"] },
  { procedure: "replay.one", kind: "mutation", input: replayOne("prod-eu", "orders.dlq"), allowed: ["operator", "admin", "user-admin"] },
  { procedure: "replay.discard", kind: "mutation", input: { ...replayOne("prod-us", "payments.retry"), reason: "duplicate" }, allowed: ["operator", "admin", "payments-operator", "user-admin"] },
  { procedure: "replay.edit", kind: "mutation", input: { ...replayOne("prod-eu", "payments.dlq"), value: "{}" }, allowed: ["operator", "admin", "editor", "user-admin"] },
  { procedure: "replayJobs.dryRun", kind: "mutation", input: { kind: "kafka", connection: "prod-eu", dlq: "payments.dlq", selection: { source: "all" } }, allowed: ["operator", "admin", "bulk-replayer", "user-admin"] },
  { procedure: "replayJobs.dryRun", kind: "mutation", input: { kind: "kafka", connection: "prod-us", dlq: "payments.dlq", selection: { source: "all" } }, allowed: ["operator", "admin", "user-admin"] },
  { procedure: "alerts.createSilence", kind: "mutation", input: silence, allowed: ["operator", "admin", "silencer", "user-admin"] },
  { procedure: "sagas.issue", kind: "mutation", input: { database: "orders-db", sagaId: "00000000-0000-4000-8000-000000000000", command: "retry", expectedVersion: 1, reason: "stuck" }, allowed: ["operator", "admin", "saga-operator", "user-admin"] },
  { procedure: "sagas.issue", kind: "mutation", input: { database: "billing-db", sagaId: "00000000-0000-4000-8000-000000000000", command: "retry", expectedVersion: 1, reason: "stuck" }, allowed: ["operator", "admin", "user-admin"] },
  { procedure: "users.list", kind: "query", allowed: ["admin", "user-admin"] },
  { procedure: "audit.list", kind: "query", input: {}, allowed: ALL },
  // A configured role reads only where its grants reach.
  { procedure: "dlq.message", kind: "query", input: replayOne("prod-eu", "payments.dlq"), allowed: ALL.filter((role) => role !== "saga-operator") },
  { procedure: "dlq.message", kind: "query", input: replayOne("staging", "orders.dlq"), allowed: ALL.filter((role) => !["payments-operator", "bulk-replayer", "saga-operator"].includes(role)) },
];

describe("the permission matrix over HTTP", () => {
  for (const { procedure, kind, input, allowed } of cases) {
    const scope = (input ?? {}) as { connection?: string; dlq?: string; database?: string };
    const where = scope.connection ? ` on ${scope.connection}/${scope.dlq}` : scope.database ? ` on ${scope.database}` : "";
    it.each(ALL)(`${procedure}${where}: %s`, async (role) => {
      const response = await api.call(procedure, { kind, input, headers: as(role) });
      if (allowed.includes(role)) expect(response.status, JSON.stringify(response.body)).not.toBe(403);
      else expect(response.status, JSON.stringify(response.body)).toBe(403);
      expect(response.status).not.toBe(401);
    });
  }
});

describe("job controls", () => {
  it("are scoped by the job's connection and DLQ", async () => {
    const job = (connection: string) =>
      api.store.db
        .insert(replayJobs)
        .values({ kind: "kafka", action: "replay", connection, dlq: "payments.dlq", selection: { source: "all" }, options: {} as never, state: "paused", createdBy: "test" })
        .returning({ id: replayJobs.id });
    const [mine] = await job("prod-eu");
    const [theirs] = await job("prod-us");
    const cancel = (jobId: string, role: string) => api.call("replayJobs.cancel", { kind: "mutation", input: { jobId }, headers: as(role) });
    expect((await cancel(theirs!.id, "bulk-replayer")).status).toBe(403);
    expect((await cancel(mine!.id, "bulk-replayer")).status).not.toBe(403);
    expect((await cancel(theirs!.id, "operator")).status).not.toBe(403);
  });
});

describe("roles on accounts and tokens", () => {
  it("accepts a configured role for a user and a token, refuses an unknown one", async () => {
    expect((await api.call("users.create", { kind: "mutation", input: { username: "pat", role: "payments-operator", password: "a long enough passphrase" }, headers: as("admin") })).status).toBe(200);
    expect((await api.call("users.create", { kind: "mutation", input: { username: "rooty", role: "root", password: "a long enough passphrase" }, headers: as("admin") })).status).toBe(400);
    expect((await api.call("tokens.create", { kind: "mutation", input: { name: "pay", role: "payments-operator", expiresInDays: 7 }, headers: as("admin") })).status).toBe(200);
  });

  it("offers the configured roles to admins", async () => {
    expect(await api.data<string[]>("users.roles", { kind: "query", headers: as("admin") })).toEqual(["viewer", "operator", "admin", ...Object.keys(api.connections.config.auth.roles)]);
    expect((await api.call("users.roles", { kind: "query", headers: as("operator") })).status).toBe(403);
  });

  it("tells the UI what the role may do", async () => {
    const me = await api.data<{ grants: { actions: string[]; connections: string[] }[] }>("auth.me", { kind: "query", headers: as("payments-operator") });
    expect(me.grants).toEqual([{ actions: ["read", "payloads.read", "replay", "discard"], connections: ["prod-*"], resources: ["payments.*"] }]);
  });
});
