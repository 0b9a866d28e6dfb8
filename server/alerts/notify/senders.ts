import { IncomingWebhook } from "@slack/webhook";
import nodemailer from "nodemailer";
import type { Channel } from "./channel-config";
import { signBody, SIGNATURE_HEADER, TIMESTAMP_HEADER, type Notification, type NotifiedAlert } from "./payload";

const TIMEOUT_MS = 10_000;

/** A failed delivery attempt, with the receiver's HTTP status when it answered. */
export class DeliveryError extends Error {
  override name = "DeliveryError";
  constructor(
    message: string,
    readonly responseCode: number | null = null,
  ) {
    super(message);
  }
}

async function post(url: string, body: string, headers: Record<string, string>): Promise<number> {
  let response: Response;
  try {
    response = await fetch(url, { method: "POST", body, headers: { "content-type": "application/json", ...headers }, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    throw new DeliveryError(error instanceof Error ? (error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message) : String(error));
  }
  await response.body?.cancel().catch(() => undefined);
  if (!response.ok) throw new DeliveryError(`HTTP ${response.status} ${response.statusText}`.trim(), response.status);
  return response.status;
}

function webhook(channel: Channel, n: Notification): Promise<number> {
  const body = JSON.stringify(n);
  const timestamp = Math.floor(Date.now() / 1000);
  return post(channel.secrets.url!, body, { [TIMESTAMP_HEADER]: String(timestamp), [SIGNATURE_HEADER]: signBody(channel.secrets.signingSecret!, timestamp, body) });
}

const headline = (n: Notification) => {
  const firing = n.alerts.filter((a) => a.status === "firing").length;
  const resolved = n.alerts.length - firing;
  const name = n.alerts[0]?.rule.name ?? "Redrive";
  return `${n.test ? "[TEST] " : ""}${firing > 0 ? `[FIRING:${firing}]` : "[RESOLVED]"} ${name}${firing > 0 && resolved > 0 ? ` (${resolved} resolved)` : ""}`;
};

const line = (a: NotifiedAlert) => `${a.status === "firing" ? "🔴" : "✅"} ${a.summary}`;

async function slack(channel: Channel, n: Notification): Promise<number> {
  const blocks = [
    { type: "header", text: { type: "plain_text", text: headline(n).slice(0, 150) } },
    ...n.alerts.slice(0, 20).map((a) => ({
      type: "section",
      text: { type: "mrkdwn", text: `${line(a)}\n<${a.url}|Open in Redrive>${a.rule.runbookUrl ? ` · <${a.rule.runbookUrl}|Runbook>` : ""} · <${a.silenceUrl}|Silence>` },
    })),
    ...(n.alerts.length > 20 ? [{ type: "context", elements: [{ type: "mrkdwn", text: `and ${n.alerts.length - 20} more` }] }] : []),
  ];
  try {
    await new IncomingWebhook(channel.secrets.url!, { timeout: TIMEOUT_MS }).send({ text: headline(n), blocks });
    return 200;
  } catch (error) {
    const status = (error as { original?: { response?: { status?: number } } }).original?.response?.status ?? null;
    throw new DeliveryError(error instanceof Error ? error.message : String(error), status);
  }
}

async function email(channel: Channel, n: Notification): Promise<number> {
  const s = channel.settings as Channel["settings"] & { host: string; port: number; secure: boolean; requireTls: boolean; verifyCertificate: boolean; username?: string; from: string; to: string[] };
  const transport = nodemailer.createTransport({
    host: s.host,
    port: s.port,
    secure: s.secure,
    requireTLS: !s.secure && s.requireTls,
    tls: { rejectUnauthorized: s.verifyCertificate },
    auth: s.username ? { user: s.username, pass: channel.secrets.password ?? "" } : undefined,
    connectionTimeout: TIMEOUT_MS,
    greetingTimeout: TIMEOUT_MS,
  });
  const text = [...n.alerts.map((a) => `${line(a)}\n  ${a.url}${a.rule.runbookUrl ? `\n  Runbook: ${a.rule.runbookUrl}` : ""}`), "", `Redrive: ${n.externalUrl}`].join("\n");
  try {
    await transport.sendMail({ from: s.from, to: s.to, subject: headline(n), text, headers: { "X-Redrive-Notification": n.id } });
    return 250;
  } catch (error) {
    const code = (error as { responseCode?: number }).responseCode ?? null;
    throw new DeliveryError(error instanceof Error ? error.message : String(error), code);
  } finally {
    transport.close();
  }
}

/** Alertmanager API v2: POST /api/v2/alerts, so teams keep their routing. Resolved alerts carry a past endsAt. */
function alertmanager(channel: Channel, n: Notification): Promise<number> {
  const base = String(channel.settings.url).replace(/\/+$/, "");
  const repeatMs = channel.settings.repeatIntervalSeconds * 1000;
  const body = n.alerts.map((a) => ({
    labels: { ...a.labels, ...(n.test ? { redrive_test: "true" } : {}) },
    annotations: { summary: a.summary, ...(a.rule.runbookUrl ? { runbook_url: a.rule.runbookUrl } : {}), redrive_url: a.url },
    startsAt: a.startsAt,
    // Firing alerts stay active past the next repeat; resolved ones end when they resolved.
    endsAt: a.endsAt ?? new Date(Date.now() + 2 * repeatMs).toISOString(),
    generatorURL: a.url,
  }));
  return post(`${base}/api/v2/alerts`, JSON.stringify(body), channel.secrets.bearerToken ? { authorization: `Bearer ${channel.secrets.bearerToken}` } : {});
}

const pagerdutySeverity = { critical: "critical", warning: "warning", info: "info" } as const;

/** PagerDuty Events API v2: one event per alert, de-duplicated on the alert's fingerprint. */
async function pagerduty(channel: Channel, n: Notification): Promise<number> {
  let status = 202;
  for (const a of n.alerts) {
    const event = {
      routing_key: channel.secrets.routingKey,
      event_action: a.status === "firing" ? "trigger" : "resolve",
      dedup_key: a.fingerprint,
      payload: { summary: a.summary.slice(0, 1024), source: a.labels.connection ?? a.labels.database ?? "redrive", severity: pagerdutySeverity[a.rule.severity], custom_details: { labels: a.labels, value: a.value } },
      links: [{ href: a.url, text: "Open in Redrive" }, ...(a.rule.runbookUrl ? [{ href: a.rule.runbookUrl, text: "Runbook" }] : [])],
    };
    status = await post(String(channel.settings.url), JSON.stringify(event), {});
  }
  return status;
}

const senders: Record<Channel["kind"], (channel: Channel, n: Notification) => Promise<number>> = { webhook, slack, email, alertmanager, pagerduty };

/** Delivers one notification; resolves to the receiver's status code, or throws a DeliveryError. */
export const deliver = (channel: Channel, n: Notification): Promise<number> => senders[channel.kind](channel, n);
