// Temporary: drives `npm run demo` in the browser as a person would (not committed).
import { chromium } from "@playwright/test";
const BASE = "http://127.0.0.1:3000";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const patch = (body) => fetch("http://127.0.0.1:3300/faults", { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }).then((r) => r.json());
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
const step = async (name, fn) => { const t = Date.now(); try { await fn(); console.log(`OK  ${name} (${Date.now() - t} ms)`); } catch (e) { console.log(`ERR ${name}: ${e.message.split("\n")[0]}`); await page.screenshot({ path: `/tmp/demo-walk-${name.replace(/\W+/g, "-")}.png`, fullPage: true }); throw e; } };
await step("sign in", async () => {
  await page.goto(`${BASE}/sign-in`);
  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill("demo-check-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Overview" }).waitFor();
});
await step("fix the SQS fault", async () => console.log(await patch({ sqsFailureRate: 0 })));
let dlqName;
await step("open an SQS DLQ with messages", async () => {
  await page.goto(`${BASE}/dlqs`);
  await page.locator('a[href*="/dlqs/sqs/"]').first().waitFor();
  const rows = page.locator('tr[data-testid^="dlq-depth-row-"]');
  let best = null;
  for (let i = 0; i < (await rows.count()); i++) {
    const row = rows.nth(i);
    const href = await row.locator("a").first().getAttribute("href");
    const depth = Number((await row.getByTestId("dlq-depth").innerText()).replace(/[^0-9]/g, ""));
    console.log("  ", href, depth);
    if (href?.includes("/dlqs/sqs/") && depth > 0 && (!best || depth > best.depth)) best = { href, depth };
  }
  dlqName = decodeURIComponent(best.href.split("/").pop());
  await page.goto(`${BASE}${best.href}`);
  await page.getByRole("heading", { name: dlqName }).waitFor();
});
await step("snapshot + failure groups", async () => {
  const messages = page.locator("#dlq-panel-messages");
  await messages.getByRole("button", { name: "Take snapshot" }).click();
  await sleep(3000);
  await page.getByRole("tab", { name: "Failure groups" }).click();
  await page.getByTestId("failure-group-row").first().waitFor();
  console.log("  groups:", (await page.getByTestId("failure-group-row").allInnerTexts()).map((t) => t.replace(/\s+/g, " ").slice(0, 140)));
});
await step("replay the group: dry run, start, watch", async () => {
  await page.getByRole("button", { name: "Replay group…" }).first().click();
  const dialog = page.getByTestId("bulk-replay-dialog");
  await dialog.getByRole("button", { name: "Dry run" }).click();
  await dialog.getByTestId("dry-run-count").waitFor();
  console.log("  dry run:", (await dialog.getByTestId("dry-run-summary").innerText()).replace(/\s+/g, " ").slice(0, 300));
  await page.screenshot({ path: "/tmp/demo-walk-dry-run.png", fullPage: true });
  await dialog.getByRole("button", { name: "Start replay" }).click();
  await page.waitForURL(/\/replays\/[0-9a-f-]{36}$/);
  for (let i = 0; i < 120; i++) {
    const state = await page.getByTestId("job-state").innerText();
    if (/completed|paused|failed|cancel/i.test(state)) break;
    await sleep(1000);
  }
  console.log("  state:", (await page.getByTestId("job-state").innerText()).replace(/\s+/g, " "), "|", (await page.getByTestId("job-progress").innerText()).replace(/\s+/g, " "));
  await sleep(45000); // the canary/guard and the consumer: do copies come back?
  await page.reload();
  await page.getByTestId("job-state").waitFor();
  console.log("  after 45 s: came back", await page.getByTestId("job-came-back").innerText());
  await page.screenshot({ path: "/tmp/demo-walk-job.png", fullPage: true });
});
await step("stop payment-processor and wait for stuck sagas", async () => {
  console.log(await patch({ stoppedConsumers: ["payment-processor"] }));
  await sleep(150000);
  await page.goto(`${BASE}/sagas`);
  await page.getByTestId("stuck-group").first().waitFor({ timeout: 30000 });
  const groups = await page.getByTestId("stuck-group").allInnerTexts();
  console.log("  stuck groups:", groups.map((g) => g.replace(/\s+/g, " ").slice(0, 200)));
  await page.screenshot({ path: "/tmp/demo-walk-stuck.png", fullPage: true });
});
await step("restart payment-processor, bulk retry the group", async () => {
  console.log(await patch({ stoppedConsumers: [] }));
  const group = page.getByTestId("stuck-group").filter({ hasText: "payment" }).first();
  await group.click();
  await page.getByTestId("saga-bulk-open").click();
  await page.getByTestId("saga-bulk-reason").fill("payment-processor is back");
  await page.getByRole("button", { name: "Dry run" }).click();
  await page.getByTestId("saga-bulk-count").waitFor();
  console.log("  bulk dry run:", (await page.getByTestId("saga-bulk-dry-run").innerText()).replace(/\s+/g, " "));
  await page.getByRole("button", { name: /^Start:/ }).click();
  for (let i = 0; i < 180; i++) {
    const state = await page.getByTestId("saga-bulk-state").innerText().catch(() => "");
    if (/completed|cancelled|failed/.test(state)) break;
    await sleep(1000);
  }
  console.log("  bulk:", await page.getByTestId("saga-bulk-state").innerText(), "|", await page.getByTestId("saga-bulk-progress").innerText());
  await page.screenshot({ path: "/tmp/demo-walk-bulk.png", fullPage: true });
});
await browser.close();
