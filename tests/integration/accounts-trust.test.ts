import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiHarness } from "./helpers/api";

// Issue 13, point 5 (in part): tokens end with their creator's authority, expire by policy; the password policy.
let api: ApiHarness;
let admin: string;
const as = (token: string) => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  api = await ApiHarness.start({ auth: { maxTokenLifetimeDays: 30 }, kafka: [], sqs: [], databases: [] });
  admin = await api.tokenFor("admin");
});
afterAll(() => api?.close());

async function userWithToken(username: string, tokenRole: "viewer" | "operator" | "admin"): Promise<{ id: string; token: string }> {
  const { id } = await api.data<{ id: string }>("users.create", { kind: "mutation", input: { username, role: "admin", password: "correct horse battery" }, headers: as(admin) });
  const signedIn = await api.call("auth.signIn", { kind: "mutation", input: { username, password: "correct horse battery" } });
  const cookie = (signedIn.headers.get("set-cookie") ?? "").split(";")[0]!;
  const { token } = await api.data<{ token: string }>("tokens.create", { kind: "mutation", input: { name: `${username}-token`, role: tokenRole, expiresInDays: 7 }, headers: { cookie } });
  return { id, token };
}

const me = (token: string) => api.call("auth.me", { kind: "query", headers: as(token) });

describe("API tokens", () => {
  it("stop working when their creator is disabled", async () => {
    const alice = await userWithToken("alice", "operator");
    expect((await me(alice.token)).status).toBe(200);
    await api.data("users.update", { kind: "mutation", input: { id: alice.id, disabled: true }, headers: as(admin) });
    expect((await me(alice.token)).status).toBe(401);
  });

  it("stop working when their creator is demoted below the token's role", async () => {
    const bob = await userWithToken("bob", "admin");
    expect((await me(bob.token)).status).toBe(200);
    await api.data("users.update", { kind: "mutation", input: { id: bob.id, role: "operator" }, headers: as(admin) });
    expect((await me(bob.token)).status).toBe(401);
  });

  it("keep working while the creator still holds the role", async () => {
    const carol = await userWithToken("carol", "viewer");
    await api.data("users.update", { kind: "mutation", input: { id: carol.id, role: "operator" }, headers: as(admin) });
    expect((await me(carol.token)).status).toBe(200);
  });

  it("always expire, at most after the configured lifetime", async () => {
    for (const expiresInDays of [31, null]) {
      const response = await api.call("tokens.create", { kind: "mutation", input: { name: "long", role: "viewer", expiresInDays }, headers: as(admin) });
      expect(response.status).toBe(400);
    }
    expect((await api.call("tokens.create", { kind: "mutation", input: { name: "ok", role: "viewer", expiresInDays: 30 }, headers: as(admin) })).status).toBe(200);
  });
});

describe("the password policy", () => {
  it.each(["aaaaaaaaaaaa", "abababababab", "Password1234", "qwertyuiop12", "short"])("refuses %s", async (password) => {
    const response = await api.call("users.create", { kind: "mutation", input: { username: `u${password.length}${password[0]}`, role: "viewer", password }, headers: as(admin) });
    expect(response.status).toBe(400);
  });

  it("accepts a long, uncommon password", async () => {
    const response = await api.call("users.create", { kind: "mutation", input: { username: "dave", role: "viewer", password: "violet-tram-sings-at-dawn" }, headers: as(admin) });
    expect(response.status).toBe(200);
  });
});
