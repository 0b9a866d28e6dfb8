/** Cleanup registry of a benchmark run: steps run in reverse order at the end, also on failure and Ctrl-C. */
import type { Log } from "./stats";

export type CleanupStep = () => Promise<void> | void;

export interface Cleanup {
  /** Registers a step; the last registered runs first. */
  onCleanup: (name: string, run: CleanupStep) => void;
  /** Runs every step once (later calls return the same promise); a failing step is logged and skipped. */
  cleanup: () => Promise<void>;
  /** Runs main; on failure prints `[<prefix>] FAILED: <stack>` and sets exit code 1; always cleans up, then exits. */
  runMain: (main: () => Promise<void>, prefix: string) => void;
}

/** Creates the registry and installs SIGINT/SIGTERM handlers that clean up and exit with 130. */
export function installCleanup(log: Log): Cleanup {
  const cleanups: { name: string; run: CleanupStep }[] = [];
  const onCleanup = (name: string, run: CleanupStep) => {
    cleanups.push({ name, run });
  };
  let cleaningUp: Promise<void> | null = null;

  function cleanup(): Promise<void> {
    cleaningUp ??= (async () => {
      for (const { name, run } of cleanups.reverse()) {
        try {
          await run();
        } catch (error) {
          log(`cleanup "${name}" failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    })();
    return cleaningUp;
  }

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      log(`${signal}: cleaning up`);
      void cleanup().finally(() => process.exit(130));
    });
  }

  const runMain = (main: () => Promise<void>, prefix: string) => {
    main()
      .catch((error: unknown) => {
        console.error(`[${prefix}] FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        process.exitCode = 1;
      })
      .finally(async () => {
        await cleanup();
        process.exit();
      });
  };

  return { onCleanup, cleanup, runMain };
}
