import { expect, type APIRequestContext, type Page } from "@playwright/test";
import superjson from "superjson";
import { E2E_ADMIN_PASSWORD } from "./constants";

export async function signInAsAdmin(page: Page): Promise<void> {
  await page.goto("/sign-in");
  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill(E2E_ADMIN_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
}

/** Calls a tRPC procedure over real HTTP, as a script or runbook would. */
export async function callProcedure(
  request: APIRequestContext,
  procedure: string,
  options: { kind: "query" | "mutation"; input?: unknown; token?: string; cookie?: string },
) {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.cookie) headers.cookie = options.cookie;
  const serialized = options.input === undefined ? undefined : JSON.stringify(superjson.serialize(options.input));
  const response =
    options.kind === "query"
      ? await request.get(`/api/trpc/${procedure}${serialized ? `?input=${encodeURIComponent(serialized)}` : ""}`, { headers })
      : await request.post(`/api/trpc/${procedure}`, { headers: { ...headers, "content-type": "application/json" }, data: serialized ?? "{}" });
  return response;
}

export async function adminCookie(request: APIRequestContext): Promise<string> {
  const response = await callProcedure(request, "auth.signIn", {
    kind: "mutation",
    input: { username: "admin", password: E2E_ADMIN_PASSWORD },
  });
  expect(response.status()).toBe(200);
  const setCookie = response.headers()["set-cookie"] ?? "";
  return setCookie.split(";")[0]!;
}

export async function createToken(request: APIRequestContext, role: "viewer" | "operator" | "admin"): Promise<string> {
  const cookie = await adminCookie(request);
  const response = await callProcedure(request, "tokens.create", {
    kind: "mutation",
    input: { name: `e2e-${role}-${Date.now()}`, role, expiresInDays: 1 },
    cookie,
  });
  expect(response.status()).toBe(200);
  const body = (await response.json()) as { result: { data: { json: { token: string } } } };
  return body.result.data.json.token;
}
