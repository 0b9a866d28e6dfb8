import { spawn } from "node:child_process";

export interface PipelineRun {
  totalMs: number;
  firstMatchMs: number | null;
  matches: number;
  code: number | null;
  stderr: string;
}

/**
 * Runs `kcat ... | jq ...` in a shell and reads jq's output as it comes: the first line's arrival is the
 * time to first match, the line count the number of matches, the pipeline's exit the total time.
 */
export function runPipeline(command: string): Promise<PipelineRun> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    let firstMatchMs: number | null = null;
    let matches = 0;
    let stderr = "";
    const child = spawn("bash", ["-o", "pipefail", "-c", command], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (chunk: Buffer) => {
      firstMatchMs ??= performance.now() - start;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) matches += 1;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-4_000);
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ totalMs: performance.now() - start, firstMatchMs, matches, code, stderr }));
  });
}
