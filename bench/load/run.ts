/**
 * Load benchmark (npm run bench:load): Redrive's production server on its embedded default (no DATABASE_URL, its
 * own PostgreSQL under a temporary REDRIVE_DATA_DIR) against the local stack with realistic data (bench/load/
 * fixture.ts), then an idle baseline (1 viewer) and N concurrent viewer sessions (default 50) polling the
 * Overview, consumer groups, a group page, the DLQs, the Sagas stuck view and the Outbox at the pages' own
 * intervals. Prints per-procedure and overall p50/p95, errors, requests/s, the server's RSS (peak and steady)
 * and the load average. Exits 0 even when an aim is missed (a benchmark, not a test).
 */
import { chmodSync, createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { benchKafka, deleteFixture } from "../lag/fixture";
import { treeRss } from "../lag/rss";
import { installCleanup } from "../common/cleanup";
import { createDatabase, dropDatabase } from "../common/database";
import { ensureBuild, run, sleep } from "../common/processes";
import { startServer, waitReady } from "../common/redrive-server";
import { logger, percentile } from "../common/stats";
import { serverEnv as productionServerEnv } from "../../scripts/server-env.mjs";
import { buildLoadFixture, LOAD_SHAPE } from "./fixture";
import { pages, type Page } from "./pages";
import { signIn, trpcGetUrl, Viewer, type Sample } from "./viewer";

const log = logger("bench:load");
const BROKER = process.env.KAFKA_BROKER ?? "127.0.0.1:9092";
const ADMIN_DATABASE_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const PORT = Number(process.env.BENCH_PORT ?? 3211);
const VIEWERS = Number(process.env.BENCH_LOAD_VIEWERS ?? 50);
const BASELINE_S = Number(process.env.BENCH_LOAD_BASELINE_SECONDS ?? 60);
const LOAD_S = Number(process.env.BENCH_LOAD_SECONDS ?? 90);
const DWELL_S = Number(process.env.BENCH_LOAD_DWELL_SECONDS ?? 20);
// As the browser's httpBatchLink (default), or one GET per query (BENCH_LOAD_BATCH=0).
const BATCH = process.env.BENCH_LOAD_BATCH !== "0";
const PASSWORD = "bench-load-admin-password";
const AIMS = { p95Ms: 300, rssMb: 300 };

const { onCleanup, runMain } = installCleanup(log);

interface RssStats {
  serverPeak: number;
  serverSteady: number;
  postgresPeak: number;
}

/** Samples the server tree every second: the Node server (largest non-postgres process) and the postgres processes. */
function watchServerRss(root: number) {
  const server: number[] = [];
  const postgres: number[] = [];
  const sample = () => {
    let node = 0;
    let pg = 0;
    for (const [pid, mb] of treeRss(root).byPid) {
      let cmd = "";
      try {
        cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      } catch {
        continue;
      }
      if (cmd.includes("postgres")) pg += mb;
      else node = Math.max(node, mb);
    }
    server.push(node);
    postgres.push(pg);
  };
  sample();
  const timer = setInterval(sample, 1_000);
  return {
    stop: (): RssStats => {
      clearInterval(timer);
      // Steady: the median of the second half of the window (after the warm-up's growth).
      const late = server.slice(Math.floor(server.length / 2));
      return { serverPeak: Math.max(...server), serverSteady: percentile(late, 50), postgresPeak: Math.max(...postgres) };
    },
  };
}

interface Phase {
  viewers: number;
  seconds: number;
  samples: Sample[];
  rss: RssStats;
  load: { before: number[]; after: number[] };
}

async function runPhase(base: string, cookies: string[], pageList: Page[], seconds: number, dwellS: number, serverPid: number): Promise<Phase> {
  const samples: Sample[] = [];
  const before = os.loadavg();
  const rss = watchServerRss(serverPid);
  const until = Date.now() + seconds * 1000;
  const viewers = cookies.map((cookie) => new Viewer(base, cookie, (s) => samples.push(s), BATCH));
  // Sessions start spread over the first five seconds, each on a different page (browsers are not in step).
  await Promise.all(
    viewers.map(async (viewer, i) => {
      await sleep((i * 5_000) / viewers.length);
      await viewer.run(pageList, i, dwellS * 1000, until);
    }),
  );
  for (const viewer of viewers) viewer.stop();
  await sleep(2_000); // let the last in-flight requests finish and be recorded
  return { viewers: cookies.length, seconds, samples, rss: rss.stop(), load: { before, after: os.loadavg() } };
}

const ms = (n: number) => (Number.isFinite(n) ? `${Math.round(n)}` : "-");
const mb = (n: number) => `${Math.round(n)} MB`;
const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(" ");

function stats(samples: Sample[]) {
  const times = samples.map((s) => s.ms);
  return { n: samples.length, p50: percentile(times, 50), p95: percentile(times, 95), errors: samples.filter((s) => !s.ok).length };
}

function report(baseline: Phase, loaded: Phase, fixture: { stuck: number }): string {
  const procedures = [...new Set([...loaded.samples, ...baseline.samples].map((s) => s.procedure))].sort();
  const row = (name: string, b: ReturnType<typeof stats>, l: ReturnType<typeof stats>) =>
    `  | ${name.padEnd(22)} | ${String(b.n).padStart(5)} | ${ms(b.p50).padStart(5)} | ${ms(b.p95).padStart(5)} | ${String(l.n).padStart(6)} | ${ms(l.p50).padStart(5)} | ${ms(l.p95).padStart(5)} | ${String(l.errors).padStart(6)} |`;
  const lines = procedures.map((p) =>
    row(
      p,
      stats(baseline.samples.filter((s) => s.procedure === p)),
      stats(loaded.samples.filter((s) => s.procedure === p)),
    ),
  );
  const b = stats(baseline.samples);
  const l = stats(loaded.samples);
  const errors = [...new Set(loaded.samples.filter((s) => !s.ok).map((s) => `${s.procedure}: ${s.error}`))].slice(0, 5);
  const verdict = (ok: boolean) => (ok ? "ok" : "MISSED");
  return `
Load benchmark, ${new Date().toISOString()} (embedded PostgreSQL control store; ${os.cpus().length} CPUs, shared with other work)
  data: ${LOAD_SHAPE.kafka.topics} topics x ${LOAD_SHAPE.kafka.partitionsPerTopic} partitions, ${LOAD_SHAPE.kafka.groups} groups (plus the cluster's others), 1 DLQ topic with ${LOAD_SHAPE.dlqMessages} messages,
        ${LOAD_SHAPE.sagas.toLocaleString()} sagas (${fixture.stuck.toLocaleString()} stuck), ${(LOAD_SHAPE.sagas * 5).toLocaleString()} steps, ${LOAD_SHAPE.sagas.toLocaleString()} outbox rows
  sessions: each signed in, one page at a time for ${DWELL_S} s (the baseline's one viewer ${Math.round(baseline.seconds / 6)} s) (Overview, groups, group, DLQs, Sagas stuck, Outbox in turn),
            the page's queries at its own intervals plus the nav badges; ${BATCH ? "queries firing together in one batched GET (as the browser)" : "one GET per query"}

  | procedure              | baseline (1 viewer, ${String(baseline.seconds).padStart(3)} s) | ${String(loaded.viewers).padStart(2)} viewers, ${String(loaded.seconds).padStart(3)} s                 |
  |                        |     n |   p50 |   p95 |      n |   p50 |   p95 | errors |
  |------------------------|-------|-------|-------|--------|-------|-------|--------|
${lines.join("\n")}
  |------------------------|-------|-------|-------|--------|-------|-------|--------|
${row("all (ms)", b, l)}

  queries answered/s: baseline ${(b.n / baseline.seconds).toFixed(1)}, under load ${(l.n / loaded.seconds).toFixed(1)}; errors: baseline ${b.errors}, under load ${l.errors}
  server RSS (Node): baseline peak ${mb(baseline.rss.serverPeak)} steady ${mb(baseline.rss.serverSteady)}; under load peak ${mb(loaded.rss.serverPeak)} steady ${mb(loaded.rss.serverSteady)}
  embedded PostgreSQL processes (sum of RSS, shared pages counted per process): peak ${mb(loaded.rss.postgresPeak)}
  load average (1/5/15 min): baseline ${load(baseline.load.before)} -> ${load(baseline.load.after)}; under load ${load(loaded.load.before)} -> ${load(loaded.load.after)}
${errors.length > 0 ? `  first errors:\n${errors.map((e) => `    ${e}`).join("\n")}\n` : ""}
  aims: API p95 < ${AIMS.p95Ms} ms ${verdict(l.p95 < AIMS.p95Ms)} (${ms(l.p95)} ms); no errors ${verdict(l.errors === 0)}; RSS < ${AIMS.rssMb} MB ${verdict(loaded.rss.serverPeak < AIMS.rssMb)} (peak ${mb(loaded.rss.serverPeak)})
`;
}

async function main(): Promise<void> {
  await ensureBuild(log);
  // The artifact users deploy: `npm run build` makes it next to .next/BUILD_ID.
  if (!existsSync(".next/standalone/server.js")) await run("npm", ["run", "build"]);
  const prefix = `bench-load-${Date.now().toString(36)}`;
  const kafka = benchKafka([BROKER]);
  const admin = kafka.admin();
  await admin.connect();
  onCleanup("disconnect Kafka admin", () => admin.disconnect());
  onCleanup("delete Kafka fixture", () => deleteFixture(admin, prefix));
  const appDb = prefix.replaceAll("-", "_");
  const appDatabaseUrl = await createDatabase(ADMIN_DATABASE_URL, appDb);
  onCleanup("drop application database", () => dropDatabase(ADMIN_DATABASE_URL, appDb, log));
  const fixture = await buildLoadFixture(kafka, admin, prefix, appDatabaseUrl, log);
  log(`fixture ready: group ${fixture.groupId}, DLQ ${fixture.dlqTopic}, ${fixture.stuckSagas} stuck sagas`);

  const dir = mkdtempSync(path.join(os.tmpdir(), "redrive-bench-load-"));
  chmodSync(dir, 0o711); // as root, the embedded PostgreSQL runs as an unprivileged user that must pass through
  onCleanup("remove data directory", () => rmSync(dir, { recursive: true, force: true }));
  const configPath = path.join(dir, "redrive.yaml");
  writeFileSync(
    configPath,
    JSON.stringify({
      kafka: [{ name: "bench", brokers: [BROKER], sampleIntervalSeconds: 15, dlq: { patterns: [`${prefix}-*.DLQ`] } }],
      databases: [{ name: "bench", url: appDatabaseUrl, sagas: { stuckAfterSeconds: 300 } }],
    }),
  );
  // The embedded default: no DATABASE_URL, a fresh data directory.
  const env = { ...process.env };
  delete env.DATABASE_URL;
  process.env = env;
  const server = startServer(
    PORT,
    {
      REDRIVE_CONFIG: configPath,
      REDRIVE_DATA_DIR: path.join(dir, "data"),
      REDRIVE_ADMIN_PASSWORD: PASSWORD,
      NODE_ENV: "production",
      // BENCH_SERVER_NODE_OPTIONS adds flags for a profile, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
      NODE_OPTIONS: `${productionServerEnv().NODE_OPTIONS} ${process.env.BENCH_SERVER_NODE_OPTIONS ?? ""}`.trim(),
    },
    log,
    { standalone: true },
  );
  onCleanup("stop server", () => server.stop());
  // BENCH_SERVER_LOG=<file>: the server's output (e.g. with BENCH_SERVER_NODE_OPTIONS=--trace-gc).
  if (process.env.BENCH_SERVER_LOG) {
    const file = createWriteStream(process.env.BENCH_SERVER_LOG);
    server.child.stdout!.on("data", (chunk: string) => file.write(chunk));
    server.child.stderr!.on("data", (chunk: string) => file.write(chunk));
  }
  await waitReady(server, 180_000);
  log(`server ready at ${server.baseUrl} (pid ${server.child.pid})`);

  const cookies: string[] = [];
  for (let i = 0; i < VIEWERS; i++) cookies.push(await signIn(server.baseUrl, "admin", PASSWORD));
  log(`${VIEWERS} sessions signed in`);
  // Wait for the collector's first round (lag and saga snapshots) so the pages show data, not "no sample yet".
  const deadline = Date.now() + 180_000;
  for (;;) {
    const response = await fetch(trpcGetUrl(server.baseUrl, "lag.groups", { connection: "bench", sortBy: "status", sortDir: "desc", page: 0, pageSize: 50 }), { headers: { cookie: cookies[0]! } });
    const body = (await response.json()) as { result?: { data?: { json?: { snapshot?: { sampledAt: string | null } } } } };
    if (body.result?.data?.json?.snapshot?.sampledAt) break;
    if (Date.now() > deadline) throw new Error("no lag sample after 180 s");
    await sleep(1_000);
  }
  await sleep(5_000); // a few seconds more: the first round's saga and outbox snapshots
  log("collector has sampled; measuring");

  const pageList = pages({ kafka: "bench", groupId: fixture.groupId, dlqTopic: fixture.dlqTopic, database: "bench" });
  const pid = server.child.pid!;
  log(`baseline: 1 viewer for ${BASELINE_S} s`);
  const baseline = await runPhase(server.baseUrl, cookies.slice(0, 1), pageList, BASELINE_S, BASELINE_S / pageList.length, pid);
  log(`load: ${VIEWERS} viewers for ${LOAD_S} s`);
  const loaded = await runPhase(server.baseUrl, cookies, pageList, LOAD_S, DWELL_S, pid);
  console.log(report(baseline, loaded, { stuck: fixture.stuckSagas }));
}

runMain(main, "bench:load");
