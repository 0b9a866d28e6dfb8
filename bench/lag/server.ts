import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { log } from "./stats";

/** A production `next start` of Redrive, in its own process group so it can be stopped with its children. */
export interface RedriveServer {
  child: ChildProcess;
  baseUrl: string;
  output: () => string;
  stop: () => Promise<void>;
}

export function startServer(port: number, env: Record<string, string>): RedriveServer {
  const child = spawn("node_modules/.bin/next", ["start", "-p", String(port), "-H", "127.0.0.1"], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  const keep = (chunk: string) => {
    output = (output + chunk).slice(-20_000);
  };
  child.stdout!.setEncoding("utf8").on("data", keep);
  child.stderr!.setEncoding("utf8").on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    child,
    baseUrl: `http://127.0.0.1:${port}`,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      const group = -child.pid;
      try {
        process.kill(group, "SIGTERM");
      } catch {
        return;
      }
      const timeout = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), 8_000).unref());
      if ((await Promise.race([exited, timeout])) === "timeout") {
        log("server did not stop on SIGTERM; sending SIGKILL to its process group");
        try {
          process.kill(group, "SIGKILL");
        } catch {
          // already gone
        }
      }
    },
  };
}

function childrenOf(pid: number): number[] {
  try {
    const tasks = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8");
    return tasks.split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function rssMb(pid: number): number | null {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim();
  } catch {
    return "?";
  }
}

export interface RssReading {
  /** RSS of each process of the tree, by pid. */
  byPid: Map<number, number>;
  total: number;
}

/** RSS of a process and all its descendants. */
export function treeRss(root: number): RssReading {
  const byPid = new Map<number, number>();
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    const rss = rssMb(pid);
    if (rss !== null) byPid.set(pid, rss);
    queue.push(...childrenOf(pid));
  }
  return { byPid, total: [...byPid.values()].reduce((a, b) => a + b, 0) };
}

/** Samples the process tree's RSS every interval until stopped; keeps the max of the largest process and of the sum. */
export function watchRss(root: number, intervalMs = 1_000) {
  const max = { largest: 0, largestPid: 0, total: 0, samples: 0 };
  const sample = () => {
    const reading = treeRss(root);
    max.samples += 1;
    max.total = Math.max(max.total, reading.total);
    for (const [pid, rss] of reading.byPid) {
      if (rss > max.largest) {
        max.largest = rss;
        max.largestPid = pid;
      }
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return { ...max, largestCommand: commandOf(max.largestPid), processes: [...treeRss(root).byPid.keys()].map((pid) => `${pid} ${commandOf(pid)}`) };
    },
  };
}
