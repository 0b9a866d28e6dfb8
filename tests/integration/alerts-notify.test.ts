import { and, asc, eq } from "drizzle-orm";
import { Kafka, logLevel, type Admin, type Consumer, type Producer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AlertEngine } from "~/server/alerts/engine";
import { createChannel } from "~/server/alerts/notify/channels";
import { sendTest } from "~/server/alerts/notify/dispatch";
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature, type Notification } from "~/server/alerts/notify/payload";
import { createRule } from "~/server/alerts/rules";
import { startAlerting } from "~/server/alerts/service";
import { silenceInstance } from "~/server/alerts/silences-store";
import { alertDeliveries, alertHistory } from "~/server/db/schema";
import { Collector } from "~/server/jobs/collector";
import { ApiHarness } from "./helpers/api";
import { createTestDatabase, KAFKA_BROKER, uniqueName } from "./helpers/environment";
import { httpReceiver, smtpReceiver } from "./helpers/receivers";
import { waitUntilHosted } from "../fixtures/kafka";

const SECRET = "test-signing-secret-0123456789";
const FOR_SECONDS = 4;
const INTERVAL_MS = 3_000; // the collector interval this test drives
const PUBLIC_URL = "https://redrive.example.test";

const kafka = new Kafka({ clientId: "alerts-test", brokers: [KAFKA_BROKER], logLevel: logLevel.NOTHING });
const topic = uniqueName("t-alert");
const group = uniqueName("g-alert");
let admin: Admin;
let producer: Producer;
let consumer: Consumer | null = null;
let api: ApiHarness;
let drop: () => Promise<void>;
let engine: AlertEngine;
let collector: Collector;
let hook: Awaited<ReturnType<typeof httpReceiver>>;
let broken: Awaited<ReturnType<typeof httpReceiver>>;
let slack: Awaited<ReturnType<typeof httpReceiver>>; // stands in for Slack's incoming webhook URL
let pagerduty: Awaited<ReturnType<typeof httpReceiver>>; // stands in for PagerDuty's Events API v2 endpoint
let smtp: Awaited<ReturnType<typeof smtpReceiver>>;
let ruleId: string;
let brokenId: string;
let firedAt: number | null = null;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs collector rounds INTERVAL_MS apart (each followed by alert evaluation) until `done` or the timeout. */
async function roundsUntil(done: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const started = Date.now();
    await collector.collect("kafka", "local");
    if (await done()) return;
    if (Date.now() > deadline) throw new Error("timed out");
    await sleep(Math.max(0, INTERVAL_MS - (Date.now() - started)));
  }
}

async function waitFor(done: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await sleep(200);
  }
}

async function startConsumer(): Promise<void> {
  consumer = kafka.consumer({ groupId: group, sessionTimeout: 6_000, heartbeatInterval: 500 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ autoCommitInterval: 200, eachMessage: async () => undefined });
}

async function stopConsumer(): Promise<void> {
  await consumer?.disconnect(); // leaves the group: Empty
  consumer = null;
  await producer.send({ topic, messages: Array.from({ length: 5 }, (_, i) => ({ value: `after-stop-${i}` })) });
}

const notifications = () => hook.received.map((r) => JSON.parse(r.body) as Notification);
const bodies = (receiver: { received: { body: string }[] }) => receiver.received.map((r) => JSON.parse(r.body) as Record<string, unknown>);
const ROUTING_KEY = "R0123456789abcdef0123456789abcdef";

