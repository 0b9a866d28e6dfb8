#!/usr/bin/env node
// `npm run redrive`: starts the standalone build (.next/standalone/server.js, made by `npm run build`).
// Only the built files and production dependencies are used. server.js changes its working directory to
// its own folder, so REDRIVE_CONFIG and REDRIVE_DATA_DIR are made absolute first, against the directory
// Redrive was started from (defaults: ./redrive.yaml, ./.redrive).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const server = process.env.REDRIVE_STANDALONE_DIR
  ? path.resolve(process.env.REDRIVE_STANDALONE_DIR, "server.js")
  : path.join(root, ".next", "standalone", "server.js");
if (!existsSync(server)) {
  console.error(`[redrive] ${server} is missing: run \`npm run build\` first`);
  process.exit(1);
}
// The memory settings `npm start` uses (scripts/server-env.mjs; this file is copied alone into deployments, so they
// are repeated here): a 192 MiB heap cap and 16 MiB young-generation semi-spaces, unless the caller set its own.
const flagsGiven = `${process.env.NODE_OPTIONS ?? ""} ${process.execArgv.join(" ")}`;
const wanted = [
  ["--max-old-space-size", process.env.REDRIVE_MAX_HEAP_MB ?? "192"],
  ["--max-semi-space-size", process.env.REDRIVE_SEMI_SPACE_MB ?? "16"],
].filter(([flag]) => !flagsGiven.includes(flag));
if (wanted.length > 0) {
  const child = spawn(process.execPath, [...wanted.map(([flag, mb]) => `${flag}=${mb}`), ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: "inherit",
  });
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
