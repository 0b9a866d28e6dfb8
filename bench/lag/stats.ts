/** Timing and formatting helpers of the lag benchmark (shared ones in ../common/stats). */
import { logger, millis, percentile } from "../common/stats";

export const log = logger("bench:lag");

export async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await work();
  return { ms: performance.now() - start, value };
}

export const median = (samples: number[]) => percentile(samples, 50);

export interface Distribution {
  n: number;
  p50: number;
  p95: number;
  max: number;
}

export function distribution(samples: number[]): Distribution {
  return { n: samples.length, p50: percentile(samples, 50), p95: percentile(samples, 95), max: Math.max(...samples) };
}

export const fmtDist = (d: Distribution) => `p50 ${millis(d.p50)}, p95 ${millis(d.p95)}, max ${millis(d.max)} (n=${d.n})`;
