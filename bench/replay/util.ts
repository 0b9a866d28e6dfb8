/** Small helpers of the replay benchmark (shared ones in ../common). */
import { logger } from "../common/stats";

export const log = logger("bench:replay");

/** Messages per second, rounded. */
export const rate = (count: number, ms: number) => Math.round(count / (ms / 1000));
export const fmtRate = (perSecond: number) => `${Math.round(perSecond).toLocaleString("en")} msg/s`;
export const fmtCount = (n: number) => n.toLocaleString("en");

/** Times an async function. */
export async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await work();
  return { ms: performance.now() - start, value };
}

/** Polls until the probe returns a value other than null, or throws after timeoutMs. */
export async function waitUntil<T>(what: string, timeoutMs: number, intervalMs: number, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
