/**
 * Hostile filter benchmark (npm run bench:filters): a production `next start` of Redrive; N simulated users
 * call ordinary API procedures (DLQ list, a page of messages, saved filters, scan status) in a loop, first
 * alone, then while a hostile user keeps running the worst filters the checks let through (nested .all()
 * over payload arrays, a catastrophic regular expression) on a DLQ whose records carry long arrays. Prints
 * the other users' p50/p95 in both phases (aim: p95 < 200 ms with the hostile filter), then the filter
 * throughput on ~1 KiB JSON records (msg/s). A benchmark, not a test: exits 0 even when the aim is missed.
 *
 *   npm run bench:filters                         # 8 users, 20 s per phase, 20,000 records for throughput
 *   npm run bench:filters -- --users 4 --seconds 5 --records 5000     # small scale
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { ensureFirstAdmin } from "~/server/auth/bootstrap";
import { createApiToken } from "~/server/auth/sessions";
import { openControlStore } from "~/server/db/control-store";
import { installCleanup } from "../common/cleanup";
import { createDatabase, dropDatabase } from "../common/database";
import { ensureBuild, sleep } from "../common/processes";
import { serverEnv, startServer, waitReady } from "../common/redrive-server";
import { logger, millis, percentile } from "../common/stats";
import { benchKafka } from "../dlq-search/fixture";
import { filterThroughput, retried } from "./throughput";

const log = logger("bench:filters");
const BROKER = process.env.KAFKA_BROKER ?? "127.0.0.1:9092";
const ADMIN_DATABASE_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const PORT = Number(process.env.BENCH_FILTERS_PORT ?? 3117);
const CONNECTION = "bench";
const AIM_P95_MS = 200;
const { values: options } = parseArgs({
  options: { users: { type: "string", default: "8" }, seconds: { type: "string", default: "20" }, records: { type: "string", default: "20000" } },
});
const USERS = Number(options.users);
const PHASE_MS = Number(options.seconds) * 1000;
const HOSTILE_FILTERS = [
  // Passes the cost check (payload arrays are assumed to hold 100 items) but each record holds 5,000.
  "record.value.items.all(a, record.value.items.all(b, a != -1))",
  // Catastrophic for a backtracking engine; linear on RE2.
  'record.valueAsText.matches("(a+)+$") || record.keyAsText.matches("(x+x+)+y")',
];

const { onCleanup, runMain } = installCleanup(log);

async function hostileTopic(topic: string): Promise<void> {
  const kafka = benchKafka(BROKER);
  const admin = kafka.admin();
  const producer = kafka.producer();
  await Promise.all([admin.connect(), producer.connect()]);
  onCleanup("delete hostile topic", async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });
  await retried(() => admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] }));
  const items = Array.from({ length: 5_000 }, (_, i) => i);
  const messages = Array.from({ length: 40 }, (_, i) => ({ key: `${"x".repeat(5_000)}-${i}`, value: JSON.stringify({ items, text: "a".repeat(5_000) }) }));
  await retried(() => producer.send({ topic, messages }));
  await producer.disconnect();
}

interface Client {
  baseUrl: string;
  token: string;
}

async function trpc(client: Client, procedure: string, kind: "query" | "mutation", input?: unknown): Promise<{ status: number; body: unknown }> {
  const headers = { authorization: `Bearer ${client.token}`, "content-type": "application/json" };
  const serialized = input === undefined ? undefined : JSON.stringify({ json: input });
  const url = `${client.baseUrl}/api/trpc/${procedure}${kind === "query" && serialized ? `?input=${encodeURIComponent(serialized)}` : ""}`;
  const response = await fetch(url, kind === "query" ? { headers } : { method: "POST", headers, body: serialized ?? "{}" });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : null };
}

/** One simulated user: ordinary procedures one after another until `until`; returns each call's latency. */
async function user(client: Client, topic: string, until: number): Promise<number[]> {
  const calls: [string, unknown][] = [
    ["dlq.list", undefined],
    ["dlq.kafkaMessages", { connection: CONNECTION, topic, order: "newest", limit: 20 }],
    ["dlq.filters.list", undefined],
    ["connections.list", undefined],
  ];
  const samples: number[] = [];
  for (let i = 0; Date.now() < until; i++) {
    const [procedure, input] = calls[i % calls.length]!;
    const start = performance.now();
    const { status } = await trpc(client, procedure, "query", input);
    if (status !== 200) throw new Error(`${procedure} answered ${status}`);
    samples.push(performance.now() - start);
    await sleep(50);
  }
  return samples;
}

