#!/usr/bin/env node
// `npm run redrive`: starts the standalone build (.next/standalone/server.js, made by `npm run build`).
// Only the built files and production dependencies are used. server.js changes its working directory to
// its own folder, so REDRIVE_CONFIG and REDRIVE_DATA_DIR are made absolute first, against the directory
// Redrive was started from (defaults: ./redrive.yaml, ./.redrive).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { serverEnv } from "./server-env.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const server = process.env.REDRIVE_STANDALONE_DIR
  ? path.resolve(process.env.REDRIVE_STANDALONE_DIR, "server.js")
  : path.join(root, ".next", "standalone", "server.js");
if (!existsSync(server)) {
  console.error(`[redrive] ${server} is missing: run \`npm run build\` first`);
  process.exit(1);
}
// The memory settings every production start gets (server-env.mjs, shipped beside this file). They only act at
// process start, so when the caller's NODE_OPTIONS lacks them Redrive runs itself once more with them.
const env = serverEnv();
if (env.NODE_OPTIONS !== (process.env.NODE_OPTIONS ?? "")) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { env, stdio: "inherit" });
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  await startServer();
}

async function startServer() {
  const cwd = process.cwd();
  process.env.REDRIVE_CONFIG = path.resolve(cwd, process.env.REDRIVE_CONFIG || "redrive.yaml");
  process.env.REDRIVE_DATA_DIR = path.resolve(cwd, process.env.REDRIVE_DATA_DIR || ".redrive");
  process.env.HOSTNAME ??= "0.0.0.0";
  await import(pathToFileURL(server).href);
}
