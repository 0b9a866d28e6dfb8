// The environment every production start of Redrive gets (npm start, npm run demo, the benchmarks).

/** MiB of V8 old space for the server. Without a cap V8 grows the heap lazily (~450 MB while the collector
 * stores 24,000 rows every 5 s); with it the same load stays near 235 MB. Override with REDRIVE_MAX_HEAP_MB. */
export const DEFAULT_MAX_HEAP_MB = 192;

export function serverEnv(env = process.env) {
  const heap = Number(env.REDRIVE_MAX_HEAP_MB ?? DEFAULT_MAX_HEAP_MB);
  const flag = `--max-old-space-size=${heap}`;
  return {
    ...env,
    NODE_OPTIONS: env.NODE_OPTIONS?.includes("--max-old-space-size") ? env.NODE_OPTIONS : `${env.NODE_OPTIONS ?? ""} ${flag}`.trim(),
  };
}
