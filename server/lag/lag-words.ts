/**
 * A consumer group's lag in words: is it catching up, and how long until it does? Pure: the figures come
 * from the stored samples (server/lag/trends.ts), so every page that shows a group says the same thing.
 */

export interface TrendPoint {
  at: number; // ms since epoch
  lag: number; // summed over the group's partitions
  produced: number; // summed log-end offsets
  consumed: number; // summed committed offsets
}

export type TrendKind = "caught-up" | "catching-up" | "falling-behind" | "steady" | "not-consuming" | "unknown";

export interface LagTrend {
  kind: TrendKind;
  /** Messages per second written to and committed from the group's partitions over the window. */
  producingPerSecond: number | null;
  consumingPerSecond: number | null;
  /** Seconds until the lag reaches zero at the current rates; only when catching up. */
  catchUpSeconds: number | null;
  text: string;
}

/** Rates closer than this share of the produce rate are "keeping pace" (sampling noise, not a trend). */
const STEADY_SHARE = 0.05;
/** Below this many msg/s a difference in rates is noise. */
const MIN_RATE = 0.05;

export function rateText(perSecond: number): string {
  if (perSecond >= 100) return `${Math.round(perSecond).toLocaleString("en-US")}/s`;
  if (perSecond >= 10) return `${perSecond.toFixed(0)}/s`;
  return `${perSecond.toFixed(1)}/s`;
}

/** "40 s", "about 4 min", "about 2 h 5 min", "about 3 days". */
export function etaText(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `about ${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `about ${hours} h${minutes % 60 ? ` ${minutes % 60} min` : ""}`;
  return `about ${Math.round(hours / 24)} days`;
}

/**
 * Reads a window of samples (oldest first). The rates are the change in summed offsets over the window,
 * so a batch committer's sawtooth averages out; the lag now is the newest sample's.
 */
export function describeLag(points: readonly TrendPoint[], members: number): LagTrend {
  const first = points[0];
  const last = points[points.length - 1];
  if (last && last.lag <= 0) return { kind: "caught-up", producingPerSecond: null, consumingPerSecond: null, catchUpSeconds: null, text: "caught up" };
  if (!first || !last || last.at - first.at <= 0) {
    return { kind: "unknown", producingPerSecond: null, consumingPerSecond: null, catchUpSeconds: null, text: "trend not known yet (needs two samples)" };
  }
  const seconds = (last.at - first.at) / 1000;
  const producing = Math.max(0, (last.produced - first.produced) / seconds);
  const consuming = Math.max(0, (last.consumed - first.consumed) / seconds);
  const rates = `producing ${rateText(producing)}, consuming ${rateText(consuming)}`;
  const base = { producingPerSecond: producing, consumingPerSecond: consuming };

  if (consuming < MIN_RATE && members === 0) {
    return { ...base, kind: "not-consuming", catchUpSeconds: null, text: `not consuming (no members): producing ${rateText(producing)}` };
  }
  const net = consuming - producing;
  if (Math.abs(net) <= Math.max(MIN_RATE, producing * STEADY_SHARE)) {
    return { ...base, kind: "steady", catchUpSeconds: null, text: `keeping pace but not catching up: ${rates}` };
  }
  if (net < 0) return { ...base, kind: "falling-behind", catchUpSeconds: null, text: `falling behind: ${rates}, will not catch up at this rate` };
  const eta = last.lag / net;
  return { ...base, kind: "catching-up", catchUpSeconds: eta, text: `catching up, ${etaText(eta)} to go` };
}
