import { desc, eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog, sessions, signInThrottle } from "~/server/db/schema";
import { ApiHarness } from "./helpers/api";

// Issue 13, point 5: sign-in throttling, own password changes, admin resets, sessions listed/revoked/rotated/idle.
let api: ApiHarness;
let admin: string;
const as = (token: string) => ({ authorization: `Bearer ${token}` });
const PASSWORD = "correct horse battery";

beforeAll(async () => {
  api = await ApiHarness.start({
    auth: { sessionIdleMinutes: 5, throttle: { freeFailures: 3, freeFailuresPerAddress: 4, maxBlockSeconds: 60 } },
    kafka: [],
    sqs: [],
    databases: [],
  });
  admin = await api.tokenFor("admin");
});
afterAll(() => api?.close());

async function createUser(username: string, role: "viewer" | "operator" | "admin" = "viewer"): Promise<string> {
  return (await api.data<{ id: string }>("users.create", { kind: "mutation", input: { username, role, password: PASSWORD }, headers: as(admin) })).id;
}

function attempt(username: string, password: string, options: { peer?: string; cookie?: string } = {}) {
  return api.call("auth.signIn", { kind: "mutation", input: { username, password }, peer: options.peer, headers: options.cookie ? { cookie: options.cookie } : {} });
}

async function session(username: string, password = PASSWORD, peer?: string): Promise<string> {
  const response = await attempt(username, password, { peer });
  expect(response.status).toBe(200);
  return (response.headers.get("set-cookie") ?? "").split(";")[0]!;
}

const meStatus = async (cookie: string) => (await api.call("auth.me", { kind: "query", headers: { cookie } })).status;

/** Lets the clock "pass" a block without sleeping: the block ends now. */
async function endBlocks(keys: string[]) {
  await api.store.db.update(signInThrottle).set({ blockedUntil: sql`now() - interval '1 second'` }).where(inArray(signInThrottle.key, keys));
}

describe("sign-in throttling", () => {
  it("blocks a username after the free failures, doubling each time, even for the right password", async () => {
    await createUser("tina");
    for (let i = 0; i < 3; i++) expect((await attempt("tina", "wrong password!", { peer: `10.1.0.${i}` })).status).toBe(401);
    // The fourth failure is the first that blocks (1 s); while blocked, even the right password is refused.
    expect((await attempt("tina", "wrong password!", { peer: "10.1.0.9" })).status).toBe(401);
    const blocked = await attempt("tina", PASSWORD, { peer: "10.1.0.10" });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    await endBlocks(["user:tina"]);
    expect((await attempt("tina", "wrong password!", { peer: "10.1.0.11" })).status).toBe(401);
    const longer = await attempt("tina", PASSWORD, { peer: "10.1.0.12" });
    expect(longer.status).toBe(429);
    expect(Number(longer.headers.get("retry-after"))).toBe(2);
    await endBlocks(["user:tina"]);
    // A success clears the username's count.
    expect((await attempt("tina", PASSWORD, { peer: "10.1.0.13" })).status).toBe(200);
    expect(await api.store.db.select().from(signInThrottle).where(eq(signInThrottle.key, "user:tina"))).toEqual([]);
  });

  it("blocks an address guessing across many usernames, and only that address", async () => {
    await createUser("uma");
    for (let i = 0; i < 5; i++) expect((await attempt(`nobody${i}`, "wrong password!", { peer: "10.2.0.1" })).status).toBe(401);
    expect((await attempt("uma", PASSWORD, { peer: "10.2.0.1" })).status).toBe(429);
    expect((await attempt("uma", PASSWORD, { peer: "10.2.0.2" })).status).toBe(200);
  });

  it("cannot be sidestepped by batching sign-ins", async () => {
    expect((await api.call("auth.signIn,auth.signIn", { kind: "mutation", body: "{}" })).status).toBe(400);
    expect((await api.call(Array(11).fill("auth.me").join(","), { kind: "query", headers: as(admin) })).status).toBe(400);
  });
});

describe("changing one's own password", () => {
  it("needs the current password, applies the policy, and ends the user's other sessions", async () => {
    await createUser("vera");
    const here = await session("vera");
    const elsewhere = await session("vera");
    const change = (currentPassword: string, newPassword: string) =>
      api.call("auth.changePassword", { kind: "mutation", input: { currentPassword, newPassword }, headers: { cookie: here } });
    expect((await change("not my password", "a-fresh-long-passphrase")).status).toBe(403);
    expect((await change(PASSWORD, "aaaaaaaaaaaa")).status).toBe(400);
    expect((await change(PASSWORD, "vera-is-my-password")).status).toBe(400);
    expect((await change(PASSWORD, "a-fresh-long-passphrase")).status).toBe(200);
    expect(await meStatus(elsewhere)).toBe(401);
    expect(await meStatus(here)).toBe(200);
    expect((await attempt("vera", PASSWORD)).status).toBe(401);
    expect((await attempt("vera", "a-fresh-long-passphrase")).status).toBe(200);
    const [row] = await api.store.db.select().from(auditLog).where(eq(auditLog.procedure, "auth.changePassword")).orderBy(desc(auditLog.id)).limit(1);
    expect(JSON.stringify(row?.parameters)).not.toContain("a-fresh-long-passphrase");
    expect(row?.actorName).toBe("vera");
  });

  it("is refused to API tokens", async () => {
    const response = await api.call("auth.changePassword", { kind: "mutation", input: { currentPassword: "x", newPassword: "a-fresh-long-passphrase" }, headers: as(admin) });
    expect(response.status).toBe(403);
  });
});

