import { expect, test } from "@playwright/test";
import { adminCookie, signInAsAdmin } from "./support/session";

// Issue 13, point 7, over HTTP against the production build: headers on pages and routes, cross-site exports.

test("every page carries a fresh nonce-based CSP, no framing, a referrer and a permissions policy", async ({ request }) => {
  const first = await request.get("/sign-in");
  const second = await request.get("/sign-in");
  const csp = first.headers()["content-security-policy"] ?? "";
  const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
  expect(nonce).toBeTruthy();
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("'strict-dynamic'");
  expect(csp).not.toContain("'unsafe-inline' ");
  expect(second.headers()["content-security-policy"]).not.toContain(nonce!);
  // Next.js put the same nonce on its own scripts.
  expect(await first.text()).toContain(`nonce="${nonce}"`);
  expect(first.headers()["referrer-policy"]).toBe("same-origin");
  expect(first.headers()["permissions-policy"]).toContain("camera=()");
  expect(first.headers()["x-frame-options"]).toBe("DENY");
  expect(first.headers()["strict-transport-security"]).toBeUndefined();
});

test("HSTS when served over TLS (behind a TLS proxy)", async ({ request }) => {
  const page = await request.get("/sign-in", { headers: { "x-forwarded-proto": "https" } });
  expect(page.headers()["strict-transport-security"]).toContain("max-age=");
  const api = await request.get("/api/metrics", { headers: { "x-forwarded-proto": "https" } });
  expect(api.headers()["strict-transport-security"]).toContain("max-age=");
});

test("API routes carry a policy that lets nothing run or frame them", async ({ request }) => {
  for (const path of ["/api/metrics", "/api/trpc/auth.me", "/api/dlq/export", "/api/dlq/download"]) {
    const response = await request.get(path);
    expect(response.headers()["content-security-policy"], path).toContain("default-src 'none'");
    expect(response.headers()["content-security-policy"], path).toContain("frame-ancestors 'none'");
    expect(response.headers()["permissions-policy"], path).toContain("camera=()");
    expect(response.headers()["x-content-type-options"], path).toBe("nosniff");
  }
});

test("the console runs under the policy: sign-in and the overview load without a CSP violation", async ({ page }) => {
  const violations: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  await signInAsAdmin(page);
  await page.goto("/dlqs");
  await expect(page.getByRole("heading").first()).toBeVisible();
  expect(violations).toEqual([]);
});

test("an export or download cannot be triggered from another site", async ({ request }) => {
  const cookie = await adminCookie(request);
  const query = "kind=sqs&connection=local&dlq=no-such-queue&ids=m-1";
  const crossSite = await request.get(`/api/dlq/export?${query}`, { headers: { cookie, "sec-fetch-site": "cross-site" } });
  expect(crossSite.status()).toBe(403);
  const crossOrigin = await request.post("/api/dlq/export", { headers: { cookie, origin: "https://evil.example", "content-type": "application/x-www-form-urlencoded" }, data: query });
  expect(crossOrigin.status()).toBe(403);
  const download = await request.get("/api/dlq/download?kind=kafka&connection=local&dlq=x&id=0:0", { headers: { cookie, "sec-fetch-site": "same-site" } });
  expect(download.status()).toBe(403);
  // From Redrive itself it is not refused as cross-site.
  const sameOrigin = await request.get(`/api/dlq/export?${query}`, { headers: { cookie, "sec-fetch-site": "same-origin" } });
  expect(sameOrigin.status()).not.toBe(403);
});

test("a bad snapshot id is a 400, not a 500", async ({ request }) => {
  const cookie = await adminCookie(request);
  const download = await request.get("/api/dlq/download?kind=sqs&connection=local&dlq=q&id=m&snapshotId=not-a-uuid", { headers: { cookie } });
  expect(download.status()).toBe(400);
  const exported = await request.get("/api/dlq/export?kind=sqs&connection=local&dlq=q&ids=m&snapshotId=not-a-uuid", { headers: { cookie } });
  expect(exported.status()).toBe(400);
});