beforeAll(async () => {
  [hook, broken, slack, pagerduty] = await Promise.all([httpReceiver(200), httpReceiver(503), httpReceiver(200), httpReceiver(202)]);
  smtp = await smtpReceiver({ username: "redrive", password: "smtp-password" });
  const database = await createTestDatabase();
  drop = database.drop;
  api = await ApiHarness.start(
    { kafka: [{ name: "local", brokers: [KAFKA_BROKER], sampleIntervalSeconds: 3 }], alerts: { publicUrl: PUBLIC_URL } },
    { databaseUrl: database.url },
  );
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  await waitUntilHosted([topic]);
  producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: Array.from({ length: 5 }, (_, i) => ({ value: `m${i}` })) });

  const db = api.store.db;
  const fast = { groupWaitSeconds: 0, groupIntervalSeconds: 1 };
  await createChannel(db, "hook", { kind: "webhook", settings: fast, secrets: { url: hook.url, signingSecret: SECRET } }, "test");
  await createChannel(
    db,
    "mail",
    {
      kind: "email",
      settings: { ...fast, host: "127.0.0.1", port: smtp.port, secure: false, requireTls: true, verifyCertificate: false, username: "redrive", from: "redrive@example.test", to: ["oncall@example.test"] },
      secrets: { password: "smtp-password" },
    },
    "test",
  );
  await createChannel(db, "slack", { kind: "slack", settings: fast, secrets: { url: slack.url } }, "test");
  await createChannel(db, "pd", { kind: "pagerduty", settings: { ...fast, url: pagerduty.url }, secrets: { routingKey: ROUTING_KEY } }, "test");
  brokenId = (await createChannel(db, "broken", { kind: "webhook", settings: fast, secrets: { url: broken.url, signingSecret: SECRET } }, "test")).id;
  ruleId = (
    await createRule(
      db,
      {
        name: "Consumer STOP",
        signal: "consumer_status",
        scope: { connections: ["local"], names: [group] },
        condition: { op: "in", values: ["STOP"] },
        forSeconds: FOR_SECONDS,
        severity: "critical",
        summary: "{{name}} is {{value}}",
        runbookUrl: "https://runbooks.example.test/stop",
        channels: ["hook", "mail", "broken", "slack", "pd"],
      },
      "test",
    )
  ).id;
  engine = (await startAlerting(db, api.connections, () => api.jobs(), {
    onRound: (result) => {
      if (firedAt === null && result.transitions.some((t) => t.rule.id === ruleId && t.to === "firing")) firedAt = Date.now();
    },
  }))!;
  collector = new Collector(api.store, api.connections, api.connections.config, () => engine.evaluate());
  await api.startWorker();
  await startConsumer();
  await waitFor(async () => ((await admin.fetchOffsets({ groupId: group, topics: [topic] }))[0]?.partitions[0]?.offset ?? "-1") === "5", 30_000);
});

afterAll(async () => {
  await consumer?.disconnect().catch(() => undefined);
  await producer?.disconnect();
  await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin?.deleteGroups([group]).catch(() => undefined);
  await admin?.disconnect();
  await api?.close();
  await drop?.();
  await Promise.all([hook?.close(), broken?.close(), slack?.close(), pagerduty?.close(), smtp?.close()]);
});

