import { expect, test, type Page } from "@playwright/test";
import { kafkaForSpec, uniqueName } from "./support/brokers";
import { adminCookie, callProcedure, signInAsAdmin } from "./support/session";

const { kafka, createdTopics } = kafkaForSpec("redrive-e2e-charts");

test.use({ timezoneId: "America/New_York", viewport: { width: 1440, height: 900 } });

const chart = (page: Page) => page.locator("figure").filter({ hasText: "Kafka · local" });
/** The time axis's labels (recharts draws tick labels in a layer of their own; the y axis has no "hh:mm" labels). */
const tickLabels = async (page: Page) =>
  (await chart(page).locator(".recharts-cartesian-axis-tick-value").allTextContents()).filter((label) => /^\d{2}:\d{2}$/.test(label));
const minutes = (label: string) => {
  const [h, m] = label.split(":").map(Number);
  return h! * 60 + m!;
};

test("charts name their zone (UTC on request, remembered), draw straight lines over the chosen span with distinct ticks, and mark replays", async ({ page, request }) => {
  test.setTimeout(120_000);
  const admin = kafka.admin();
  const producer = kafka.producer();
  await Promise.all([admin.connect(), producer.connect()]);
  const source = uniqueName("e2e-charts");
  const dlq = `${source}.DLQ`;
  createdTopics.push(source, dlq);
  try {
    await admin.createTopics({ waitForLeaders: true, topics: [source, dlq].map((topic) => ({ topic, numPartitions: 1 })) });
    await producer.send({ topic: dlq, messages: [1, 2, 3].map((n) => ({ key: `k-${n}`, value: `{"n":${n}}` })) });
  } finally {
    await Promise.all([admin.disconnect(), producer.disconnect()]);
  }

  // A replay job on this DLQ, started through the API as a runbook would.
  const cookie = await adminCookie(request);
  const draft = await callProcedure(request, "replayJobs.dryRun", {
    kind: "mutation",
    cookie,
    input: { kind: "kafka", connection: "local", dlq, target: source, selection: { source: "all" } },
  });
  expect(draft.status()).toBe(200);
  const jobId = ((await draft.json()) as { result: { data: { json: { id: string } } } }).result.data.json.id;
  expect((await callProcedure(request, "replayJobs.start", { kind: "mutation", cookie, input: { jobId } })).status()).toBe(200);

  await signInAsAdmin(page);
  await page.evaluate(() => window.localStorage.removeItem("redrive.chartTimeZone"));
  await page.goto("/dlqs?range=1h");
  await expect(chart(page).locator(".recharts-line-curve").first()).toBeAttached({ timeout: 30_000 }); // a flat line has no height: attached, not "visible"

  // The zone is named; UTC on request, remembered after a reload.
  await expect(chart(page).getByTestId("chart-zone")).toHaveText("· times in America/New_York");
  await page.getByTestId("utc-toggle").check();
  await expect(chart(page).getByTestId("chart-zone")).toHaveText("· times in UTC");
  await page.reload();
  await expect(chart(page).getByTestId("chart-zone")).toHaveText("· times in UTC");

  // The 1 h button shows an hour (ticks 10 minutes apart across it), each label once.
  await expect.poll(async () => (await tickLabels(page)).length).toBeGreaterThanOrEqual(4);
  const hour = await tickLabels(page);
  expect(new Set(hour).size).toBe(hour.length);
  const spanned = (minutes(hour.at(-1)!) - minutes(hour[0]!) + 24 * 60) % (24 * 60);
  expect(spanned).toBeGreaterThanOrEqual(40);

  // 15 minutes: ticks two minutes apart, never a repeated label.
  await page.getByTestId("range-15m").click();
  await expect
    .poll(async () => {
      const labels = await tickLabels(page);
      return labels.length >= 4 && labels.join(" ") !== hour.join(" ");
    })
    .toBe(true);
  const quarter = await tickLabels(page);
  expect(new Set(quarter).size).toBe(quarter.length);
  const quarterSpan = (minutes(quarter.at(-1)!) - minutes(quarter[0]!) + 24 * 60) % (24 * 60);
  expect(quarterSpan).toBeGreaterThanOrEqual(10);

  // Straight segments between samples: no cubic curves in the line paths.
  await expect.poll(async () => (await chart(page).locator(".recharts-line-curve").first().getAttribute("d")) ?? "").toMatch(/L/);
  for (const d of await chart(page).locator(".recharts-line-curve").evaluateAll((paths) => paths.map((p) => p.getAttribute("d") ?? ""))) {
    expect(d).not.toMatch(/C/);
  }

  // The replay is marked where it happened.
  await expect(chart(page).locator(".recharts-reference-line")).not.toHaveCount(0, { timeout: 30_000 });
  await expect(chart(page)).toContainText("▼ replay");

  // Hover values: the tooltip names the time with its zone.
  // Samples exist only for the last minute or so (a fresh server): hover near the right edge of the plot.
  const box = (await chart(page).locator(".recharts-wrapper").first().boundingBox())!;
  await expect
    .poll(async () => {
      for (const dx of [12, 16, 20, 26]) {
        await page.mouse.move(box.x + box.width - dx, box.y + box.height / 3);
        const text = (await chart(page).locator(".recharts-tooltip-wrapper").textContent()) ?? "";
        if (text.includes("UTC")) return text;
      }
      return "";
    })
    .toContain("UTC");
  await page.screenshot({ path: "test-results/charts.png" });
  await page.evaluate(() => window.localStorage.removeItem("redrive.chartTimeZone"));
});
