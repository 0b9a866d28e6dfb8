import { readFileSync } from "node:fs";
import { desc, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAuditChain } from "~/server/audit/chain";
import { pruneAuditLog } from "~/server/audit/retention";
import { auditLog } from "~/server/db/schema";
import { ApiHarness } from "./helpers/api";
import { createTestDataDir } from "./helpers/environment";

let api: ApiHarness;
beforeAll(async () => {
  api = await ApiHarness.start({ server: { trustedProxies: ["10.0.0.0/8"] }, kafka: [], sqs: [], databases: [] });
});
afterAll(() => api?.close());

async function lastRow(procedure: string) {
  const [row] = await api.store.db.select().from(auditLog).where(eq(auditLog.procedure, procedure)).orderBy(desc(auditLog.id)).limit(1);
  if (!row) throw new Error(`no audit row for ${procedure}`);
  return row;
}

/** A body of `total` bytes handed out 1 MiB at a time, counting what the server pulled. */
function countingBody(total: number): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  const chunk = new Uint8Array(1024 * 1024).fill(0x61);
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= total) return controller.close();
      sent += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  return { stream, pulled: () => sent };
}

describe("what an anonymous caller can put in the audit log", () => {
  it("records a refused 1 MiB call as a compact row without its input", async () => {
    const response = await api.call("tokens.create", { kind: "mutation", input: { name: "x".repeat(1024 * 1024), role: "admin", expiresInDays: 1 } });
    expect(response.status).toBe(401);
    const row = await lastRow("tokens.create");
    expect(row).toMatchObject({ actorKind: "anonymous", outcome: "error", parameters: null, error: "UNAUTHORIZED" });
    expect(JSON.stringify(row).length).toBeLessThan(1_000);
  });

  it("refuses a 64 MiB body with 413 without reading it", async () => {
    const streamed = countingBody(64 * 1024 * 1024);
    const response = await api.call("tokens.create", { kind: "mutation", body: streamed.stream });
    expect(response.status).toBe(413);
    // The default limit is 2 MiB: the server stops pulling right after it.
    expect(streamed.pulled()).toBeLessThanOrEqual(3 * 1024 * 1024);

    const declared = countingBody(64 * 1024 * 1024);
    const refused = await api.call("tokens.create", {
      kind: "mutation",
      body: declared.stream,
      headers: { "content-length": String(64 * 1024 * 1024) },
    });
    expect(refused.status).toBe(413);
    expect(declared.pulled()).toBeLessThanOrEqual(1024 * 1024);
  });

  it("caps batches and keeps sign-in out of them", async () => {
    const many = Array.from({ length: 11 }, () => "auth.me").join(",");
    expect((await api.call(many, { kind: "query" })).status).toBe(400);
    expect((await api.call("auth.signIn,auth.signIn", { kind: "mutation", input: {} })).status).toBe(400);
  });
});

describe("the caller's address", () => {
  it("ignores X-Forwarded-For from a peer that is not a trusted proxy", async () => {
    await api.call("auth.signIn", { kind: "mutation", input: { username: "admin", password: "wrong-password" }, peer: "198.51.100.7", headers: { "x-forwarded-for": "203.0.113.9" } });
    expect((await lastRow("auth.signIn")).remoteAddress).toBe("198.51.100.7");
  });

  it("takes the client from X-Forwarded-For behind a trusted proxy, skipping trusted hops", async () => {
    await api.call("auth.signIn", {
      kind: "mutation",
      input: { username: "admin", password: "wrong-password" },
      peer: "::ffff:10.1.2.3",
      headers: { "x-forwarded-for": "192.0.2.1, 203.0.113.9, 10.0.0.5" },
    });
    expect((await lastRow("auth.signIn")).remoteAddress).toBe("203.0.113.9");
  });
});

