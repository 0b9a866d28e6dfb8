import { desc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleOidcCallback, handleOidcStart } from "~/server/auth/oidc-routes";
import { configSchema } from "~/server/config/schema";
import { auditLog } from "~/server/db/schema";
import { GROUPS, startTestProvider, TEST_CLIENT, type TestProvider } from "../oidc/test-provider";
import { ApiHarness } from "./helpers/api";

// Issue 13, point 8: single sign-on, the authorization code flow with PKCE against a real OpenID Provider.
const REDRIVE = "http://redrive.test";
const CALLBACK = `${REDRIVE}/api/auth/oidc/callback`;
let provider: TestProvider;
let api: ApiHarness;

function oidcConfig(issuer: string, localAccounts = true) {
  return {
    auth: {
      roles: { "payments-ops": [{ actions: ["read" as const, "replay" as const], connections: ["prod"], resources: ["payments.*"] }] },
      oidc: {
        name: "Test SSO",
        issuer,
        clientId: TEST_CLIENT.id,
        clientSecretEnv: "REDRIVE_TEST_OIDC_SECRET",
        scopes: ["openid", "profile", "groups"],
        roles: { claim: "groups", admin: ["redrive-admins"], operator: ["redrive-operators"], viewer: ["staff"], configured: { "payments-ops": ["payments"] } },
        publicUrl: REDRIVE,
        allowInsecureHttp: true,
        localAccounts,
      },
    },
    kafka: [],
    sqs: [],
    databases: [],
  };
}

beforeAll(async () => {
  process.env.REDRIVE_TEST_OIDC_SECRET = TEST_CLIENT.secret;
  provider = await startTestProvider({ redirectUris: [CALLBACK] });
  api = await ApiHarness.start(oidcConfig(provider.issuer));
});
afterAll(async () => {
  await api?.close();
  await provider?.close();
});

const firstCookie = (response: Response | { headers: Headers }, name: string) =>
  response.headers.getSetCookie().find((cookie) => cookie.startsWith(`${name}=`))?.split(";")[0] ?? null;

/**
 * A browser's trip: Redrive's start → the provider's login form (filled in and posted) → back to Redrive's
 * callback, following every redirect and keeping the provider's cookies. `tamper` may change the callback request.
 */
