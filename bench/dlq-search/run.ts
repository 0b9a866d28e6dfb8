/**
 * DLQ search benchmark (npm run bench:search): a 1,000,000-record Spring DLT topic of ~1 KiB JSON orders,
 * searched with a CEL filter matching 1% (`record.value.amount % 100 == 42`) by Redrive's server-side scan
 * (server/dlq/scans.ts startScan), against `kcat | jq` with the same predicate on the same topic; then the
 * first page of the message table (tRPC dlq.kafkaMessages, newest, 100 rows) on a warm production server.
 * Prints ratios measured in this run and exits 0 even when an aim is missed (a benchmark, not a test).
 *
 *   npm run bench:search                    # the topic is kept for re-runs
 *   npm run bench:search -- --profile       # also: where a scan's time goes, stage by stage
 *   npm run bench:search -- --records 100000  # a smaller topic of its own (default 1,000,000), to iterate quickly
 *   npm run bench:search -- --cleanup       # delete the topic at the end
 *   npm run bench:search -- --cleanup-only  # only delete the topic
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ensureFirstAdmin } from "~/server/auth/bootstrap";
import { createApiToken } from "~/server/auth/sessions";
import { configSchema } from "~/server/config/schema";
import { buildConnections, closeConnections } from "~/server/connections/registry";
import { openControlStore } from "~/server/db/control-store";
import { payloadAccess } from "~/server/dlq/masking";
import { startScan } from "~/server/dlq/scans";
import { breakdown, type Stage } from "./breakdown";
import { benchKafka, deleteTopic, ensureTopic, EXPECTED_MATCHES, PARTITIONS, PREDICATE_CEL, PREDICATE_JQ, RECORD_BYTES, RECORDS, TOPIC } from "./fixture";
import { runPipeline, type PipelineRun } from "./kcat";
import { installCleanup } from "../common/cleanup";
import { createDatabase, dropDatabase } from "../common/database";
import { ensureBuild, ensureStack, otherProcesses, sleep } from "../common/processes";
import { serverEnv, startServer, waitReady } from "../common/redrive-server";
import { millis, percentile, secs } from "../common/stats";
import { fmtRate, log, rate } from "./util";

const BROKER = process.env.KAFKA_BROKER ?? "127.0.0.1:9092";
const ADMIN_DATABASE_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const PORT = Number(process.env.BENCH_SEARCH_PORT ?? 3220);
const CONNECTION = "bench";
const RUNS = 2;
const PAGE_WARMUP = 3;
const PAGE_REQUESTS = 30;
const PAGE_LIMIT = 100;
const AIMS = { firstMatchMs: 1_000, pageP50Ms: 300 };
const args = new Set(process.argv.slice(2));

const { onCleanup, runMain } = installCleanup(log);

// ---------------------------------------------------------------- helpers

const lagBenchRunning = () => otherProcesses((a) => a.some((arg) => arg.includes("bench/lag/"))).length > 0;

/** The lag benchmark uses the same Kafka: wait until it is not running, so neither distorts the other. */
async function waitForLagBench(): Promise<void> {
  if (!lagBenchRunning()) return;
  log("bench/lag is running on the same Kafka: waiting for it to finish (polling every 30 s)");
  while (lagBenchRunning()) await sleep(30_000);
  log("bench/lag is no longer running");
}

// ---------------------------------------------------------------- Redrive's scan

interface ScanRun {
  totalMs: number;
  firstMatchMs: number | null;
  scanned: number;
  matched: number;
  status: string;
}

async function redriveScans(): Promise<ScanRun[]> {
  const config = configSchema.parse({ kafka: [{ name: CONNECTION, brokers: [BROKER] }] });
  const connections = buildConnections(config);
  const access = payloadAccess("admin", { readRoles: ["admin"], masking: [] });
  // The scan writes its progress to the control store (any replica can follow it): an embedded one here.
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "redrive-bench-search-store-"));
  const store = await openControlStore({ dataDir });
  const runs: ScanRun[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const state = await startScan({ db: store.db, connections, principal: { role: "admin" } }, {
        ref: { kind: "kafka", connection: CONNECTION, dlq: TOPIC },
        expression: PREDICATE_CEL,
        limit: RECORDS,
        ownerId: "bench",
        access,
      });
      while (state.finishedAt === null) await sleep(20);
      if (state.status === "failed") throw new Error(`scan failed: ${state.error}`);
      const result = { totalMs: state.finishedAt - state.startedAt, firstMatchMs: state.firstMatchMs, scanned: state.scanned, matched: state.matched, status: state.status };
      runs.push(result);
      log(
        `redrive scan #${i + 1}: ${secs(result.totalMs)}, ${fmtRate(rate(result.scanned, result.totalMs))}, first match ${result.firstMatchMs === null ? "none" : millis(result.firstMatchMs)}, ` +
          `${result.scanned} scanned, ${result.matched} matched (${result.status})`,
      );
    }
    if (args.has("--profile")) {
      const adapter = connections.kafka.get(CONNECTION)!;
      profile = await breakdown(adapter, access);
    }
  } finally {
    await closeConnections(connections);
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return runs;
}

