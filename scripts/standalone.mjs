// After `next build`: completes the standalone artifact. Next.js leaves static assets out of
// .next/standalone on purpose (a CDN may serve them); Redrive serves them itself, so they are copied in.
import { cpSync, existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const standalone = path.join(root, ".next", "standalone");
if (!existsSync(path.join(standalone, "server.js"))) {
  console.error("[standalone] .next/standalone/server.js is missing: run `next build` first");
  process.exit(1);
}
cpSync(path.join(root, ".next", "static"), path.join(standalone, ".next", "static"), { recursive: true });
if (existsSync(path.join(root, "public"))) cpSync(path.join(root, "public"), path.join(standalone, "public"), { recursive: true });
// Traced too (next.config.js), copied again so a stale trace can never ship old migrations.
cpSync(path.join(root, "drizzle"), path.join(standalone, "drizzle"), { recursive: true });
console.log("[standalone] .next/standalone is complete: start it with `npm run redrive` (node scripts/redrive.mjs)");
