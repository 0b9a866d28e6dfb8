/** Percentiles, duration formatting and the prefixed log lines shared by the benchmarks. */

/** Writes one log line. */
export type Log = (message: string) => void;

/** A log function printing `[<prefix> HH:MM:SS] message`, e.g. `logger("bench:lag")`. */
export function logger(prefix: string): Log {
  return (message) => {
    console.log(`[${prefix} ${new Date().toISOString().slice(11, 19)}] ${message}`);
  };
}

/** Nearest-rank percentile (p in 0..100) of unsorted samples. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

/** Milliseconds as seconds with two decimals: `1.23 s`. */
export const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
/** Milliseconds rounded: `123 ms`. */
export const millis = (ms: number) => `${Math.round(ms)} ms`;