/** The hostile user: keeps its allowed share of hostile scans running until `until`; counts how they ended. */
async function hostile(client: Client, topic: string, until: number): Promise<Map<string, number>> {
  const outcomes = new Map<string, number>();
  const running = new Set<string>();
  for (let i = 0; Date.now() < until; i++) {
    const started = await trpc(client, "dlq.scan.start", "mutation", { kind: "kafka", connection: CONNECTION, dlq: topic, expression: HOSTILE_FILTERS[i % HOSTILE_FILTERS.length], limit: 10 });
    const id = (started.body as { result?: { data: { json: { id: string } } } }).result?.data.json.id;
    if (id) running.add(id);
    else outcomes.set(`refused ${started.status}`, (outcomes.get(`refused ${started.status}`) ?? 0) + 1);
    for (const scan of [...running]) {
      const status = await trpc(client, "dlq.scan.status", "query", { id: scan });
      const state = (status.body as { result?: { data: { json: { status: string; error: string | null; scanned?: number } } } }).result?.data.json;
      if (state && state.status !== "running") {
        running.delete(scan);
        // A scan that ends "done" says how many records it read (a hostile filter that read nothing proves nothing).
        const key = state.error ? `${state.status}: ${state.error.slice(0, 60)}…` : `${state.status} (${state.scanned ?? "?"} records read)`;
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      }
    }
    await sleep(200);
  }
  for (const scan of running) await trpc(client, "dlq.scan.cancel", "mutation", { id: scan });
  return outcomes;
}

async function phase(name: string, clients: Client[], hostileClient: Client | null, topic: string): Promise<number[]> {
  const until = Date.now() + PHASE_MS;
  const [outcomes, ...perUser] = await Promise.all([hostileClient ? hostile(hostileClient, topic, until) : Promise.resolve(null), ...clients.map((c) => user(c, topic, until))]);
  const samples = perUser.flat();
  log(`${name}: ${samples.length} calls by ${clients.length} users, p50 ${millis(percentile(samples, 50))}, p95 ${millis(percentile(samples, 95))}, max ${millis(Math.max(...samples))}`);
  if (outcomes) log(`${name}: hostile scans ${[...outcomes].map(([k, v]) => `${v}× ${k}`).join("; ") || "none finished"}`);
  return samples;
}

async function main(): Promise<void> {
  const id = Date.now().toString(36);
  const topic = `bench-filters-hostile-${id}.DLQ`;
  const dbName = `redrive_bench_filters_${id}`;
  const databaseUrl = await createDatabase(ADMIN_DATABASE_URL, dbName);
  onCleanup("drop database", () => dropDatabase(ADMIN_DATABASE_URL, dbName, log));
  const password = `bench-filters-${id}`;
  const store = await openControlStore({ databaseUrl });
  const tokens: string[] = [];
  try {
    await ensureFirstAdmin(store.db, { REDRIVE_ADMIN_PASSWORD: password });
    for (let i = 0; i <= USERS; i++) tokens.push((await createApiToken(store.db, { name: `bench-user-${i}`, role: "viewer", createdBy: null, expiresAt: null })).token);
  } finally {
    await store.close();
  }
  await hostileTopic(topic);

  const tmp = mkdtempSync(path.join(os.tmpdir(), "redrive-bench-filters-"));
  onCleanup("remove temp dir", () => rmSync(tmp, { recursive: true, force: true }));
  const configPath = path.join(tmp, "redrive.yaml");
  writeFileSync(configPath, `kafka:\n  - name: ${CONNECTION}\n    brokers: ["${BROKER}"]\nsqs: []\ndatabases: []\n`);
  await ensureBuild(log);
  const server = startServer(PORT, serverEnv(configPath, databaseUrl, password), log);
  onCleanup("stop server", () => server.stop());
  await waitReady(server);
  log(`server ready on ${server.baseUrl}; ${USERS} users, ${PHASE_MS / 1000} s per phase, os.availableParallelism() = ${os.availableParallelism()}`);

  const clients = tokens.slice(1).map((token) => ({ baseUrl: server.baseUrl, token }));
  const hostileClient = { baseUrl: server.baseUrl, token: tokens[0]! };
  await phase("warm-up", clients.slice(0, 1), null, topic);
  const quiet = await phase("without the hostile filter", clients, null, topic);
  const loud = await phase("with the hostile filter", clients, hostileClient, topic);
  const p95 = percentile(loud, 95);
  log(`other users' p95: ${millis(percentile(quiet, 95))} without, ${millis(p95)} with the hostile filter (aim < ${AIM_P95_MS} ms): ${p95 < AIM_P95_MS ? "met" : "MISSED"}`);
  await server.stop();

  const runs = await filterThroughput(BROKER, Number(options.records), 3, log);
  const best = Math.max(...runs.map((r) => r.perSecond));
  log(`filter throughput (bench:search's predicate, ~1 KiB JSON, in this process's worker pool): best of 3 ${best} msg/s`);
}

runMain(main, "bench:filters");
