// `npm run demo` without DEMO_DATABASE_URL: holds Redrive's embedded PostgreSQL (under REDRIVE_DATA_DIR, default
// ./.redrive) for as long as the demo runs, with the demo's application database in it. Prints one line,
// `DEMO_DATABASE_URL <url>`, which scripts/demo.mjs reads (and does not echo: it holds the generated password).
// Redrive, started afterwards without DATABASE_URL, finds this server and uses it for its control store too.
import path from "node:path";
import { embeddedServer } from "~/server/db/embedded-postgres";

const DATABASE = "redrive_demo";

const server = await embeddedServer(path.resolve(process.env.REDRIVE_DATA_DIR || ".redrive"));
await server.ensureDatabase(DATABASE);
process.stdout.write(`DEMO_DATABASE_URL ${server.url(DATABASE)}\n`);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void server.stop().finally(() => process.exit(0));
  });
}
// Stay alive until signalled.
setInterval(() => undefined, 1 << 30);
