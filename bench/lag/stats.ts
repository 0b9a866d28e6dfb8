/** Small timing and formatting helpers for the benchmarks. */

export async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await work();
  return { ms: performance.now() - start, value };
}

/** Nearest-rank percentile (p in 0..100) of unsorted samples. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
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

export const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
export const millis = (ms: number) => `${Math.round(ms)} ms`;
export const fmtDist = (d: Distribution) => `p50 ${millis(d.p50)}, p95 ${millis(d.p95)}, max ${millis(d.max)} (n=${d.n})`;

export function log(message: string): void {
  console.log(`[bench:lag ${new Date().toISOString().slice(11, 19)}] ${message}`);
}
