import { desc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog } from "~/server/db/schema";
import { ApiHarness, listProcedures } from "./helpers/api";

// No connections needed: authorisation is decided before any broker is asked.
let api: ApiHarness;
beforeAll(async () => {
  api = await ApiHarness.start({ kafka: [], sqs: [], databases: [] });
});
afterAll(() => api?.close());

const procedures = listProcedures();

describe("authorisation over HTTP", () => {
  it("declares an access level on every procedure, and only sign-in is public", () => {
    expect(procedures.filter((p) => p.access === "public").map((p) => p.path)).toEqual(["auth.signIn"]);
  });

  it.each(procedures.filter((p) => p.access !== "public"))("$path answers 401 without a session or token", async ({ path, kind }) => {
    const response = await api.call(path, { kind });
    expect(response.status).toBe(401);
  });

  it.each(procedures.filter((p) => p.access === "operator" || p.access === "admin"))(
    "$path answers 403 to a viewer token",
    async ({ path, kind }) => {
      const token = await api.tokenFor("viewer");
      const response = await api.call(path, { kind, headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(403);
    },
  );

  it.each(procedures.filter((p) => p.access === "admin"))("$path answers 403 to an operator token", async ({ path, kind }) => {
    const token = await api.tokenFor("operator");
    const response = await api.call(path, { kind, headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(403);
  });

  it("refuses an unknown or malformed bearer token with 401", async () => {
    for (const authorization of ["Bearer rdv_not-a-real-token", "Bearer", "Basic abc"]) {
      const response = await api.call("auth.me", { kind: "query", headers: { authorization } });
      expect(response.status).toBe(401);
    }
  });

  it("lets a viewer token read", async () => {
    const token = await api.tokenFor("viewer");
    const me = await api.data<{ role: string; kind: string }>("auth.me", {
      kind: "query",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(me).toMatchObject({ name: "token:test-viewer", role: "viewer", kind: "token", mustChangePassword: false });
  });
});

describe("sign-in and the session cookie", () => {
  it("sets an HttpOnly SameSite cookie that authenticates later calls", async () => {
    const response = await api.call("auth.signIn", {
      kind: "mutation",
      input: { username: "admin", password: "harness-admin-password" },
    });
    expect(response.status).toBe(200);
    const cookie = response.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^redrive_session=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Expires=/);
    const session = cookie.split(";")[0]!;
    const me = await api.data<{ name: string; role: string }>("auth.me", { kind: "query", headers: { cookie: session } });
    expect(me).toMatchObject({ name: "admin", role: "admin" });
  });

  it("answers 401 to a wrong password and audits the attempt without the password", async () => {
    const response = await api.call("auth.signIn", {
      kind: "mutation",
      input: { username: "admin", password: "not-the-password" },
    });
    expect(response.status).toBe(401);
    const [row] = await api.store.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.procedure, "auth.signIn"))
      .orderBy(desc(auditLog.id))
      .limit(1);
    expect(row).toMatchObject({ outcome: "error", actorKind: "anonymous" });
    expect(JSON.stringify(row?.parameters)).not.toContain("not-the-password");
  });

  it("refuses a cookie-authenticated mutation from another origin", async () => {
    const signedIn = await api.call("auth.signIn", {
      kind: "mutation",
      input: { username: "admin", password: "harness-admin-password" },
    });
    const session = (signedIn.headers.get("set-cookie") ?? "").split(";")[0]!;
    const response = await api.call("tokens.create", {
      kind: "mutation",
      input: { name: "csrf", role: "admin", expiresInDays: 1 },
      headers: { cookie: session, origin: "https://evil.example", host: "redrive.test" },
    });
    expect(response.status).toBe(403);
  });
});

describe("audited mutations", () => {
  it("writes who, what, parameters and outcome for each mutation", async () => {
    const token = await api.tokenFor("admin");
    const created = await api.data<{ id: string; token: string }>("tokens.create", {
      kind: "mutation",
      input: { name: "runbook", role: "operator", expiresInDays: 30 },
      headers: { authorization: `Bearer ${token}` },
    });
    const [row] = await api.store.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.procedure, "tokens.create"))
      .orderBy(desc(auditLog.id))
      .limit(1);
    expect(row).toMatchObject({
      actorKind: "token",
      actorName: "token:test-admin",
      outcome: "ok",
      parameters: { name: "runbook", role: "operator", expiresInDays: 30 },
    });
    expect(JSON.stringify(row)).not.toContain(created.token);
  });

  it("rejects invalid input with 400 and a field message", async () => {
    const token = await api.tokenFor("admin");
    const response = await api.call("users.create", {
      kind: "mutation",
      input: { username: "x", role: "root", password: "short" },
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(400);
    const fieldErrors = (response.body as { error: { json: { data: { zodError: { fieldErrors: Record<string, string[]> } } } } })
      .error.json.data.zodError.fieldErrors;
    // The role is checked against the config's roles in the procedure (permissions-matrix.test.ts), not by the schema.
    expect(Object.keys(fieldErrors).sort()).toEqual(["password", "username"]);
  });
});
