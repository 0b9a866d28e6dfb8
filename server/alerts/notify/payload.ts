import { createHmac, timingSafeEqual } from "node:crypto";
import type { Severity } from "../types";

/** One alert in a notification. This and `Notification` are the webhook's documented JSON (docs/alerts.md). */
export interface NotifiedAlert {
  status: "firing" | "resolved";
  /** Stable per rule and object: "<rule id>/<object key>". */
  fingerprint: string;
  rule: { id: string; name: string; severity: Severity; runbookUrl: string | null };
  labels: Record<string, string>;
  summary: string;
  value: string | null;
  startsAt: string;
  endsAt: string | null;
  /** The object's page in Redrive (under the configured public URL). */
  url: string;
  silenceUrl: string;
}

export interface Notification {
  version: "1";
  /** Attempts of one notification share it: receivers can de-duplicate on it. */
  id: string;
  channel: string;
  groupKey: string;
  status: "firing" | "resolved";
  test: boolean;
  commonLabels: Record<string, string>;
  alerts: NotifiedAlert[];
  externalUrl: string;
  sentAt: string;
}

export const SIGNATURE_HEADER = "x-redrive-signature";
export const TIMESTAMP_HEADER = "x-redrive-timestamp";
/** Receivers reject a signature whose timestamp is further than this from their clock (replays). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** `v1=<hex HMAC-SHA256 of "<timestamp>.<body>">`, as Stripe and Slack sign theirs. */
export function signBody(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/**
 * What a receiver does: recompute the HMAC over the raw body, compare in constant time, and refuse stale
 * timestamps. Exported for the tests and the demo's receiver; docs/alerts.md shows the same in a few lines.
 */
export function verifySignature(secret: string, headers: { signature: string | null; timestamp: string | null }, body: string, nowMs = Date.now()): boolean {
  if (!headers.signature || !headers.timestamp || !/^\d+$/.test(headers.timestamp)) return false;
  const timestamp = Number(headers.timestamp);
  if (Math.abs(nowMs / 1000 - timestamp) > SIGNATURE_TOLERANCE_SECONDS) return false;
  const expected = Buffer.from(signBody(secret, timestamp, body));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** Labels every alert of the notification shares. */
export function commonLabels(alerts: Pick<NotifiedAlert, "labels">[]): Record<string, string> {
  const [first, ...rest] = alerts;
  if (!first) return {};
  return Object.fromEntries(Object.entries(first.labels).filter(([k, v]) => rest.every((a) => a.labels[k] === v)));
}
