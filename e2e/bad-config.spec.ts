import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";

test("a bad config file stops the server with an error naming the file and the key", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "redrive-badconfig-"));
  const file = path.join(dir, "redrive.yaml");
  writeFileSync(file, 'kafka:\n  - name: prod\n    brokers: ["no-port-here"]\n');
  const server = spawn("node_modules/.bin/next", ["start", "-p", "3199", "-H", "127.0.0.1"], {
    env: { ...process.env, REDRIVE_CONFIG: file, REDRIVE_DATA_DIR: path.join(dir, "data"), DATABASE_URL: "" },
  });
  let output = "";
  server.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  server.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      server.kill("SIGKILL");
      resolve(null);
    }, 45_000);
    server.on("exit", (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  expect(code, output).toBe(78);
  expect(output).toContain(`Invalid Redrive config ${file}: kafka.0.brokers.0: expected host:port`);
});