let profile: { stages: Stage[]; perRecord: Stage[] } | null = null;

// ---------------------------------------------------------------- kcat | jq

const PIPELINE = `kcat -C -b ${BROKER} -t '${TOPIC}' -o beginning -e -q -f '%s\\n' | jq --unbuffered -c '${PREDICATE_JQ}'`;

async function kcatScans(): Promise<PipelineRun[]> {
  const runs: PipelineRun[] = [];
  for (let i = 0; i < RUNS; i++) {
    const result = await runPipeline(PIPELINE);
    if (result.code !== 0) throw new Error(`kcat | jq exited with ${result.code}: ${result.stderr}`);
    runs.push(result);
    log(
      `kcat | jq #${i + 1}: ${secs(result.totalMs)}, ${fmtRate(rate(RECORDS, result.totalMs))}, first match ${result.firstMatchMs === null ? "none" : millis(result.firstMatchMs)}, ${result.matches} matched`,
    );
  }
  return runs;
}

// ---------------------------------------------------------------- first page on a warm server

interface PageResult {
  coldMs: number;
  samples: number[];
  rows: number;
  bytes: number;
  startupMs: number;
}

async function firstPage(): Promise<PageResult> {
  const dbName = `redrive_bench_search_${Date.now().toString(36)}`;
  const databaseUrl = await createDatabase(ADMIN_DATABASE_URL, dbName);
  onCleanup("drop database", () => dropDatabase(ADMIN_DATABASE_URL, dbName, log));

  const password = `bench-search-${Date.now().toString(36)}`;
  const store = await openControlStore({ databaseUrl });
  let token: string;
  try {
    await ensureFirstAdmin(store.db, { REDRIVE_ADMIN_PASSWORD: password });
    ({ token } = await createApiToken(store.db, { name: "bench-search", role: "admin", createdBy: null, expiresAt: null }));
  } finally {
    await store.close();
  }

  const tmp = mkdtempSync(path.join(os.tmpdir(), "redrive-bench-search-"));
  onCleanup("remove temp dir", () => rmSync(tmp, { recursive: true, force: true }));
  const configPath = path.join(tmp, "redrive.yaml");
  writeFileSync(configPath, `kafka:\n  - name: ${CONNECTION}\n    brokers: ["${BROKER}"]\nsqs: []\ndatabases: []\n`);
  await ensureBuild(log);
  const server = startServer(PORT, serverEnv(configPath, databaseUrl, password), log);
  onCleanup("stop server", () => server.stop());
  const startup = performance.now();
  await waitReady(server);
  const startupMs = performance.now() - startup;
  log(`server ready on ${server.baseUrl} in ${secs(startupMs)}`);

  const input = { connection: CONNECTION, topic: TOPIC, order: "newest", limit: PAGE_LIMIT };
  const pageUrl = `${server.baseUrl}/api/trpc/dlq.kafkaMessages?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
  const headers = { authorization: `Bearer ${token}` };
  let rows = 0;
  let bytes = 0;
  const request = async (): Promise<number> => {
    const start = performance.now();
    const response = await fetch(pageUrl, { headers });
    const text = await response.text();
    const ms = performance.now() - start;
    if (!response.ok) throw new Error(`GET dlq.kafkaMessages -> ${response.status}: ${text.slice(0, 300)}`);
    const page = (JSON.parse(text) as { result: { data: { json: { messages: unknown[]; payloadsWithheld: boolean } } } }).result.data.json;
    if (page.payloadsWithheld) throw new Error("payloads withheld for an admin token");
    rows = page.messages.length;
    bytes = text.length;
    return ms;
  };
  const coldMs = await request();
  log(`first page, first request after start: ${millis(coldMs)} (${rows} rows, ${bytes} bytes)`);
  for (let i = 1; i < PAGE_WARMUP; i++) await request();
  const samples: number[] = [];
  for (let i = 0; i < PAGE_REQUESTS; i++) samples.push(await request());
  if (rows !== PAGE_LIMIT) throw new Error(`the first page has ${rows} rows, expected ${PAGE_LIMIT}`);
  await server.stop();
  return { coldMs, samples, rows, bytes, startupMs };
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const kafka = benchKafka(BROKER);
  const admin = kafka.admin();
  await admin.connect();
  onCleanup("disconnect admin", () => admin.disconnect());
  const deleteHint = `the topic ${TOPIC} (~1 GB) is kept for re-runs; delete it with: npm run bench:search -- --cleanup-only`;
  if (args.has("--cleanup-only")) {
    await deleteTopic(admin);
    log(`deleted ${TOPIC}`);
    return;
  }

  log("ensuring the local stack is up");
  await ensureStack(log);
  await ensureBuild(log);
  for (const tool of ["kcat", "jq"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) throw new Error(`${tool} is not installed: apt-get install -y kcat jq`);
  }

  await waitForLagBench();
  const fixture = await ensureTopic(kafka, admin);
  if (!fixture.reused) log(`produced ${RECORDS.toLocaleString("en")} records in ${secs(fixture.produceMs)} (${fmtRate(rate(RECORDS, fixture.produceMs))})`);
  if (args.has("--cleanup")) {
    onCleanup("delete topic", async () => {
      await deleteTopic(admin);
      log(`deleted ${TOPIC}`);
    });
  }

  await waitForLagBench();
  log(`Redrive: startScan with ${PREDICATE_CEL}, limit ${RECORDS}`);
  const redrive = await redriveScans();
  await waitForLagBench();
  log(`kcat | jq: ${PIPELINE}`);
  const kcat = await kcatScans();
  await waitForLagBench();
  log("first page of the message table on a warm production server");
  const page = await firstPage();

  // ---------------------------------------------------------------- report
  const best = <T>(items: T[], key: (item: T) => number) => items.reduce((a, b) => (key(b) < key(a) ? b : a));
  const r = best(redrive, (x) => x.totalMs);
  const k = best(kcat, (x) => x.totalMs);
  const rRate = rate(r.scanned, r.totalMs);
  const kRate = rate(RECORDS, k.totalMs);
  const ratio = rRate / kRate;
  const rFirst = Math.min(...redrive.map((x) => x.firstMatchMs ?? Infinity));
  const kFirst = Math.min(...kcat.map((x) => x.firstMatchMs ?? Infinity));
  const p50 = percentile(page.samples, 50);
  const p95 = percentile(page.samples, 95);
  const redriveOk = redrive.every((x) => x.scanned === RECORDS && x.matched === EXPECTED_MATCHES);
  const kcatOk = kcat.every((x) => x.matches === EXPECTED_MATCHES);
  const verdict = (ok: boolean) => (ok ? "ok" : "MISSED");
  const lines = [
    "",
    "==================== bench:search results ====================",
    `topic ${TOPIC}: ${RECORDS.toLocaleString("en")} records of ~${RECORD_BYTES} B JSON, ${PARTITIONS} partitions, Spring DLT headers; ` +
      `${fixture.reused ? "reused" : `produced in ${secs(fixture.produceMs)}`}; node ${process.version}, ${os.cpus().length} CPUs`,
    `predicate: CEL \`${PREDICATE_CEL}\` / jq \`${PREDICATE_JQ}\` (${EXPECTED_MATCHES.toLocaleString("en")} matches expected, 1%)`,
    "",
    `scan: Redrive ${fmtRate(rRate)} (first match ${millis(rFirst)}) vs kcat|jq ${fmtRate(kRate)} (first match ${millis(kFirst)}) -> ${ratio.toFixed(2)}x ` +
      `[${verdict(ratio >= 1)} at least as fast] [first match ${verdict(rFirst < AIMS.firstMatchMs)} < ${AIMS.firstMatchMs} ms]`,
    ...redrive.map(
      (x, i) =>
        `    redrive startScan #${i + 1}: ${secs(x.totalMs)}, ${fmtRate(rate(x.scanned, x.totalMs))}, first match ${x.firstMatchMs === null ? "none" : millis(x.firstMatchMs)}, ${x.scanned} scanned, ${x.matched} matched`,
    ),
    ...kcat.map(
      (x, i) => `    kcat | jq #${i + 1}:         ${secs(x.totalMs)}, ${fmtRate(rate(RECORDS, x.totalMs))}, first match ${x.firstMatchMs === null ? "none" : millis(x.firstMatchMs)}, ${x.matches} matched`,
    ),
    `    same result: ${redriveOk && kcatOk ? "yes" : "NO"} (expected ${RECORDS} scanned / ${EXPECTED_MATCHES} matched by both)`,
    "",
    `first page (dlq.kafkaMessages newest, ${PAGE_LIMIT} rows, ${Math.round(page.bytes / 1024)} KiB, admin token): p50 ${millis(p50)}, p95 ${millis(p95)}, max ${millis(Math.max(...page.samples))} ` +
      `(n=${page.samples.length} after ${PAGE_WARMUP} warm-up) [${verdict(p50 < AIMS.pageP50Ms && p95 < AIMS.pageP50Ms)} < ${AIMS.pageP50Ms} ms]`,
    `    first request after server start: ${millis(page.coldMs)}; server startup: ${secs(page.startupMs)}`,
  ];
  if (profile) {
    lines.push("", "profile (whole topic, cumulative stages):");
    for (const s of profile.stages) lines.push(`    ${s.name}: ${secs(s.ms)}, ${fmtRate(rate(s.records, s.ms))}`);
    lines.push("profile (per record, 10,000 records in memory):");
    for (const s of profile.perRecord) lines.push(`    ${s.name}: ${((s.ms * 1000) / s.records).toFixed(2)} us`);
  }
  lines.push("", deleteHint, "===============================================================");
  console.log(lines.join("\n"));
}

runMain(main, "bench:search");
