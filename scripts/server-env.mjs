// The environment every production start of Redrive gets (npm start, npm run demo, the benchmarks).

/** MiB of V8 old space for the server. Without a cap V8 grows the heap lazily (~450 MB while the collector
 * stores 24,000 rows every 5 s); with it the same load stays near 235 MB. Override with REDRIVE_MAX_HEAP_MB. */
export const DEFAULT_MAX_HEAP_MB = 192;

/** MiB per young-generation semi-space. With the heap cap V8 picks small semi-spaces, and fifty polling viewers'
 * short-lived garbage then cost scavenges all the time (~27 % of the server's CPU in bench:load); 16 MiB cut that
 * run's p95 from tens of seconds to under a second, with less RSS. Override with REDRIVE_SEMI_SPACE_MB. */
export const DEFAULT_SEMI_SPACE_MB = 16;

export function serverEnv(env = process.env) {
  const heap = Number(env.REDRIVE_MAX_HEAP_MB ?? DEFAULT_MAX_HEAP_MB);
  const semi = Number(env.REDRIVE_SEMI_SPACE_MB ?? DEFAULT_SEMI_SPACE_MB);
  const flags = [
    env.NODE_OPTIONS?.includes("--max-old-space-size") ? "" : `--max-old-space-size=${heap}`,
    env.NODE_OPTIONS?.includes("--max-semi-space-size") ? "" : `--max-semi-space-size=${semi}`,
  ];
  return {
    ...env,
    NODE_OPTIONS: [env.NODE_OPTIONS ?? "", ...flags].filter(Boolean).join(" ").trim(),
  };
}