describe("an admin's password reset", () => {
  it("sets a temporary password that only lets the user choose a new one", async () => {
    const id = await createUser("walt", "operator");
    const before = await session("walt");
    const viewer = await api.tokenFor("viewer");
    expect((await api.call("users.resetPassword", { kind: "mutation", input: { id }, headers: as(viewer) })).status).toBe(403);
    const { temporaryPassword } = await api.data<{ temporaryPassword: string }>("users.resetPassword", { kind: "mutation", input: { id }, headers: as(admin) });
    expect(await meStatus(before)).toBe(401);
    const signedIn = await attempt("walt", temporaryPassword);
    expect(signedIn.status).toBe(200);
    const restricted = (signedIn.headers.get("set-cookie") ?? "").split(";")[0]!;
    const me = await api.data<{ mustChangePassword: boolean }>("auth.me", { kind: "query", headers: { cookie: restricted } });
    expect(me.mustChangePassword).toBe(true);
    expect((await api.call("connections.list", { kind: "query", headers: { cookie: restricted } })).status).toBe(403);
    const changed = await api.call("auth.changePassword", {
      kind: "mutation",
      input: { currentPassword: temporaryPassword, newPassword: "a-brand-new-passphrase-9" },
      headers: { cookie: restricted },
    });
    expect(changed.status).toBe(200);
    expect((await api.call("connections.list", { kind: "query", headers: { cookie: restricted } })).status).toBe(200);
    const [row] = await api.store.db.select().from(auditLog).where(eq(auditLog.procedure, "users.resetPassword")).orderBy(desc(auditLog.id)).limit(1);
    expect(row?.outcome).toBe("ok");
    expect(JSON.stringify(row)).not.toContain(temporaryPassword);
  });
});

describe("sessions", () => {
  it("are listed to their owner, who can revoke one, and not someone else's", async () => {
    await createUser("xena");
    const mine = await session("xena", PASSWORD, "10.3.0.1");
    const other = await session("xena", PASSWORD, "10.3.0.2");
    const list = await api.data<{ handle: string; current: boolean; remoteAddress: string }[]>("auth.sessions", { kind: "query", headers: { cookie: mine } });
    expect(list).toHaveLength(2);
    const current = list.find((s) => s.current)!;
    const notCurrent = list.find((s) => !s.current)!;
    expect(current.remoteAddress).toBe("10.3.0.1");
    await createUser("yuri");
    const stranger = await session("yuri");
    expect((await api.call("auth.revokeSession", { kind: "mutation", input: { handle: notCurrent.handle }, headers: { cookie: stranger } })).status).toBe(404);
    expect(await meStatus(other)).toBe(200);
    expect((await api.call("auth.revokeSession", { kind: "mutation", input: { handle: notCurrent.handle }, headers: { cookie: mine } })).status).toBe(200);
    expect(await meStatus(other)).toBe(401);
    expect(await meStatus(mine)).toBe(200);
  });

  it("are listed and revoked by admins, refused to others", async () => {
    const id = await createUser("zoe");
    const cookie = await session("zoe");
    const operator = await api.tokenFor("operator");
    expect((await api.call("users.sessions", { kind: "query", input: { id }, headers: as(operator) })).status).toBe(403);
    const [only] = await api.data<{ handle: string }[]>("users.sessions", { kind: "query", input: { id }, headers: as(admin) });
    expect((await api.call("users.revokeSession", { kind: "mutation", input: { handle: only!.handle }, headers: as(operator) })).status).toBe(403);
    expect(await meStatus(cookie)).toBe(200);
    expect((await api.call("users.revokeSession", { kind: "mutation", input: { handle: only!.handle }, headers: as(admin) })).status).toBe(200);
    expect(await meStatus(cookie)).toBe(401);
    const [row] = await api.store.db.select().from(auditLog).where(eq(auditLog.procedure, "users.revokeSession")).orderBy(desc(auditLog.id)).limit(1);
    expect(row?.outcome).toBe("ok");
  });

  it("are rotated on sign-in: the cookie a browser came with stops working", async () => {
    await createUser("abel");
    const old = await session("abel");
    const fresh = await attempt("abel", PASSWORD, { cookie: old });
    expect(fresh.status).toBe(200);
    expect(await meStatus(old)).toBe(401);
    expect(await meStatus((fresh.headers.get("set-cookie") ?? "").split(";")[0]!)).toBe(200);
  });

  it("end when the user's role changes", async () => {
    const id = await createUser("beth");
    const cookie = await session("beth");
    await api.data("users.update", { kind: "mutation", input: { id, role: "operator" }, headers: as(admin) });
    expect(await meStatus(cookie)).toBe(401);
  });

  it("end after the configured idle time, and stay alive while used", async () => {
    const id = await createUser("cleo");
    const cookie = await session("cleo");
    await api.store.db.update(sessions).set({ lastSeenAt: sql`now() - interval '4 minutes'` }).where(eq(sessions.userId, id));
    expect(await meStatus(cookie)).toBe(200); // used within the 5 idle minutes: moved forward
    const [seen] = await api.store.db.select({ lastSeenAt: sessions.lastSeenAt }).from(sessions).where(eq(sessions.userId, id));
    expect(Date.now() - seen!.lastSeenAt.getTime()).toBeLessThan(60_000);
    await api.store.db.update(sessions).set({ lastSeenAt: sql`now() - interval '6 minutes'` }).where(eq(sessions.userId, id));
    expect(await meStatus(cookie)).toBe(401);
  });
});