describe("alerts on the real stack", () => {
  it("fires STOP within `for` plus two collector intervals of stopping a consumer, with exactly one signed webhook", async () => {
    await roundsUntil(() => true, 0); // a healthy round first: nothing fires
    expect(hook.received).toHaveLength(0);
    await stopConsumer();
    const stoppedAt = Date.now(); // the consumer has left its group
    await roundsUntil(() => firedAt !== null, 30_000);
    expect(firedAt! - stoppedAt).toBeLessThanOrEqual(FOR_SECONDS * 1000 + 2 * INTERVAL_MS);
    await waitFor(() => hook.received.length >= 1, 15_000);
    await roundsUntil(() => true, 0);
    await sleep(2_500); // time for a duplicate to show up, if there were one
    expect(hook.received).toHaveLength(1);
    const [request] = hook.received;
    const signature = { signature: request!.headers[SIGNATURE_HEADER] as string, timestamp: request!.headers[TIMESTAMP_HEADER] as string };
    expect(verifySignature(SECRET, signature, request!.body)).toBe(true);
    expect(verifySignature("another-secret-0123456789", signature, request!.body)).toBe(false);
    expect(verifySignature(SECRET, signature, request!.body.replace("STOP", "OK!!"))).toBe(false);
    expect(verifySignature(SECRET, signature, request!.body, Date.now() + 10 * 60_000)).toBe(false); // replayed later
    const [n] = notifications();
    expect(n).toMatchObject({ version: "1", status: "firing", test: false, channel: "hook", externalUrl: `${PUBLIC_URL}/alerts` });
    expect(n!.alerts).toHaveLength(1);
    expect(n!.alerts[0]).toMatchObject({
      status: "firing",
      labels: { connection: "local", group, alertname: "Consumer STOP", severity: "critical" },
      summary: `${group} is STOP`,
      value: "STOP",
      endsAt: null,
      url: `${PUBLIC_URL}/lag/local/${group}`,
      rule: { name: "Consumer STOP", severity: "critical", runbookUrl: "https://runbooks.example.test/stop" },
    });
  });

  it("delivers the same alert by email through a real SMTP server, over STARTTLS with a login", async () => {
    await waitFor(() => smtp.mails.length >= 1, 15_000);
    expect(smtp.mails).toHaveLength(1);
    const [mail] = smtp.mails;
    expect(mail).toMatchObject({ from: "redrive@example.test", to: ["oncall@example.test"], user: "redrive", secure: true });
    expect(mail!.data).toMatch(/Subject: \[FIRING:1\] Consumer STOP/);
    const text = mail!.data.replace(/=\r?\n/g, ""); // undo quoted-printable soft line breaks
    expect(text).toContain(`${PUBLIC_URL}/lag/local/${group}`);
  });

  it("posts Block Kit to a Slack incoming webhook, and an Events API v2 trigger to PagerDuty", async () => {
    await waitFor(() => slack.received.length >= 1 && pagerduty.received.length >= 1, 15_000);
    expect([slack.received.length, pagerduty.received.length]).toEqual([1, 1]);
    expect(slack.received[0]!.headers["content-type"]).toMatch(/^application\/json/);
    const [message] = bodies(slack);
    expect(message).toEqual({
      text: "[FIRING:1] Consumer STOP",
      blocks: [
        { type: "header", text: { type: "plain_text", text: "[FIRING:1] Consumer STOP" } },
        {
          type: "section",
          text: {
            type: "mrkdwn",
            text: `🔴 ${group} is STOP\n<${PUBLIC_URL}/lag/local/${group}|Open in Redrive> · <https://runbooks.example.test/stop|Runbook> · <${PUBLIC_URL}/alerts?silence=${encodeURIComponent(`${ruleId}/kafka/local/${group}`)}|Silence>`,
          },
        },
      ],
    });

    expect(pagerduty.received[0]!.headers["content-type"]).toMatch(/^application\/json/);
    const [event] = bodies(pagerduty);
    expect(event).toEqual({
      routing_key: ROUTING_KEY,
      event_action: "trigger",
      dedup_key: `${ruleId}/kafka/local/${group}`,
      payload: {
        summary: `${group} is STOP`,
        source: "local",
        severity: "critical",
        custom_details: { labels: { connection: "local", group, alertname: "Consumer STOP", severity: "critical" }, value: "STOP" },
      },
      links: [
        { href: `${PUBLIC_URL}/lag/local/${group}`, text: "Open in Redrive" },
        { href: "https://runbooks.example.test/stop", text: "Runbook" },
      ],
    });
    const logged = await api.store.db.select().from(alertDeliveries).where(eq(alertDeliveries.kind, "firing"));
    expect(logged.filter((d) => d.channelName === "pd").map((d) => [d.status, d.responseCode])).toEqual([["sent", 202]]);
    expect(logged.filter((d) => d.channelName === "slack").map((d) => [d.status, d.responseCode])).toEqual([["sent", 200]]);
  });

  it("retries a failing channel with backoff and logs every attempt with its status code", async () => {
    const attempts = () =>
      api.store.db.select().from(alertDeliveries).where(and(eq(alertDeliveries.channelId, brokenId), eq(alertDeliveries.kind, "firing"))).orderBy(asc(alertDeliveries.id));
    await waitFor(async () => (await attempts()).length >= 3, 30_000);
    const log = await attempts();
    expect(log.slice(0, 3).map((d) => [d.attempt, d.status, d.responseCode])).toEqual([
      [1, "failed", 503],
      [2, "failed", 503],
      [3, "failed", 503],
    ]);
    expect(new Set(log.map((d) => d.notificationId)).size).toBe(1); // attempts of one notification
    expect(log[0]!.error).toMatch(/HTTP 503/);
    // exponential backoff from 1 s: the two waits add up to at least 1 s + 2 s (a fixed 1 s delay would give 2 s)
    expect(log[2]!.at.getTime() - log[0]!.at.getTime()).toBeGreaterThanOrEqual(2_800);
    expect(broken.received.length).toBe(log.length);
  });

  it("resolves when the consumer is back, with exactly one resolved notification", async () => {
    await startConsumer();
    await roundsUntil(() => notifications().length >= 2, 45_000);
    await roundsUntil(() => true, 0);
    await sleep(2_500);
    expect(notifications().map((n) => n.status)).toEqual(["firing", "resolved"]);
    const resolved = notifications()[1]!;
    expect(resolved.alerts).toHaveLength(1);
    expect(resolved.alerts[0]).toMatchObject({ status: "resolved", labels: { group } });
    expect(resolved.alerts[0]!.endsAt).not.toBeNull();

    // Slack says it resolved; PagerDuty gets a resolve with the trigger's dedup_key, so it closes the incident.
    await waitFor(() => slack.received.length >= 2 && pagerduty.received.length >= 2, 15_000);
    const messages = bodies(slack);
    expect(messages).toHaveLength(2);
    expect(messages[1]).toMatchObject({ text: "[RESOLVED] Consumer STOP", blocks: [{ type: "header", text: { text: "[RESOLVED] Consumer STOP" } }, { type: "section" }] });
    const section = (messages[1]!.blocks as { text: { text: string } }[])[1]!.text.text;
    expect(section.startsWith(`✅ ${group} is OK\n<${PUBLIC_URL}/lag/local/${group}|Open in Redrive>`)).toBe(true);
    const events = bodies(pagerduty);
    expect(events).toHaveLength(2);
    expect(events.map((e) => e.event_action)).toEqual(["trigger", "resolve"]);
    expect(events[1]).toMatchObject({ routing_key: ROUTING_KEY, dedup_key: events[0]!.dedup_key });
  });

  it("sends nothing for a silenced alert, and records the change as silenced", async () => {
    await silenceInstance(api.store.db, { ruleId, objectKey: `kafka/local/${group}` }, 30, "planned maintenance", "test");
    await stopConsumer();
    const silencedFiring = () =>
      api.store.db.select().from(alertHistory).where(and(eq(alertHistory.ruleId, ruleId), eq(alertHistory.toState, "firing"), eq(alertHistory.silenced, true)));
    await roundsUntil(async () => (await silencedFiring()).length > 0, 30_000);
    await roundsUntil(() => true, 0);
    await sleep(2_500);
    expect(notifications()).toHaveLength(2);
    expect([slack.received.length, pagerduty.received.length]).toEqual([2, 2]);
  });

  it("sends a test notification on demand and logs it", async () => {
    const channels = await api.store.db.query.alertChannels.findMany();
    const hookChannel = channels.find((c) => c.name === "hook")!;
    const result = await sendTest({ db: api.store.db, publicUrl: PUBLIC_URL }, { ...hookChannel, settings: hookChannel.settings as never });
    expect(result).toEqual({ ok: true, responseCode: 200, error: null });
    expect(notifications().at(-1)).toMatchObject({ test: true, status: "firing" });
  });
});
