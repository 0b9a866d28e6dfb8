import { expect, test } from "@playwright/test";
import { Kafka, logLevel } from "kafkajs";
import { httpReceiver } from "../tests/integration/helpers/receivers";
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature, type Notification } from "../server/alerts/notify/payload";
import { uniqueName } from "./support/brokers";
import { signInAsAdmin } from "./support/session";

const kafka = new Kafka({ clientId: "redrive-e2e-alerts", brokers: [process.env.KAFKA_BROKER ?? "127.0.0.1:9092"], logLevel: logLevel.NOTHING });
const SECRET = "e2e-signing-secret-0123456789";

test("an admin adds a channel, tests it, writes a rule with preview and backtest, and watches it fire and resolve", async ({ page }) => {
  test.setTimeout(120_000);
  const receiver = await httpReceiver(200);
  const admin = kafka.admin();
  await admin.connect();
  const producer = kafka.producer();
  await producer.connect();
  const topic = uniqueName("e2e-alert");
  const groupId = uniqueName("e2e-alert-group");
  const channel = uniqueName("hook").toLowerCase();
  const notifications = () => receiver.received.map((r) => JSON.parse(r.body) as Notification);
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await producer.send({ topic, messages: Array.from({ length: 12 }, () => ({ value: "x" })) });
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: "2" }] }); // lag 10

    await signInAsAdmin(page);
    await page.goto("/alerts?tab=channels");
    await page.getByTestId("channel-name").fill(channel);
    await page.getByTestId("channel-url").fill(receiver.url);
    await page.getByTestId("channel-signingSecret").fill(SECRET);
    await page.getByTestId("create-channel").click();
    const row = page.getByTestId("channel-row").filter({ hasText: channel });
    await expect(row).toContainText("signingSecret, url set (write-only)");
    await expect(page.locator("body")).not.toContainText(SECRET);
    await row.getByTestId("test-channel").click();
    await expect(row.getByTestId("test-result")).toHaveText("Sent (200)");
    expect(notifications()).toHaveLength(1);
    expect(notifications()[0]).toMatchObject({ test: true, channel });
    const [request] = receiver.received;
    expect(verifySignature(SECRET, { signature: request!.headers[SIGNATURE_HEADER] as string, timestamp: request!.headers[TIMESTAMP_HEADER] as string }, request!.body)).toBe(true);

    // Edit it: shorter grouping, secrets left blank (kept: write-only, so the form shows them empty).
    await row.getByTestId("edit-channel").click();
    const edit = page.getByTestId("channel-edit-form");
    await expect(edit.getByTestId("channel-url")).toHaveValue("");
    await edit.getByTestId("channel-groupWaitSeconds").fill("1");
    await edit.getByTestId("channel-groupIntervalSeconds").fill("5");
    await edit.getByTestId("save-channel").click();
    await expect(edit).toHaveCount(0);
    await expect(row).toContainText("wait 1 s · interval 5 s");
    await expect(row).toContainText("signingSecret, url set (write-only)");
    await row.getByTestId("test-channel").click();
    await expect.poll(() => notifications().length).toBe(2);
    const second = receiver.received[1]!;
    expect(verifySignature(SECRET, { signature: second.headers[SIGNATURE_HEADER] as string, timestamp: second.headers[TIMESTAMP_HEADER] as string }, second.body)).toBe(true);

    await page.getByRole("link", { name: "Rules", exact: true }).click();
    await page.getByRole("link", { name: "New rule" }).click();
    const ruleName = `Lag of ${groupId}`;
    await page.getByTestId("rule-name").fill(ruleName);
    await page.getByTestId("rule-names").fill(groupId);
    await page.getByTestId("rule-threshold").fill("5");
    await page.getByLabel("For (seconds pending before firing)").fill("0");
    await page.getByLabel(channel).check();
    // The preview: the group matches now with its lag, and the backtest over the stored samples answers.
    await expect(page.getByTestId("matching-objects")).toContainText(`local/${groupId}`, { timeout: 30_000 });
    await expect(page.getByTestId("matching-objects")).toContainText("10");
    await expect(page.getByTestId("backtest-result")).toHaveText(/This rule would have fired \d+ times? in the last 24 hours\./);
    await page.getByTestId("save-rule").click();
    await expect(page.getByTestId("rule-row").filter({ hasText: ruleName })).toBeVisible();

    // It fires after the next collector round, shows on the Alerts tab and in the badge, and is delivered.
    await page.goto("/alerts");
    // (the default pack's "Consumer stopped or stalled" also watches this memberless group: pick our rule's row)
    const alert = page.getByTestId("active-alert").filter({ hasText: ruleName });
    await expect(alert).toContainText("firing", { timeout: 30_000 });
    await expect(page.getByTestId("firing-alerts-badge")).toBeVisible({ timeout: 15_000 });
    await expect.poll(() => notifications().filter((n) => !n.test).length, { timeout: 30_000 }).toBe(1);
    expect(notifications().at(-1)!.alerts[0]!.labels.group).toBe(groupId);
    // The notification's silence link opens the Alerts page on that alert, ready to silence.
    const silenceLink = new URL(notifications().at(-1)!.alerts[0]!.silenceUrl);
    await page.goto(`${silenceLink.pathname}${silenceLink.search}`);
    await expect(page.locator('[data-testid="active-alert"][data-focused="true"]')).toContainText(ruleName);
    await expect(page.locator('[data-testid="active-alert"][data-focused="true"]').getByRole("button", { name: "Silence 1 h" })).toBeVisible();

    // The group's own page shows the alert firing, linked to its rule.
    await page.goto(`/lag/local/${encodeURIComponent(groupId)}`);
    const onGroupPage = page.getByTestId("object-alert").filter({ hasText: ruleName });
    await expect(onGroupPage).toContainText("firing", { timeout: 30_000 });
    await expect(onGroupPage.getByRole("link", { name: ruleName })).toHaveAttribute("href", /^\/alerts\/rules\/[0-9a-f-]{36}$/);
    await page.goto("/alerts");

    // The consumer catches up: the alert resolves, with one resolved notification after the 5 s group interval.
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: "12" }] });
    await expect(alert).toHaveCount(0, { timeout: 30_000 });
    await expect.poll(() => notifications().filter((n) => !n.test && n.status === "resolved").length, { timeout: 30_000 }).toBe(1);
    await page.goto("/alerts?tab=history");
    await expect(page.getByTestId("history-row").filter({ hasText: ruleName }).first()).toContainText("resolved");
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await producer.disconnect();
    await admin.disconnect();
    await receiver.close();
  }
});