async function signInThroughProvider(login: string, tamper: (cookie: string) => string = (cookie) => cookie) {
  const deps = { db: api.store.db, config: api.connections.config };
  const start = await handleOidcStart(new Request(`${REDRIVE}/api/auth/oidc/start`), deps);
  expect(start.status).toBe(303);
  const transaction = firstCookie(start, "redrive_oidc")!;
  const authorizationUrl = new URL(start.headers.get("location")!);
  const jar = new Map<string, string>();
  let location = authorizationUrl.href;
  let form: { method: string; body?: URLSearchParams } = { method: "GET" };
  for (let hop = 0; hop < 10 && !location.startsWith(REDRIVE); hop++) {
    const response = await fetch(location, {
      method: form.method,
      body: form.body,
      redirect: "manual",
      headers: { cookie: [...jar].map(([name, value]) => `${name}=${value}`).join("; ") },
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(";");
      const at = pair!.indexOf("=");
      jar.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    if (response.status >= 300 && response.status < 400) {
      location = new URL(response.headers.get("location")!, location).href;
      form = { method: "GET" };
      continue;
    }
    const html = await response.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    if (!action || !html.includes('name="login"')) throw new Error(`unexpected provider page (${response.status}): ${html.slice(0, 300)}`);
    location = new URL(action, location).href;
    form = { method: "POST", body: new URLSearchParams({ prompt: "login", login, password: "any password" }) };
  }
  const callback = await handleOidcCallback(new Request(location, { headers: { cookie: tamper(transaction) } }), deps);
  return { authorizationUrl, callback, session: firstCookie(callback, "redrive_session") };
}

const me = (cookie: string) => api.data<{ name: string; role: string }>("auth.me", { kind: "query", headers: { cookie } });

describe("single sign-on through a real OpenID Provider", () => {
  it("signs in with the authorization code flow and PKCE, the role coming from the groups claim", async () => {
    const { authorizationUrl, callback, session } = await signInThroughProvider("ada.admin");
    expect(authorizationUrl.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorizationUrl.searchParams.get("code_challenge")).toMatch(/^[\w-]{43}$/);
    expect(authorizationUrl.searchParams.get("response_type")).toBe("code");
    expect(callback.status).toBe(303);
    expect(callback.headers.get("location")).toBe(`${REDRIVE}/`);
    expect(await me(session!)).toMatchObject({ name: "ada.admin", role: "admin" });
    const [row] = await api.store.db.select().from(auditLog).where(eq(auditLog.procedure, "auth.oidcSignIn")).orderBy(desc(auditLog.id)).limit(1);
    expect(row).toMatchObject({ outcome: "ok", actorName: "ada.admin" });
    expect(row?.parameters).toMatchObject({ role: "admin", groups: ["redrive-admins", "staff"] });
  });

  it("maps each group to its role, the highest winning", async () => {
    expect(await me((await signInThroughProvider("otto.operator")).session!)).toMatchObject({ role: "operator" });
    expect(await me((await signInThroughProvider("vic.viewer")).session!)).toMatchObject({ role: "viewer" });
  });

  it("maps a group to a configured role, with that role's grants", async () => {
    GROUPS["pat.payments"] = ["staff", "payments"];
    try {
      const me = await api.data<{ role: string; grants: unknown[] }>("auth.me", { kind: "query", headers: { cookie: (await signInThroughProvider("pat.payments")).session! } });
      expect(me).toMatchObject({ role: "payments-ops", grants: [{ actions: ["read", "replay"], connections: ["prod"], resources: ["payments.*"] }] });
    } finally {
      delete GROUPS["pat.payments"];
    }
  });

  it("refuses at config load a mapping to a role that does not exist", async () => {
    const config = oidcConfig(provider.issuer);
    const withRoles = (roles: object) => ({ ...config, auth: { ...config.auth, oidc: { ...config.auth.oidc, roles: { ...config.auth.oidc.roles, ...roles } } } });
    const unknownRole = configSchema.safeParse(withRoles({ configured: { "payment-ops": ["payments"] } }));
    expect(unknownRole.success).toBe(false);
    expect(unknownRole.error?.issues.map((issue) => issue.path.join("."))).toEqual(["auth.oidc.roles.configured.payment-ops"]);
    const unknownDefault = configSchema.safeParse(withRoles({ default: "auditor" }));
    expect(unknownDefault.error?.issues.map((issue) => issue.path.join("."))).toEqual(["auth.oidc.roles.default"]);
    expect(configSchema.safeParse(withRoles({ default: "payments-ops" })).success).toBe(true);
  });

  it("refuses an account whose groups map to no role", async () => {
    const { callback, session } = await signInThroughProvider("no.groups");
    expect(session).toBeNull();
    expect(decodeURIComponent(callback.headers.get("location")!)).toContain("/sign-in?error=Your account has no Redrive role");
  });

  it("refuses the code when the PKCE verifier is not the one the challenge was made from", async () => {
    const forged = (cookie: string) => {
      const [name, value] = [cookie.slice(0, cookie.indexOf("=")), cookie.slice(cookie.indexOf("=") + 1)];
      const transaction = JSON.parse(Buffer.from(value, "base64url").toString()) as { verifier: string };
      transaction.verifier = "x".repeat(43);
      return `${name}=${Buffer.from(JSON.stringify(transaction)).toString("base64url")}`;
    };
    const { callback, session } = await signInThroughProvider("ada.admin", forged);
    expect(session).toBeNull();
    expect(callback.headers.get("location")).toContain("/sign-in?error=");
    const [row] = await api.store.db.select().from(auditLog).where(eq(auditLog.procedure, "auth.oidcSignIn")).orderBy(desc(auditLog.id)).limit(1);
    expect(row?.outcome).toBe("error");
  });

  it("refuses a callback without the transaction cookie (a code sent to someone else's browser)", async () => {
    const { session } = await signInThroughProvider("ada.admin", () => "");
    expect(session).toBeNull();
  });

  it("follows a changed group on the next sign-in and ends the sessions of the old role", async () => {
    const before = (await signInThroughProvider("vic.viewer")).session!;
    GROUPS["vic.viewer"] = ["redrive-operators"];
    try {
      const after = (await signInThroughProvider("vic.viewer")).session!;
      expect(await me(after)).toMatchObject({ role: "operator" });
      expect((await api.call("auth.me", { kind: "query", headers: { cookie: before } })).status).toBe(401);
    } finally {
      GROUPS["vic.viewer"] = ["staff"];
    }
  });

  it("never signs a provider account into a local account of the same name", async () => {
    const admin = await api.tokenFor("admin");
    await api.data("users.create", { kind: "mutation", input: { username: "otto.local", role: "viewer", password: "a long local passphrase" }, headers: { authorization: `Bearer ${admin}` } });
    GROUPS["otto.local"] = ["redrive-admins"];
    const { session, callback } = await signInThroughProvider("otto.local");
    expect(session).toBeNull();
    expect(decodeURIComponent(callback.headers.get("location")!)).toContain("already exists");
  });
});

describe("with local accounts turned off", () => {
  let strict: ApiHarness;
  beforeAll(async () => {
    strict = await ApiHarness.start(oidcConfig(provider.issuer, false));
  });
  afterAll(() => strict?.close());

  it("refuses password sign-in, except to the break-glass first admin", async () => {
    const admin = await strict.tokenFor("admin");
    await strict.data("users.create", { kind: "mutation", input: { username: "local.lou", role: "viewer", password: "a long local passphrase" }, headers: { authorization: `Bearer ${admin}` } });
    const lou = await strict.call("auth.signIn", { kind: "mutation", input: { username: "local.lou", password: "a long local passphrase" } });
    expect(lou.status).toBe(403);
    const breakGlass = await strict.call("auth.signIn", { kind: "mutation", input: { username: "admin", password: "harness-admin-password" } });
    expect(breakGlass.status).toBe(200);
  });
});
