import { expect, test, type Locator, type Page } from "@playwright/test";
import { kafkaForSpec, uniqueName } from "./support/brokers";
import { adminCookie, callProcedure, signInAsAdmin } from "./support/session";

const { kafka, createdTopics } = kafkaForSpec("redrive-e2e-night-shift");

/** Relative luminance (0 black … 1 white) of an element's background, whatever colour syntax the CSS used. */
async function backgroundLuminance(locator: Locator): Promise<number> {
  return locator.evaluate((element) => {
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 1;
    const context = canvas.getContext("2d")!;
    context.fillStyle = getComputedStyle(element).backgroundColor;
    context.fillRect(0, 0, 1, 1);
    const [r, g, b, a] = context.getImageData(0, 0, 1, 1).data;
    if (a === 0) return -1; // transparent: no background of its own
    return (0.2126 * r! + 0.7152 * g! + 0.0722 * b!) / 255;
  });
}

/** A Card (components/ui.tsx): the white surface most of the console sits on. */
const card = (page: Page) => page.locator("main section.rounded-lg").first();

test("dark mode follows the system, and a chosen theme is remembered", async ({ page }) => {
  await page.emulateMedia({ colorScheme: "dark" });
  await signInAsAdmin(page);
  await page.evaluate(() => window.localStorage.removeItem("redrive.theme"));
  await page.reload();
  await expect(card(page)).toBeVisible();
  expect(await backgroundLuminance(card(page))).toBeGreaterThanOrEqual(0);
  expect(await backgroundLuminance(card(page))).toBeLessThan(0.3);
  expect(await backgroundLuminance(page.locator("body"))).toBeGreaterThanOrEqual(0);
  expect(await backgroundLuminance(page.locator("body"))).toBeLessThan(0.3);
  await page.screenshot({ path: "test-results/overview-dark.png" });

  // Light chosen while the system is dark: light, also after a reload.
  await page.getByTestId("theme-toggle").selectOption("light");
  await expect.poll(() => backgroundLuminance(card(page))).toBeGreaterThan(0.8);
  await page.reload();
  await expect(card(page)).toBeVisible();
  expect(await backgroundLuminance(card(page))).toBeGreaterThan(0.8);
  await expect(page.getByTestId("theme-toggle")).toHaveValue("light");

  // Back to the system's choice; then dark chosen while the system is light.
  await page.getByTestId("theme-toggle").selectOption("system");
  await expect.poll(() => backgroundLuminance(card(page))).toBeLessThan(0.3);
  await page.emulateMedia({ colorScheme: "light" });
  await expect.poll(() => backgroundLuminance(card(page))).toBeGreaterThan(0.8);
  await page.getByTestId("theme-toggle").selectOption("dark");
  await page.reload();
  await expect(card(page)).toBeVisible();
  expect(await backgroundLuminance(card(page))).toBeLessThan(0.3);
  await page.evaluate(() => window.localStorage.removeItem("redrive.theme"));
});

test("the keyboard: / searches, j/k move through rows, Enter opens, g + letter goes to a section, ? lists the keys", async ({ page }) => {
  const producer = kafka.producer();
  const admin = kafka.admin();
  await Promise.all([admin.connect(), producer.connect()]);
  const dlq = `${uniqueName("e2e-keys")}.DLQ`;
  createdTopics.push(dlq);
  try {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: dlq, numPartitions: 1 }] });
    await producer.send({ topic: dlq, messages: [1, 2, 3].map((n) => ({ key: `key-${n}`, value: `{"n":${n}}` })) });
  } finally {
    await Promise.all([admin.disconnect(), producer.disconnect()]);
  }
  await signInAsAdmin(page);
  await page.goto(`/dlqs/kafka/local/${encodeURIComponent(dlq)}`);
  const rows = page.locator("#dlq-panel-messages").getByTestId("dlq-message-row");
  await expect(rows).toHaveCount(3);

  // Newest first: key-3, key-2, key-1.
  await page.keyboard.press("j");
  await expect(rows.filter({ hasText: "key-3" })).toBeFocused();
  await page.keyboard.press("j");
  await page.keyboard.press("j");
  await expect(rows.filter({ hasText: "key-1" })).toBeFocused();
  await page.keyboard.press("k");
  await expect(rows.filter({ hasText: "key-2" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("message-detail")).toContainText("key-2");
  await expect(page).toHaveURL(/[?&]msg=0%3A1|[?&]msg=0:1/);

  // ? lists the keys; Escape closes the list.
  await page.locator("body").press("?");
  const help = page.getByRole("dialog", { name: "Keyboard shortcuts" });
  await expect(help).toContainText("g then d");
  await page.keyboard.press("Escape");
  await expect(help).toHaveCount(0);

  // g then l: the consumer groups; / focuses their search, and keys typed there stay text.
  await page.locator("body").press("g");
  await page.keyboard.press("l");
  await expect(page).toHaveURL(/\/lag$/);
  await expect(page.getByTestId("group-search")).toBeVisible();
  await page.locator("body").press("/");
  await expect(page.getByTestId("group-search")).toBeFocused();
  await page.keyboard.type("gd");
  await expect(page.getByTestId("group-search")).toHaveValue("gd");
  await expect(page).toHaveURL(/\/lag\?/);
  await page.getByTestId("group-search").blur();

  // Each section by its letter.
  for (const [letter, path] of [["d", "/dlqs"], ["r", "/replays"], ["s", "/sagas"], ["x", "/outbox"], ["a", "/alerts"], ["o", "/"]] as const) {
    await page.locator("body").press("g");
    await page.keyboard.press(letter);
    await expect(page).toHaveURL(new RegExp(`${path.replace("/", "\\/")}$`));
  }
});

