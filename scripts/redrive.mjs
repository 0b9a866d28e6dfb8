#!/usr/bin/env node
// `npm run redrive`: starts the standalone build (.next/standalone/server.js, made by `npm run build`).
// Only the built files and production dependencies are used. server.js changes its working directory to
// its own folder, so REDRIVE_CONFIG and REDRIVE_DATA_DIR are made absolute first, against the directory
// Redrive was started from (defaults: ./redrive.yaml, ./.redrive).
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
const cwd = process.cwd();
process.env.REDRIVE_CONFIG = path.resolve(cwd, process.env.REDRIVE_CONFIG || "redrive.yaml");
process.env.REDRIVE_DATA_DIR = path.resolve(cwd, process.env.REDRIVE_DATA_DIR || ".redrive");
process.env.HOSTNAME ??= "0.0.0.0";
await import(pathToFileURL(server).href);
