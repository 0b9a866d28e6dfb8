// Whether the production build in .next/ was made from the sources as they are now: `npm start` and
// `npm run demo` rebuild when it was not (after a git pull, say), instead of serving an old build.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

// What the build is made of; tests, the demo system, benchmarks and scripts are not in it.
const SOURCES = ["app", "components", "server", "public", "drizzle", "instrumentation.ts", "next.config.js", "package-lock.json", "postcss.config.mjs", "tsconfig.json"];
const STAMP = path.join(".next", "REDRIVE_SOURCES");

function* files(root, entry) {
  const full = path.join(root, entry);
  if (!existsSync(full)) return;
  if (statSync(full).isDirectory()) {
    for (const child of readdirSync(full).sort()) yield* files(root, path.join(entry, child));
  } else {
    yield entry;
  }
}

/** A digest of every source file's path, size and modification time. */
export function sourcesDigest(root) {
  const hash = createHash("sha256");
  for (const source of SOURCES) {
    for (const file of files(root, source)) {
      const { size, mtimeMs } = statSync(path.join(root, file));
      hash.update(`${file}\0${size}\0${Math.trunc(mtimeMs)}\n`);
    }
  }
  return hash.digest("hex");
}

/** "missing", "stale" or "current". */
export function buildState(root) {
  if (!existsSync(path.join(root, ".next", "BUILD_ID"))) return "missing";
  const stamp = path.join(root, STAMP);
  if (!existsSync(stamp)) return "stale";
  return readFileSync(stamp, "utf8").trim() === sourcesDigest(root) ? "current" : "stale";
}

/** Records which sources the build in .next/ was made from (call after a successful `next build`). */
export function stampBuild(root, digest = sourcesDigest(root)) {
  writeFileSync(path.join(root, STAMP), `${digest}\n`);
}
