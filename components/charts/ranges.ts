/** The history ranges the server accepts (server/lag/queries.ts `ranges`). */
export const chartRanges = ["15m", "1h", "6h", "24h", "7d"] as const;
export type ChartRange = (typeof chartRanges)[number];

const longRanges: ReadonlySet<ChartRange> = new Set(["24h", "7d"]);

/** Axis ticks in the browser's locale: time of day, with the date for long ranges. */
export function formatTick(ms: number, range: ChartRange): string {
  const date = new Date(ms);
  return longRanges.has(range)
    ? date.toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hour12: false })
    : date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", hour12: false });
}

export function formatTooltipTime(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { hour12: false });
}

export function bucketText(bucketSeconds: number): string {
  return bucketSeconds < 60 ? `${bucketSeconds} s` : bucketSeconds < 3600 ? `${Math.round(bucketSeconds / 60)} min` : `${Math.round(bucketSeconds / 3600)} h`;
}

/** Series colours, distinguishable on white. */
export const palette = ["#0284c7", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777", "#4f46e5", "#65a30d"];

/** What every history chart shares: its margins, grid and time axis (spread onto the recharts elements). */
export const chartMargin = { top: 4, right: 8, bottom: 0, left: 8 };
export const gridProps = { stroke: "#e2e8f0", strokeDasharray: "3 3" };

export function timeAxisProps(range: ChartRange) {
  return {
    dataKey: "t",
    type: "number" as const,
    scale: "time" as const,
    domain: ["dataMin", "dataMax"] as [string, string],
    tickFormatter: (ms: number) => formatTick(ms, range),
    fontSize: 11,
    minTickGap: 40,
  };
}