describe("recorded inputs", () => {
  it("records the validated input: unknown fields dropped, secret header values redacted, cut at 8 KiB and marked", async () => {
    const token = await api.tokenFor("operator");
    const set = [{ name: "Authorization", value: "Bearer sk_live_audit_secret" }, ...Array.from({ length: 12 }, (_, i) => ({ name: `h${i}`, value: "v".repeat(1024) }))];
    const response = await api.call("replay.edit", {
      kind: "mutation",
      input: { kind: "kafka", connection: "none", dlq: "orders.DLQ", id: "0:1", headers: { set }, smuggled: "s".repeat(4096) },
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(404);
    const row = await lastRow("replay.edit");
    const stored = JSON.stringify(row.parameters);
    expect(row.parameters).toMatchObject({ truncated: true });
    expect(stored.length).toBeLessThan(9 * 1024);
    expect(stored).not.toContain("sk_live_audit_secret");
    expect(stored).not.toContain("smuggled");
    expect(stored).toContain("[redacted]");
  });

  it("records a small validated input whole", async () => {
    const token = await api.tokenFor("operator");
    await api.call("replay.discard", {
      kind: "mutation",
      input: { kind: "kafka", connection: "none", dlq: "orders.DLQ", id: "0:1", reason: "dup", extra: "dropped" },
      headers: { authorization: `Bearer ${token}` },
    });
    expect((await lastRow("replay.discard")).parameters).toEqual({ kind: "kafka", connection: "none", dlq: "orders.DLQ", id: "0:1", reason: "dup" });
  });
});

describe("the tamper-evident chain", () => {
  it("verifies, then names the first row changed by the table's owner", async () => {
    const before = await verifyAuditChain(api.store.db);
    expect(before).toMatchObject({ ok: true, broken: null });
    expect(before.checked).toBe(5);

    const target = await lastRow("replay.discard");
    await api.store.db.execute(sql`alter table audit_log disable trigger audit_log_append_only`);
    await api.store.db.execute(sql`update audit_log set actor_name = 'someone-else' where id = ${target.id}`);
    await api.store.db.execute(sql`alter table audit_log enable trigger audit_log_append_only`);
    const after = await verifyAuditChain(api.store.db);
    expect(after.ok).toBe(false);
    expect(after.broken?.id).toBe(target.id);
    expect(after.broken?.reason).toMatch(/changed/);
  });

  it("exports before pruning, and the pruned log still verifies", async () => {
    const { dir, remove } = createTestDataDir();
    try {
      // Restore the row changed above, so this log is whole again.
      await api.store.db.execute(sql`alter table audit_log disable trigger audit_log_append_only`);
      const target = await lastRow("replay.discard");
      await api.store.db.execute(sql`update audit_log set actor_name = 'token:test-operator' where id = ${target.id}`);
      await api.store.db.execute(sql`alter table audit_log enable trigger audit_log_append_only`);
      expect((await verifyAuditChain(api.store.db)).ok).toBe(true);

      const rows = await api.store.db.select({ id: auditLog.id }).from(auditLog);
      const outcome = await pruneAuditLog(api.store.db, { retentionDays: 1, exportDir: dir }, new Date(Date.now() + 2 * 86_400_000));
      expect(outcome.pruned).toBe(rows.length);
      const lines = readFileSync(outcome.file!, "utf8").trim().split("\n");
      expect(lines).toHaveLength(rows.length);
      expect(JSON.parse(lines[0]!)).toHaveProperty("hash");
      const remaining = await api.store.db.select().from(auditLog);
      expect(remaining.map((row) => row.procedure)).toEqual(["audit.prune"]);
      expect(await verifyAuditChain(api.store.db)).toMatchObject({ ok: true, checked: 1 });

      // A row deleted outside retention is found: its successor's predecessor is gone.
      await api.call("auth.signIn", { kind: "mutation", input: { username: "admin", password: "wrong-password" } });
      await api.call("auth.signIn", { kind: "mutation", input: { username: "admin", password: "wrong-password" } });
      const [first] = await api.store.db.select().from(auditLog).orderBy(auditLog.id).limit(1);
      await api.store.db.execute(sql`alter table audit_log disable trigger audit_log_append_only`);
      await api.store.db.execute(sql`delete from audit_log where id = ${first!.id}`);
      await api.store.db.execute(sql`alter table audit_log enable trigger audit_log_append_only`);
      const report = await verifyAuditChain(api.store.db);
      expect(report.ok).toBe(false);
      expect(report.broken?.reason).toMatch(/predecessor is missing/);
    } finally {
      remove();
    }
  });
});