test("the Audit page filters by who, what, when and outcome in the URL, says each entry in words and links to the object", async ({ page, request }) => {
  const cookie = await adminCookie(request);
  const dlq = `${uniqueName("e2e-audit")}.DLQ`;
  const username = uniqueName("auditee");
  // A search (linked to its DLQ), a user created, and the same user refused the second time.
  expect((await callProcedure(request, "dlq.scan.start", { kind: "mutation", cookie, input: { kind: "kafka", connection: "local", dlq, expression: "true" } })).status()).toBeLessThan(500);
  const create = { kind: "mutation" as const, cookie, input: { username, role: "viewer", password: "a-long-enough-password-1" } };
  expect((await callProcedure(request, "users.create", create)).status()).toBe(200);
  expect((await callProcedure(request, "users.create", create)).status()).toBe(409);

  await signInAsAdmin(page);
  await page.goto("/audit");
  await page.getByTestId("audit-what").fill("users");
  await expect(page).toHaveURL(/[?&]what=users/);
  const rows = page.getByTestId("audit-row");
  await expect(rows.filter({ hasText: username })).toHaveCount(2);
  await expect(rows.getByTestId("audit-summary").filter({ hasText: `created the user ${username} (viewer)` }).first()).toBeVisible();

  await page.getByTestId("audit-outcome").selectOption("error");
  await expect(rows.filter({ hasText: username })).toHaveCount(1);
  await expect(rows.filter({ hasText: username }).getByTestId("audit-summary")).toContainText(`tried: created the user ${username} (viewer) — refused:`);
  await page.getByTestId("audit-who").fill("adm");
  await expect(page).toHaveURL(/[?&]who=adm/);
  await expect(page).toHaveURL(/[?&]outcome=error/);

  // A pasted link opens the same filtered view.
  await page.reload();
  await expect(page.getByTestId("audit-what")).toHaveValue("users");
  await expect(page.getByTestId("audit-outcome")).toHaveValue("error");
  await expect(rows.filter({ hasText: username })).toHaveCount(1);

  // When: a range in the future holds nothing; an inverted range is refused in words, before asking.
  await page.getByTestId("audit-from").fill("2099-01-01T00:00");
  await expect(page.getByText("No entry matches these filters.")).toBeVisible();
  await page.getByTestId("audit-to").fill("2098-01-01T00:00");
  await expect(page.getByRole("alert").filter({ hasText: "Check the filters" })).toContainText("The start of the range is after its end.");
  await page.getByRole("button", { name: "Clear filters" }).click();

  // The search entry links to the DLQ it searched.
  await page.getByTestId("audit-what").fill("dlq.scan");
  const search = rows.filter({ hasText: dlq });
  await expect(search.getByTestId("audit-summary")).toContainText(`searched for true in ${dlq} (local)`);
  await search.getByTestId("audit-link").click();
  await expect(page).toHaveURL(new RegExp(`/dlqs/kafka/local/${dlq.replace(/\./g, "\\.")}`));
  await expect(page.getByRole("heading", { name: dlq })).toBeVisible();

  // Bounded on the server too: an overlong filter is refused.
  const refused = await callProcedure(request, "audit.list", { kind: "query", cookie, input: { actor: "x".repeat(101) } });
  expect(refused.status()).toBe(400);
});
