import type { OutboxSummary } from "./layouts/types";

export interface RelayVerdict {
  state: "ok" | "stalled" | "held" | "unknown";
  message: string;
}

const ago = (seconds: number) =>
  seconds < 120 ? `${Math.round(seconds)} s` : seconds < 7200 ? `${Math.round(seconds / 60)} min` : `${(seconds / 3600).toFixed(1)} h`;

/**
 * Is the relay stalled? Rows wait, the oldest for longer than `stallAfterSeconds` (and its age grows: the same
 * row is still the oldest as at the previous sample, when there is one), and nothing was published for as long.
 * When rows are still being published while the oldest keeps waiting, some rows are held back instead
 * (a failing row, a paused aggregate type).
 */
export function relayVerdict(
  summary: OutboxSummary,
  stallAfterSeconds: number,
  options: { insertOnly: boolean; now?: number; previousOldestAt?: Date | null } = { insertOnly: false },
): RelayVerdict {
  const now = options.now ?? Date.now();
  if (options.insertOnly) {
    return { state: "unknown", message: "Insert-only outbox (Debezium): the connector reads the WAL, so its backlog is the connector's lag, not this table." };
  }
  const waiting = summary.unpublished ?? 0;
  const age = summary.oldestAgeSeconds ?? 0;
  if (waiting === 0) return { state: "ok", message: "Nothing waits to be published." };
  if (age <= stallAfterSeconds) return { state: "ok", message: `${waiting.toLocaleString()} rows wait; the oldest for ${ago(age)}.` };
  const sameOldest =
    options.previousOldestAt === undefined ||
    options.previousOldestAt === null ||
    summary.oldestUnpublishedAt === null ||
    options.previousOldestAt.getTime() === summary.oldestUnpublishedAt.getTime();
  const sincePublish = summary.lastPublishedAt ? (now - summary.lastPublishedAt.getTime()) / 1000 : null;
  const publishing = summary.publishedLastMinute === null ? null : sincePublish !== null && sincePublish <= stallAfterSeconds;
  if (publishing === false || (publishing === null && sameOldest)) {
    const last = sincePublish === null ? "nothing was published in the last day" : `the last row was published ${ago(sincePublish)} ago`;
    return {
      state: "stalled",
      message: `Relay stalled: ${waiting.toLocaleString()} rows wait, the oldest for ${ago(age)}, and ${publishing === null ? "its age keeps growing" : last}.`,
    };
  }
  return {
    state: "held",
    message: `Rows are held back: the oldest has waited ${ago(age)} while others were published${sincePublish !== null ? ` ${ago(sincePublish)} ago` : ""} — a failing row, or an aggregate type the relay skips.`,
  };
}
