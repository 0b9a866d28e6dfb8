/** The history ranges the server accepts (server/lag/queries.ts `ranges`). */
export const chartRanges = ["15m", "1h", "6h", "24h", "7d"] as const;
export type ChartRange = (typeof chartRanges)[number];

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Each range's span (the x axis shows exactly this, ending now) and its tick step. */
export const rangeSpan: Record<ChartRange, { ms: number; step: number }> = {
  "15m": { ms: 15 * MINUTE, step: 2 * MINUTE },
  "1h": { ms: HOUR, step: 10 * MINUTE },
  "6h": { ms: 6 * HOUR, step: HOUR },
  "24h": { ms: 24 * HOUR, step: 3 * HOUR },
  "7d": { ms: 7 * 24 * HOUR, step: 24 * HOUR },
};

/**
 * Axis ticks: time of day for ranges within a day, the date for a week. Ticks sit on whole steps, and
 * no two steps of a range share a label at that range's precision, so no label repeats.
 */
export function formatTick(ms: number, range: ChartRange, timeZone?: string): string {
  const date = new Date(ms);
  if (range === "7d") return date.toLocaleDateString(undefined, { month: "short", day: "numeric", timeZone });
  return date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", hour12: false, timeZone });
}

/** A hovered time, to the second, with its zone named. */
export function formatTooltipTime(ms: number, timeZone?: string): string {
  return new Date(ms).toLocaleString(undefined, { hour12: false, timeZone, timeZoneName: "short" });
}

/** Whole-step ticks across [start, end]; a day step is aligned to midnight in the shown zone. */
export function ticksFor(start: number, end: number, range: ChartRange, timeZone?: string): number[] {
  const { step } = rangeSpan[range];
  // The zone's offset at the start, so "every 3 h" and "every day" fall on the zone's clock.
  const offset = zoneOffsetMs(start, timeZone);
  const first = Math.ceil((start + offset) / step) * step - offset;
  const ticks: number[] = [];
  for (let t = first; t <= end; t += step) ticks.push(t);
  return ticks;
}

function zoneOffsetMs(ms: number, timeZone?: string): number {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric" }).formatToParts(new Date(ms));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return asUtc - Math.floor(ms / 1000) * 1000;
}

export function bucketText(bucketSeconds: number): string {
  return bucketSeconds < 60 ? `${bucketSeconds} s` : bucketSeconds < 3600 ? `${Math.round(bucketSeconds / 60)} min` : `${Math.round(bucketSeconds / 3600)} h`;
}

/** Series colours, distinguishable on white. */
export const palette = ["#0284c7", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777", "#4f46e5", "#65a30d"];

/** What every history chart shares: its margins, grid and time axis (spread onto the recharts elements). */
export const chartMargin = { top: 4, right: 8, bottom: 0, left: 8 };
export const gridProps = { stroke: "#e2e8f0", strokeDasharray: "3 3" };

/** The time axis: exactly the chosen range ending now (the range buttons set the span), whole-step ticks. */
export function timeAxisProps(range: ChartRange, timeZone: string | undefined, now: number) {
  const start = now - rangeSpan[range].ms;
  return {
    dataKey: "t",
    type: "number" as const,
    scale: "time" as const,
    domain: [start, now] as [number, number],
    allowDataOverflow: true,
    ticks: ticksFor(start, now, range, timeZone),
    tickFormatter: (ms: number) => formatTick(ms, range, timeZone),
    fontSize: 11,
    minTickGap: 24,
  };
}
