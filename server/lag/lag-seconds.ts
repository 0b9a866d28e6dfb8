/**
 * Lag in seconds: how long ago the next unconsumed message (offset = committedOffset) was
 * appended. Kafka does not tell us when an offset was written, so we estimate it from the
 * sampled (time, log-end offset) history by interpolation, and say so in the result kind.
 * We never extrapolate: a message older than the history is reported as a lower bound.
 */

export interface LogEndPoint {
  at: number; // ms since epoch
  logEndOffset: number;
}

export type LagSeconds =
  | { kind: "exact"; seconds: number } // from a record timestamp or lag 0
  | { kind: "estimated"; seconds: number } // interpolated within the sampled range
  | { kind: "moreThan"; seconds: number } // the committed offset is older than the oldest sample: at least this much
  | { kind: "unknown" }; // no history / no committed offset

const roundToTenth = (seconds: number) => Math.round(seconds * 10) / 10;
// A lower bound must not be rounded up, or "more than" would overstate.
const floorToTenth = (seconds: number) => Math.floor(seconds * 10) / 10;
const secondsBetween = (earlierMs: number, laterMs: number) => Math.max(0, (laterMs - earlierMs) / 1000);

export function estimateLagSeconds(
  history: LogEndPoint[],
  committedOffset: number | null,
  logEndOffset: number,
  now: number,
): LagSeconds {
  if (committedOffset === null) return { kind: "unknown" };
  if (committedOffset >= logEndOffset) return { kind: "exact", seconds: 0 };
  if (history.length === 0) return { kind: "unknown" };

  // The current log end is an observation too: it bounds messages appended after the last sample.
  // Equal times sort by offset so the scan below sees the log end only growing within a tick.
  const points = [...history, { at: now, logEndOffset }].sort((a, b) => a.at - b.at || a.logEndOffset - b.logEndOffset);

  const firstContainingIndex = points.findIndex((point) => point.logEndOffset > committedOffset);
  const oldest = points[0];
  if (firstContainingIndex <= 0 || oldest === undefined) {
    // Already written at the oldest sample (or, defensively, never found): only a lower bound is honest.
    return { kind: "moreThan", seconds: floorToTenth(secondsBetween(oldest?.at ?? now, now)) };
  }

  const before = points[firstContainingIndex - 1];
  const after = points[firstContainingIndex];
  if (before === undefined || after === undefined) return { kind: "unknown" };

  // Offset N is appended when the log end moves from N to N + 1, so interpolate the time the log
  // end reached committed + 1. The denominator is > 0: after > committed >= before.
  const fraction = (committedOffset + 1 - before.logEndOffset) / (after.logEndOffset - before.logEndOffset);
  const appendedAt = before.at + fraction * (after.at - before.at);
  return { kind: "estimated", seconds: roundToTenth(secondsBetween(appendedAt, now)) };
}

export function lagSecondsFromRecordTimestamp(recordTimestampMs: number, now: number): LagSeconds {
  // Clamped: producer clocks can run ahead of ours.
  return { kind: "exact", seconds: roundToTenth(secondsBetween(recordTimestampMs, now)) };
}

/** The number to sort, chart and export; a lower bound stands in for itself. */
export function lagSecondsValue(lag: LagSeconds): number | null {
  return lag.kind === "unknown" ? null : lag.seconds;
}

const SECONDS_PER_MINUTE = 60;
const SECONDS_PER_HOUR = 3_600;
const SECONDS_PER_DAY = 86_400;

/** Two units at most: precision beyond that is noise for an estimate. */
function formatDuration(seconds: number, round: (value: number) => number): string {
  const clamped = Math.max(0, seconds);
  const tenths = round(clamped * 10) / 10;
  if (tenths < 10 && !Number.isInteger(tenths)) return `${tenths.toFixed(1)} s`;

  const wholeSeconds = round(clamped);
  if (wholeSeconds < SECONDS_PER_MINUTE) return `${wholeSeconds} s`;
  if (wholeSeconds < SECONDS_PER_HOUR) return joinUnits(Math.floor(wholeSeconds / 60), "min", wholeSeconds % 60, "s");

  const wholeMinutes = round(clamped / SECONDS_PER_MINUTE);
  if (wholeMinutes * SECONDS_PER_MINUTE < SECONDS_PER_DAY) return joinUnits(Math.floor(wholeMinutes / 60), "h", wholeMinutes % 60, "min");

  const wholeHours = round(clamped / SECONDS_PER_HOUR);
  return joinUnits(Math.floor(wholeHours / 24), "d", wholeHours % 24, "h");
}

function joinUnits(major: number, majorUnit: string, minor: number, minorUnit: string): string {
  return minor === 0 ? `${major} ${majorUnit}` : `${major} ${majorUnit} ${minor} ${minorUnit}`;
}

export function formatLagSeconds(lag: LagSeconds): string {
  switch (lag.kind) {
    case "unknown":
      return "unknown";
    case "exact":
      return formatDuration(lag.seconds, Math.round);
    case "estimated":
      return `~${formatDuration(lag.seconds, Math.round)}`;
    case "moreThan":
      return `> ${formatDuration(lag.seconds, Math.floor)}`;
  }
}
