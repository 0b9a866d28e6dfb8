"use client";

import { useNow } from "../lag/use-now";
import { useStoredState } from "../use-stored-state";
import { formatTooltipTime, timeAxisProps, type ChartRange } from "./ranges";

/**
 * Which clock the console's charts and chart times use: the browser's zone or UTC (a per-person
 * preference, remembered in this browser). Every chart names the zone it shows.
 */
const parseUtc = (raw: string | null) => raw === "utc";
const serializeUtc = (utc: boolean) => (utc ? "utc" : null);

export function useChartTimeZone() {
  const [utc, setUtc] = useStoredState("redrive.chartTimeZone", parseUtc, serializeUtc);
  const zone = utc ? "UTC" : Intl.DateTimeFormat().resolvedOptions().timeZone;
  return { utc, setUtc, zone, timeZone: utc ? "UTC" : undefined } as const;
}

export function UtcToggle() {
  const { utc, setUtc, zone } = useChartTimeZone();
  return (
    <label className="flex items-center gap-2" title={`Charts show times in ${zone}`}>
      <input type="checkbox" checked={utc} onChange={(event) => setUtc(event.target.checked)} data-testid="utc-toggle" />
      <span>Chart times in UTC</span>
    </label>
  );
}

/** The shared time axis and hover time of a history chart, in the chosen zone, ending now (re-read every 5 s). */
export function useTimeAxis(range: ChartRange) {
  const { timeZone, zone } = useChartTimeZone();
  const now = useNow(5_000);
  return { axis: timeAxisProps(range, timeZone, now), hoverTime: (ms: unknown) => formatTooltipTime(Number(ms), timeZone), zone };
}
