import { expect, test } from "@playwright/test";
import { listProcedures } from "../tests/integration/helpers/api";
import { E2E_SECRET_MARKER } from "./support/constants";
import { adminCookie, callProcedure, createToken, signInAsAdmin } from "./support/session";

const procedures = listProcedures();

test("without a session or token every procedure but sign-in answers 401", async ({ request }) => {
  for (const { path, kind, access } of procedures) {
    const response = await callProcedure(request, path, { kind });
    if (access === "public") expect(response.status(), path).not.toBe(401);
    else expect(response.status(), path).toBe(401);
  }
});

test("a viewer token cannot call operator or admin procedures, but can read", async ({ request }) => {
  const viewer = await createToken(request, "viewer");
  const guarded = procedures.filter((p) => p.access === "operator" || p.access === "admin");
  expect(guarded.length).toBeGreaterThan(0);
  for (const { path, kind } of guarded) {
    const response = await callProcedure(request, path, { kind, token: viewer });
    expect(response.status(), path).toBe(403);
  }
  const me = await callProcedure(request, "auth.me", { kind: "query", token: viewer });
  expect(me.status()).toBe(200);
});

test("an operator token cannot call admin procedures", async ({ request }) => {
  const operator = await createToken(request, "operator");
  const response = await callProcedure(request, "users.create", {
    kind: "mutation",
    token: operator,
    input: { username: "sneaky", role: "admin", password: "long-enough-password" },
  });
  expect(response.status()).toBe(403);
});

test("Settings lists each connection with its health and nothing secret; the audit log shows mutations", async ({ page, request }) => {
  await signInAsAdmin(page);
  const seen: string[] = [];
  page.on("response", async (response) => {
    if (response.url().includes("/api/trpc/")) seen.push(await response.text().catch(() => ""));
  });
  await page.getByRole("link", { name: "Settings", exact: true }).click();
  const kafka = page.getByTestId("connection-kafka-local");
  await expect(kafka.getByTestId("connection-health")).toContainText("reachable");
  await expect(kafka).toContainText("127.0.0.1:9092");
  await expect(page.getByTestId("connection-sqs-local").getByTestId("connection-health")).toContainText("reachable");
  await page.getByRole("button", { name: "Check now" }).click();
  await expect(kafka).toContainText(" ms");

  const html = await page.content();
  expect(html).not.toContain(E2E_SECRET_MARKER);
  expect(seen.join("\n")).not.toContain(E2E_SECRET_MARKER);

  // Create a token in the UI: it is shown once, and the mutation is audited.
  await page.getByLabel("Token name").fill("from-the-ui");
  await page.getByRole("button", { name: "Create token" }).click();
  await expect(page.getByTestId("new-token")).toHaveText(/^rdv_/);
  await page.getByRole("link", { name: "Audit", exact: true }).click();
  await expect(page.getByTestId("audit-row").filter({ hasText: "tokens.create" }).first()).toContainText("from-the-ui");

  // The token works over HTTP, as the README shows.
  const cookie = await adminCookie(request);
  const list = await callProcedure(request, "tokens.list", { kind: "query", cookie });
  expect(await list.text()).toContain("from-the-ui");
});
