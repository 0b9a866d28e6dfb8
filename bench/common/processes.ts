/** Child processes, other processes of the machine (via /proc) and the production build the benchmarks need. */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { buildState, sourcesDigest, stampBuild } from "../../scripts/build-state.mjs";
import type { Log } from "./stats";

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs a command with inherited stdio; rejects unless it exits with 0. */
export function run(command: string, commandArgs: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, { stdio: "inherit" });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${commandArgs.join(" ")} exited with ${code}`))));
  });
}

/**
 * Starts the local stack (`scripts/stack.mjs up`, idempotent) unless BENCH_SKIP_STACK_UP is set: on a machine
 * whose stack is shared and already running (another checkout's `.stack`), the bench must not touch it.
 */
export async function ensureStack(log: Log): Promise<void> {
  if (process.env.BENCH_SKIP_STACK_UP) {
    log("BENCH_SKIP_STACK_UP is set: using the running stack as it is");
    return;
  }
  await run("node", ["scripts/stack.mjs", "up"]);
}

/** Command lines (`<pid> <args>`) of the other processes whose arguments match a test. */
export function otherProcesses(test: (args: string[]) => boolean): string[] {
  const found: string[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (test(cmdline)) found.push(`${entry} ${cmdline.join(" ").trim()}`);
    } catch {
      // gone
    }
  }
  return found;
}

/** True while another process runs `next build` in this directory (it removes .next/BUILD_ID until done). */
export const buildRunning = () => otherProcesses((a) => a.some((arg) => arg.endsWith("next") || arg.endsWith("next.js")) && a.includes("build")).length > 0;

/** A production build must exist: wait (up to 10 min) for one being built by another process, or build it. */
export async function ensureBuild(log: Log): Promise<void> {
  const deadline = Date.now() + 10 * 60_000;
  while (!existsSync(".next/BUILD_ID") && buildRunning() && Date.now() < deadline) {
    log("waiting for a running `next build` to finish");
    await sleep(5_000);
  }
  // A build older than the sources would measure old code (and pair it with the filter worker's current source).
  const state = buildState(process.cwd());
  if (state !== "current") {
    log(`the production build is ${state === "missing" ? "missing" : "older than the sources (or unstamped)"}: running npm run build`);
    const digest = sourcesDigest(process.cwd());
    await run("npm", ["run", "build"]);
    stampBuild(process.cwd(), digest);
  }
}
