#!/usr/bin/env node
// `npm run screenshots`: captures the README's screenshots from a running `npm run demo`.
//   BASE_URL (default http://127.0.0.1:3000), REDRIVE_ADMIN_USER (admin) and REDRIVE_ADMIN_PASSWORD (required),
//   CHROMIUM_PATH (default /usr/bin/chromium), SCREENSHOTS_DIR (default docs/screenshots).
// Signs in with Chromium at 1440x900 and saves one PNG per main page. Let the demo run a few minutes first, so
// the charts have history, a consumer lags and the DLQs hold messages.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BASE_URL = (process.env.BASE_URL || 'http://127.0.0.1:3000').replace(/\/$/, '');
const USER = process.env.REDRIVE_ADMIN_USER || 'admin';
const PASSWORD = process.env.REDRIVE_ADMIN_PASSWORD;
const OUT = path.resolve(ROOT, process.env.SCREENSHOTS_DIR || 'docs/screenshots');
const CONNECTION = process.env.SCREENSHOTS_KAFKA_CONNECTION || 'local';

if (!PASSWORD) {
  console.error('[screenshots] set REDRIVE_ADMIN_PASSWORD (the demo prints where its admin password is)');
  process.exit(1);
}
mkdirSync(OUT, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, baseURL: BASE_URL });
const page = await context.newPage();

/** A tRPC query through the signed-in browser (same origin, the session cookie). */
async function query(procedure, input) {
  const url = `/api/trpc/${procedure}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`}`;
  const response = await page.request.get(url);
  if (!response.ok()) throw new Error(`${procedure} answered ${response.status()}`);
  return (await response.json()).result.data.json;
}

/** Waits until the page has settled (no "Loading…" left, the network quiet), then saves it. */
async function shoot(name, waitFor, arrange) {
  if (waitFor) await waitFor();
  await page.waitForLoadState('networkidle', { timeout: 15_000 }).catch(() => undefined);
  await page.getByText('Loading…').first().waitFor({ state: 'detached', timeout: 20_000 }).catch(() => undefined);
  await page.waitForTimeout(500); // charts animate in
  if (arrange) await arrange();
  const file = path.join(OUT, `${name}.png`);
  await page.screenshot({ path: file });
  console.log(`[screenshots] ${path.relative(ROOT, file)}`);
}

try {
  await page.goto('/sign-in');
  await page.getByLabel('Username').fill(USER);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Overview' }).waitFor({ timeout: 30_000 });
  await shoot('overview');

  await page.goto('/lag');
  await shoot('consumer-groups', () => page.getByRole('heading', { name: 'Consumer lag' }).first().waitFor({ timeout: 20_000 }));

  // The group that needs attention most (the list sorted by status, worst first).
  const groups = await query('lag.groups', { connection: CONNECTION, sortBy: 'status', sortDir: 'desc', page: 0, pageSize: 5 });
  const group = groups.rows[0]?.groupId;
  if (group) {
    await page.goto(`/lag/${encodeURIComponent(CONNECTION)}/${encodeURIComponent(group)}`);
    await shoot('consumer-group', () => page.getByRole('heading', { name: group }).first().waitFor({ timeout: 20_000 }));
  } else console.warn('[screenshots] no consumer group yet: skipped consumer-group.png');

  await page.goto('/dlqs');
  await shoot('dlqs', () => page.getByRole('heading', { name: 'Dead-letter queues' }).waitFor({ timeout: 20_000 }));

  // SCREENSHOTS_DLQ, else the fastest-growing of the demo's Kafka DLQs (`<aggregate>.<Event>.DLQ`; a shared
  // cluster may hold others), else the deepest Kafka DLQ; with one message's detail open.
  const { growingDlqs } = await query('overview.hotspots');
  const kafkaDlqs = (await query('depth.list')).dlqs.filter((d) => d.kind === 'kafka').sort((a, b) => b.depth - a.depth);
  const demoShaped = (d) => /^[a-z]+\.[A-Z][A-Za-z]+\.DLQ$/.test(d.name);
  const dlq =
    kafkaDlqs.find((d) => d.name === process.env.SCREENSHOTS_DLQ) ??
    growingDlqs.find((d) => d.kind === 'kafka' && demoShaped(d)) ??
    kafkaDlqs.find(demoShaped) ??
    kafkaDlqs[0];
  if (dlq) {
    await page.goto(`/dlqs/kafka/${encodeURIComponent(dlq.connection)}/${encodeURIComponent(dlq.name)}`);
    const messages = page.locator('#dlq-panel-messages');
    const rows = messages.getByTestId('dlq-message-row');
    await rows.first().waitFor({ timeout: 30_000 });
    // A small message reads better than a 256 KiB one: the first row whose size is in bytes, else the first.
    const small = rows.filter({ hasText: / \d+ B/ }).first();
    await ((await small.count()) > 0 ? small : rows.first()).click();
    const detail = messages.getByTestId('message-detail');
    // The detail opens under the list: once loaded, scroll it up with the last rows of the list above it.
    await shoot(
      'dlq-messages',
      // A schema-encoded value shows its decoded JSON first (the raw bytes stay folded).
      () => detail.getByTestId('detail-payload').or(detail.getByTestId('detail-schema-value-json')).first().waitFor({ timeout: 20_000 }),
      () =>
        detail.evaluate((element) => {
          element.scrollIntoView({ block: 'start' });
          window.scrollBy(0, -220);
        }),
    );
  } else console.warn('[screenshots] no Kafka DLQ yet: skipped dlq-messages.png');

  // The demo's breaking schema change (faults: avroBreakingChange): an Avro dead letter with its diff and verdict.
  const avroDlq = process.env.SCREENSHOTS_SCHEMA_DLQ || 'payment.PaymentAuthorized.DLQ';
  if (kafkaDlqs.some((d) => d.name === avroDlq)) {
    await page.goto(`/dlqs/kafka/${encodeURIComponent(CONNECTION)}/${encodeURIComponent(avroDlq)}`);
    const messages = page.locator('#dlq-panel-messages');
    await messages.getByTestId('dlq-message-row').first().waitFor({ timeout: 30_000 });
    await messages.getByTestId('dlq-message-row').first().click();
    const evolution = messages.getByTestId('message-detail').getByTestId('schema-evolution');
    await shoot(
      'schema-evolution',
      () => evolution.getByTestId('schema-verdict').waitFor({ timeout: 30_000 }),
      () =>
        evolution.evaluate((element) => {
          element.scrollIntoView({ block: 'start' });
          window.scrollBy(0, -120);
        }),
    );
  } else console.warn(`[screenshots] no ${avroDlq} yet: skipped schema-evolution.png`);

  await page.goto('/replays');
  await shoot('replays');

  await page.goto('/sagas');
  await shoot('sagas');

  await page.goto('/outbox');
  await shoot('outbox');

  await page.goto('/alerts');
  await shoot('alerts');
} finally {
  await browser.close();
}
