// `npm start`: builds Redrive when there is no build of the current sources, then serves it with `next start`.
// Arguments are passed to `next start` (e.g. `npm start -- -p 8080`).
import { spawn, spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildState, sourcesDigest, stampBuild } from "./build-state.mjs";
import { serverEnv } from "./server-env.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const next = path.join(root, "node_modules", ".bin", "next");
const env = serverEnv();

const state = buildState(root);
if (state !== "current") {
  console.log(state === "missing" ? "[redrive] no production build yet: running `next build`" : "[redrive] the sources changed since the last build: running `next build`");
  const digest = sourcesDigest(root);
  // The build (type check included) needs more than the server's heap cap: it runs without it.
  const build = spawnSync(next, ["build"], { cwd: root, env: process.env, stdio: "inherit" });
  if (build.status !== 0) process.exit(build.status ?? 1);
  stampBuild(root, digest);
}

const server = spawn(next, ["start", ...process.argv.slice(2)], { cwd: root, env, stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.kill(signal));
server.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
