import { count, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordAudit } from "~/server/audit";
import { ensureFirstAdmin, FIRST_ADMIN } from "~/server/auth/bootstrap";
import {
  API_TOKEN_PREFIX,
  createApiToken,
  principalFromApiToken,
  principalFromSession,
  signIn,
  signOut,
} from "~/server/auth/sessions";
import { openControlStore, type ControlStore } from "~/server/db/control-store";
import { apiTokens, auditLog, sessions, users } from "~/server/db/schema";
import { createTestDatabase, createTestDataDir } from "./helpers/environment";

// The same suite runs against the embedded store (a PostgreSQL server Redrive runs) and an external server.
const kinds = [
  {
    kind: "embedded" as const,
    open: async () => {
      const { dir, remove } = createTestDataDir();
      return { options: { dataDir: dir }, cleanup: async () => remove() };
    },
  },
  {
    kind: "postgres" as const,
    open: async () => {
      const database = await createTestDatabase();
      return { options: { databaseUrl: database.url }, cleanup: database.drop };
    },
  },
];

describe.each(kinds)("control store ($kind)", ({ kind, open }) => {
  let store: ControlStore;
  let cleanup: () => Promise<void>;
  let options: Parameters<typeof openControlStore>[0];

  beforeAll(async () => {
    ({ options, cleanup } = await open());
    store = await openControlStore(options);
  });

  afterAll(async () => {
    await store?.close();
    await cleanup?.();
  });

  it("applies the migrations and reports its kind", async () => {
    expect(store.kind).toBe(kind);
    // Both drivers return { rows }.
    const tables = (await store.db.execute(
      sql`select table_name from information_schema.tables where table_schema = 'public' order by table_name`,
    )) as unknown as { rows: { table_name: string }[] };
    expect(tables.rows.map((row) => row.table_name)).toEqual(
      expect.arrayContaining(["api_tokens", "audit_log", "sessions", "users"]),
    );
  });

  it("creates the first admin once, from REDRIVE_ADMIN_PASSWORD", async () => {
    await ensureFirstAdmin(store.db, { REDRIVE_ADMIN_PASSWORD: "first-admin-password" });
    await ensureFirstAdmin(store.db, { REDRIVE_ADMIN_PASSWORD: "another-password-ignored" });
    const rows = await store.db.select().from(users);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ username: FIRST_ADMIN, role: "admin" });
    expect(rows[0]?.passwordHash).toMatch(/^\$argon2id\$/);
    expect(await signIn(store.db, "admin", "another-password-ignored", null)).toBeNull();
  });

  it("signs in with the right password only, and signs out", async () => {
    expect(await signIn(store.db, "admin", "wrong-password", null)).toBeNull();
    expect(await signIn(store.db, "nobody", "first-admin-password", null)).toBeNull();
    const session = await signIn(store.db, "ADMIN", "first-admin-password", "vitest");
    expect(session?.principal).toMatchObject({ kind: "user", name: "admin", role: "admin" });
    const token = session!.token;
    expect(await principalFromSession(store.db, token)).toMatchObject({ name: "admin", role: "admin" });
    // Only the hash is stored.
    const stored = await store.db.select({ id: sessions.id }).from(sessions);
    expect(stored.map((row) => row.id)).not.toContain(token);
    await signOut(store.db, token);
    expect(await principalFromSession(store.db, token)).toBeNull();
  });

  it("refuses expired sessions and disabled users", async () => {
    const session = await signIn(store.db, "admin", "first-admin-password", null);
    await store.db.update(sessions).set({ expiresAt: new Date(Date.now() - 1000) });
    expect(await principalFromSession(store.db, session!.token)).toBeNull();

    const fresh = await signIn(store.db, "admin", "first-admin-password", null);
    await store.db.update(users).set({ disabled: true }).where(eq(users.username, "admin"));
    expect(await principalFromSession(store.db, fresh!.token)).toBeNull();
    expect(await signIn(store.db, "admin", "first-admin-password", null)).toBeNull();
    await store.db.update(users).set({ disabled: false }).where(eq(users.username, "admin"));
  });

  it("accepts an API token until it is revoked or expires", async () => {
    const { id, token } = await createApiToken(store.db, { name: "ci", role: "viewer", createdBy: null, expiresAt: null });
    expect(token.startsWith(API_TOKEN_PREFIX)).toBe(true);
    expect(await principalFromApiToken(store.db, token)).toMatchObject({ kind: "token", role: "viewer", name: "token:ci" });
    expect(await principalFromApiToken(store.db, `${token}x`)).toBeNull();
    const [used] = await store.db.select().from(apiTokens).where(eq(apiTokens.id, id));
    expect(used?.lastUsedAt).not.toBeNull();
    expect(used?.tokenHash).not.toBe(token);

    await store.db.update(apiTokens).set({ revokedAt: new Date() }).where(eq(apiTokens.id, id));
    expect(await principalFromApiToken(store.db, token)).toBeNull();

    const expiring = await createApiToken(store.db, {
      name: "old",
      role: "admin",
      createdBy: null,
      expiresAt: new Date(Date.now() - 1),
    });
    expect(await principalFromApiToken(store.db, expiring.token)).toBeNull();
  });

  it("keeps the audit log append-only", async () => {
    await recordAudit(store.db, {
      actor: { kind: "system", name: "vitest" },
      procedure: "test.append",
      parameters: { password: "p", keep: 1 },
      outcome: "ok",
    });
    const [row] = await store.db.select().from(auditLog).where(eq(auditLog.procedure, "test.append"));
    expect(row?.parameters).toEqual({ password: "[redacted]", keep: 1 });
    await expect(store.db.update(auditLog).set({ outcome: "error" })).rejects.toThrow();
    await expect(store.db.delete(auditLog)).rejects.toThrow();
    await expect(store.db.execute(sql`truncate audit_log`)).rejects.toThrow();
    const [after] = await store.db.select({ n: count() }).from(auditLog);
    expect(after?.n).toBeGreaterThanOrEqual(2); // bootstrap row + ours
  });

  it("re-opens an existing store without re-applying migrations", async () => {
    await store.close();
    store = await openControlStore(options);
    const [admins] = await store.db.select({ n: count() }).from(users);
    expect(admins?.n).toBe(1);
  });
});
