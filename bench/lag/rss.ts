/** RSS of a process tree from /proc: one reading, or the maxima sampled over a while. */
import { readFileSync } from "node:fs";

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
