/**
 * Lag benchmark (npm run bench:lag): builds 200 topics / 5,000 partitions / 300 consumer groups on the local
 * Kafka, then measures (a) one full lag snapshot by Redrive's collector against Kafka's own
 * kafka-consumer-groups tool on the same cluster, and (b) the p95 of the consumer-groups page and a group
 * page of a production server while its collector runs, with the server's memory. Prints ratios measured
 * in this run; exits 0 even when an aim is missed (it is a benchmark, not a test). `--scale` multiplies the shape;
 * `--brokers N` runs everything against a throwaway cluster of N brokers (bench/lag/cluster.ts) instead of the
 * shared broker, for scales one broker cannot hold.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, eq, like, sql } from "drizzle-orm";
import type { Admin } from "kafkajs";
import { ensureFirstAdmin } from "~/server/auth/bootstrap";
import { createApiToken } from "~/server/auth/sessions";
import { KafkaAdapter } from "~/server/brokers/kafka/kafka";
import { configSchema } from "~/server/config/schema";
import { openControlStore, type ControlStore } from "~/server/db/control-store";
import { collectorRuns, kafkaGroupSamples } from "~/server/db/schema";
import { KafkaSampler } from "~/server/jobs/kafka-sampler";
import { partitionLags } from "~/server/lag/kafka-lag";
import { startBenchCluster } from "./cluster";
import { benchKafka, buildFixture, deleteFixture, type Fixture } from "./fixture";
import { parseDescribe, runConsumerGroupsTool, TOOL_CLASS } from "./kafka-tool";
import { installCleanup } from "../common/cleanup";
import { createDatabase, dropDatabase } from "../common/database";
import { ensureBuild, ensureStack, sleep } from "../common/processes";
import { serverEnv, startServer, type RedriveServer } from "../common/redrive-server";
import { millis, secs } from "../common/stats";
import { watchRss } from "./rss";
import { distribution, fmtDist, log, median, timed, type Distribution } from "./stats";

const SHARED_BROKER = process.env.KAFKA_BROKER ?? "127.0.0.1:9092";
const ADMIN_DATABASE_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const PORT = Number(process.env.BENCH_PORT ?? 3210);
const argv = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = argv.indexOf(name);
  const value = at >= 0 ? Number(argv[at + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} needs a positive number`);
  return value;
};
// --scale multiplies topics and groups (25 partitions a topic): --scale 10 is 50,000 partitions and 3,000 groups.
const SCALE = option("--scale", 1);
const SHAPE = { topics: Math.round(200 * SCALE), partitionsPerTopic: 25, groups: Math.round(300 * SCALE), messagesPerPartition: 10 };
// Runs of each snapshot measurement (the Kafka tool takes minutes at large scales).
const RUNS = option("--runs", 3);
// --brokers N: a throwaway cluster of N brokers (bench/lag/cluster.ts) instead of the shared one, for scales
// one broker cannot hold (it keeps an open file per partition).
const BROKERS = argv.includes("--brokers") ? option("--brokers", 1) : 0;
const CLUSTER_PORT = Number(process.env.BENCH_KAFKA_PORT ?? 19191);
const BROKER_HEAP = process.env.BENCH_BROKER_HEAP ?? "1g";
/** Bootstrap servers of the cluster under test: the shared broker, or the bench cluster once started. */
let bootstrap = [SHARED_BROKER];
const PAGE_WINDOW_MS = 60_000;
const PAGE_MAX_REQUESTS = 150;
const CONNECTION = "bench";
const AIMS = { pageP95Ms: 1_500, rssMb: 300 };

const { onCleanup, runMain } = installCleanup(log);

// ---------------------------------------------------------------- helpers

const trpcUrl = (base: string, procedure: string, input: unknown) =>
  `${base}/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;

interface GroupsPage {
  snapshot: { sampledAt: string | null; lastRunAt: string | null };
  total: number;
  rows: { groupId: string }[];
}

async function getJson<T>(url: string, headers: Record<string, string>): Promise<T> {
  const response = await fetch(url, { headers });
  const text = await response.text();
  if (!response.ok) throw new Error(`GET ${url} -> ${response.status}: ${text.slice(0, 300)}`);
  return (JSON.parse(text) as { result: { data: { json: T } } }).result.data.json;
}

/** Time of one request including reading the whole body; throws on a non-2xx status. */
async function timeRequest(url: string, headers: Record<string, string>): Promise<{ ms: number; bytes: number }> {
  const start = performance.now();
  const response = await fetch(url, { headers, redirect: "manual" });
  const body = await response.arrayBuffer();
  const ms = performance.now() - start;
  if (!response.ok) throw new Error(`GET ${url} -> ${response.status}`);
  return { ms, bytes: body.byteLength };
}

/** Polls probe until it gives a value; `fatal` says why waiting on is pointless (a server that exited). */
async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | null>, fatal: () => string | null = () => null): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError = "";
  while (Date.now() < deadline) {
    const reason = fatal();
    if (reason) throw new Error(`while waiting for ${what}: ${reason}`);
    try {
      const value = await probe();
      if (value !== null) return value;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    await sleep(500);
  }
  throw new Error(`timed out waiting for ${what}${lastError ? ` (last error: ${lastError})` : ""}`);
}

// ---------------------------------------------------------------- (a) snapshot: Redrive vs kafka-consumer-groups

interface SnapshotResult {
  sampleMs: number[];
  brokerMs: number[];
  redrive: { groups: number; rows: number; totalLag: number; storedGroups: number; storedLag: number };
  toolDescribeMs: number[];
  toolListMs: number[];
  tool: { groups: number; rows: number; totalLag: number; allRows: number };
  lastSampledAt: Date;
}

async function measureSnapshot(store: ControlStore, fixture: Fixture): Promise<SnapshotResult> {
  const config = configSchema.parse({ kafka: [{ name: CONNECTION, brokers: bootstrap, sampleIntervalSeconds: 5 }] });
  const adapter = new KafkaAdapter(config.kafka[0]!);
  const sampler = new KafkaSampler(store.db, adapter, config.collector);
  const isBench = (groupId: string) => groupId.startsWith(`${fixture.prefix}-`);
  try {
    const sampleMs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const { ms, value } = await timed(() => sampler.sample());
      sampleMs.push(ms);
      log(`redrive full sample #${i + 1}: ${secs(ms)} (${value.groups} groups, ${value.partitions} partitions)`);
    }
    const brokerMs: number[] = [];
    let snapshot = null;
    for (let i = 0; i < RUNS; i++) {
      const { ms, value } = await timed(() => adapter.lagSnapshot(config.collector.concurrency));
      brokerMs.push(ms);
      snapshot = value;
      log(`redrive lagSnapshot (broker part) #${i + 1}: ${secs(ms)}`);
    }
    const lags = partitionLags(snapshot!).filter((l) => isBench(l.groupId) && l.lag !== null);
    const [stored] = await store.db
      .select({
        at: sql<string>`max(${kafkaGroupSamples.sampledAt})::text`,
        n: sql<number>`count(*)::int`,
        lag: sql<number>`coalesce(sum(${kafkaGroupSamples.totalLag}), 0)::bigint`.mapWith(Number),
      })
      .from(kafkaGroupSamples)
      .where(
        and(
          eq(kafkaGroupSamples.connection, CONNECTION),
          like(kafkaGroupSamples.groupId, `${fixture.prefix}-%`),
          sql`${kafkaGroupSamples.sampledAt} = (select max(sampled_at) from kafka_group_samples where connection = ${CONNECTION})`,
        ),
      );

    const toolDescribeMs: number[] = [];
    let described = null;
    for (let i = 0; i < RUNS; i++) {
      const result = await runConsumerGroupsTool(bootstrap, ["--describe", "--all-groups"]);
      if (result.code !== 0) throw new Error(`${TOOL_CLASS} --describe exited with ${result.code}: ${result.stderr.slice(0, 500)}`);
      toolDescribeMs.push(result.ms);
      described = { bench: parseDescribe(result.stdout, isBench), all: parseDescribe(result.stdout, () => true) };
      log(`kafka-consumer-groups --describe --all-groups #${i + 1}: ${secs(result.ms)} (${described.bench.groups.size} bench groups, ${described.all.rows} rows in all)`);
    }
    const toolListMs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const result = await runConsumerGroupsTool(bootstrap, ["--list"]);
      if (result.code !== 0) throw new Error(`${TOOL_CLASS} --list exited with ${result.code}: ${result.stderr.slice(0, 500)}`);
      toolListMs.push(result.ms);
      log(`kafka-consumer-groups --list #${i + 1}: ${secs(result.ms)}`);
    }
    return {
      sampleMs,
      brokerMs,
      redrive: {
        groups: new Set(lags.map((l) => l.groupId)).size,
        rows: lags.length,
        totalLag: lags.reduce((sum, l) => sum + (l.lag ?? 0), 0),
        storedGroups: stored?.n ?? 0,
        storedLag: stored?.lag ?? 0,
      },
      toolDescribeMs,
      toolListMs,
      tool: { groups: described!.bench.groups.size, rows: described!.bench.rows, totalLag: described!.bench.totalLag, allRows: described!.all.rows },
      lastSampledAt: new Date(stored?.at ?? Date.now()),
    };
  } finally {
    await adapter.close();
  }
}

// ---------------------------------------------------------------- (b) pages while the collector runs

interface PagesResult {
  groupsData: Distribution;
  groupData: Distribution;
  lagHtml: Distribution;
  groupHtml: Distribution | null;
  groupHistory: Distribution;
  /** Per visit: HTML + lag.groups. */
  groupsPage: Distribution;
  /** Per visit: HTML (when the route exists) + lag.group + lag.history. */
  groupPage: Distribution;
  groupHtmlStatus: number;
  groupPartitions: number;
  groupId: string;
  snapshotsSeen: number;
  collectorRuns: { n: number; medianMs: number; maxMs: number; failed: number; lastError: string | null };
  rss: { largest: number; largestCommand: string; total: number; samples: number; processes: string[] };
  windowMs: number;
  startupMs: number;
}

async function measurePages(
  server: RedriveServer,
  store: ControlStore,
  fixture: Fixture,
  token: string,
  password: string,
  afterSample: Date,
): Promise<PagesResult> {
  const startup = await timed(() =>
    // The server listens once its collector's first sample is stored: minutes at --scale 10.
    waitFor(
      "the server (GET /sign-in 200)",
      Math.max(120_000, 60_000 * SCALE),
      async () => {
        const response = await fetch(`${server.baseUrl}/sign-in`);
        await response.arrayBuffer();
        return response.status === 200 ? true : null;
      },
      () => (server.child.exitCode !== null || server.child.signalCode !== null ? `server exited (${server.child.exitCode ?? server.child.signalCode}):\n${server.output().slice(-3_000)}` : null),
    ).catch((error: unknown) => {
      throw new Error(`${error instanceof Error ? error.message : String(error)}\nserver output (last lines):\n${server.output().slice(-3_000)}`);
    }),
  );
  log(`server ready in ${secs(startup.ms)}`);
  const rssWatch = watchRss(server.child.pid!);
  const bearer = { authorization: `Bearer ${token}` };
  const groupsInput = { connection: CONNECTION, sortBy: "status", sortDir: "desc", page: 0, pageSize: 50 };
  try {
    const waited = await timed(() =>
      waitFor("the server collector's first sample", Math.max(180_000, 60_000 * SCALE), async () => {
        const page = await getJson<GroupsPage>(trpcUrl(server.baseUrl, "lag.groups", groupsInput), bearer);
        return page.snapshot.sampledAt && new Date(page.snapshot.sampledAt) > afterSample ? page : null;
      }),
    );
    log(`server collector's first sample seen after ${secs(waited.ms)} (${waited.value.total} groups on the page's total)`);

    const signIn = await fetch(`${server.baseUrl}/api/trpc/auth.signIn`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ json: { username: "admin", password } }),
    });
    await signIn.arrayBuffer();
    const cookie = signIn.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    if (!signIn.ok || !cookie) throw new Error(`sign-in failed: ${signIn.status}`);
    const session = { cookie };

    // A group with the most partitions (2-3 topics x 25 = 50-75).
    const [groupId, groupPartitions] = [...fixture.groupPartitions].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]!;
    const groupInput = { connection: CONNECTION, groupId };
    const groupHtmlUrl = `${server.baseUrl}/lag/${CONNECTION}/${encodeURIComponent(groupId)}`;
    const probe = await fetch(groupHtmlUrl, { headers: session, redirect: "manual" });
    await probe.arrayBuffer();
    const groupHtmlStatus = probe.status;
    if (groupHtmlStatus !== 200) log(`GET /lag/${CONNECTION}/<group> -> ${groupHtmlStatus}: no group page route in this build; timing its data only`);

    const samples = {
      groupsData: [] as number[],
      groupData: [] as number[],
      groupHistory: [] as number[],
      lagHtml: [] as number[],
      groupHtml: [] as number[],
      groupsPage: [] as number[],
      groupPage: [] as number[],
    };
    const historyInput = { connection: CONNECTION, groupId, range: "1h" };
    const seen = new Set<string>();
    const windowStart = Date.now();
    const started = new Date();
    for (let i = 0; i < PAGE_MAX_REQUESTS && Date.now() - windowStart < PAGE_WINDOW_MS; i++) {
      // Consumer-groups page: its HTML, then the data its table asks for.
      const lagHtml = (await timeRequest(`${server.baseUrl}/lag?connection=${CONNECTION}`, session)).ms;
      const groupsStart = performance.now();
      const page = await getJson<GroupsPage>(trpcUrl(server.baseUrl, "lag.groups", groupsInput), bearer);
      const groupsData = performance.now() - groupsStart;
      if (page.rows.length === 0) throw new Error("lag.groups returned no rows");
      if (page.snapshot.sampledAt) seen.add(page.snapshot.sampledAt);
      samples.lagHtml.push(lagHtml);
      samples.groupsData.push(groupsData);
      samples.groupsPage.push(lagHtml + groupsData);
      // Group page: its HTML (when the route exists), the group's partitions and its history chart.
      const groupHtml = groupHtmlStatus === 200 ? (await timeRequest(groupHtmlUrl, session)).ms : 0;
      const groupData = (await timeRequest(trpcUrl(server.baseUrl, "lag.group", groupInput), bearer)).ms;
      const groupHistory = (await timeRequest(trpcUrl(server.baseUrl, "lag.history", historyInput), bearer)).ms;
      if (groupHtmlStatus === 200) samples.groupHtml.push(groupHtml);
      samples.groupData.push(groupData);
      samples.groupHistory.push(groupHistory);
      samples.groupPage.push(groupHtml + groupData + groupHistory);
      await sleep(200);
    }
    const windowMs = Date.now() - windowStart;
    const runs = await store.db
      .select({ ok: collectorRuns.ok, durationMs: collectorRuns.durationMs, error: collectorRuns.error })
      .from(collectorRuns)
      .where(and(eq(collectorRuns.connectionKind, "kafka"), eq(collectorRuns.connection, CONNECTION), sql`${collectorRuns.startedAt} >= ${started}`));
    const rss = rssWatch.stop();
    return {
      groupsData: distribution(samples.groupsData),
      groupData: distribution(samples.groupData),
      lagHtml: distribution(samples.lagHtml),
      groupHtml: samples.groupHtml.length ? distribution(samples.groupHtml) : null,
      groupHistory: distribution(samples.groupHistory),
      groupsPage: distribution(samples.groupsPage),
      groupPage: distribution(samples.groupPage),
      groupHtmlStatus,
      groupPartitions,
      groupId,
      snapshotsSeen: seen.size,
      collectorRuns: {
        n: runs.length,
        medianMs: runs.length ? median(runs.map((r) => r.durationMs)) : Number.NaN,
        maxMs: runs.length ? Math.max(...runs.map((r) => r.durationMs)) : Number.NaN,
        failed: runs.filter((r) => !r.ok).length,
        lastError: runs.findLast((r) => !r.ok)?.error ?? null,
      },
      rss,
      windowMs,
      startupMs: startup.ms,
    };
  } finally {
    rssWatch.stop();
  }
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  log("ensuring the local stack is up");
  await ensureStack(log);
  await ensureBuild(log);
  const loadBefore = os.loadavg();
  log(`load average ${loadBefore.map((l) => l.toFixed(2)).join(" ")}`);

  const partitions = SHAPE.topics * SHAPE.partitionsPerTopic;
  let cluster = null;
  if (BROKERS > 0) {
    log(`starting a bench cluster: 1 controller + ${BROKERS} brokers (heap ${BROKER_HEAP} each) on ports ${CLUSTER_PORT}-${CLUSTER_PORT + BROKERS}`);
    cluster = await startBenchCluster({ brokers: BROKERS, basePort: CLUSTER_PORT, partitions, brokerHeap: BROKER_HEAP }, log);
    onCleanup("stop bench cluster", cluster.stop);
    bootstrap = cluster.bootstrap;
  } else if (partitions > 14_000) {
    log(`warning: ${partitions} partitions on the shared single broker; it keeps an open file per partition (see \`ulimit -n\`): use --brokers 3 or more above ~14,000`);
  }

  const id = Date.now().toString(36);
  const prefix = `bench-${id}`;
  const dbName = `redrive_bench_${id}`;
  const kafka = benchKafka(bootstrap);
  const admin: Admin = kafka.admin();
  await admin.connect();
  onCleanup("disconnect admin", () => admin.disconnect());
  // The bench cluster goes away whole: deleting 50,000 partitions one by one first would only cost time.
  if (!cluster) onCleanup("delete fixture", () => deleteFixture(admin, prefix));

  log(`building the fixture with prefix ${prefix}: ${SHAPE.topics} topics x ${SHAPE.partitionsPerTopic} partitions, ${SHAPE.groups} groups`);
  const fixture = await buildFixture(kafka, admin, prefix, SHAPE, bootstrap);
  log(`fixture built in ${secs(fixture.timings.totalMs)}`);
  const leaders = cluster ? await cluster.leaders() : null;
  const spread = leaders ? [...leaders].sort((a, b) => a[0] - b[0]).map(([broker, n]) => `broker ${broker}: ${n}`).join(", ") : null;
  if (spread) log(`partition leaders: ${spread}`);

  const databaseUrl = await createDatabase(ADMIN_DATABASE_URL, dbName);
  onCleanup("drop database", () => dropDatabase(ADMIN_DATABASE_URL, dbName, log));
  const store = await openControlStore({ databaseUrl });
  onCleanup("close store", () => store.close());

  log("(a) lag snapshot: Redrive's collector vs kafka-consumer-groups");
  const snap = await measureSnapshot(store, fixture);

  log("(b) pages of a production server while its collector runs");
  const password = `bench-${id}-password`;
  await ensureFirstAdmin(store.db, { REDRIVE_ADMIN_PASSWORD: password });
  const { token } = await createApiToken(store.db, { name: "bench", role: "viewer", createdBy: null, expiresAt: null });
  const tmp = mkdtempSync(path.join(os.tmpdir(), "redrive-bench-"));
  onCleanup("remove temp dir", () => rmSync(tmp, { recursive: true, force: true }));
  const configPath = path.join(tmp, "redrive.yaml");
  writeFileSync(configPath, `kafka:\n  - name: ${CONNECTION}\n    brokers: ${JSON.stringify(bootstrap)}\n    sampleIntervalSeconds: 5\nsqs: []\ndatabases: []\n`);
  await ensureBuild(log); // again: a build by another process may have started meanwhile
  const server = startServer(PORT, serverEnv(configPath, databaseUrl, password), log);
  onCleanup("stop server", () => server.stop());
  const pages = await measurePages(server, store, fixture, token, password, snap.lastSampledAt);
  await server.stop();
  const loadAfter = os.loadavg();

  // ---------------------------------------------------------------- report
  const redriveMs = median(snap.sampleMs);
  const brokerMs = median(snap.brokerMs);
  const toolMs = median(snap.toolDescribeMs);
  const listMs = median(snap.toolListMs);
  const ratio = toolMs / redriveMs;
  const same =
    snap.redrive.groups === snap.tool.groups && snap.redrive.rows === snap.tool.rows && snap.redrive.totalLag === snap.tool.totalLag;
  const verdict = (ok: boolean) => (ok ? "ok" : "MISSED");
  const lines = [
    "",
    "==================== bench:lag results ====================",
    `cluster: ${SHAPE.topics} topics, ${SHAPE.topics * SHAPE.partitionsPerTopic} partitions, ${SHAPE.groups} groups (${fixture.expectedRows} committed partition rows, ${SHAPE.messagesPerPartition} msgs/partition); node ${process.version}, ${os.cpus().length} CPUs`,
    `kafka: ${cluster ? `bench cluster of ${BROKERS} brokers + 1 controller (heap ${BROKER_HEAP} each), partition leaders ${spread}` : `shared broker ${SHARED_BROKER}`}; ` +
      `load average ${loadBefore.map((l) => l.toFixed(2)).join(" ")} before, ${loadAfter.map((l) => l.toFixed(2)).join(" ")} after`,
    `fixture: ${secs(fixture.timings.totalMs)} (create topics ${secs(fixture.timings.createTopicsMs)}, produce ${secs(fixture.timings.produceMs)}, commit offsets ${secs(fixture.timings.commitMs)})`,
    "",
    `(a) lag snapshot: redrive ${secs(redriveMs)} (broker part ${secs(brokerMs)}) vs kafka-consumer-groups ${secs(toolMs)} (JVM+connect ~${secs(listMs)}) -> ${ratio.toFixed(1)}x ${ratio >= 1 ? "faster" : "SLOWER"} [${verdict(ratio > 1)}]`,
    `    redrive full sample (KafkaSampler.sample, stores to Postgres): ${snap.sampleMs.map(secs).join(", ")}`,
    `    redrive broker part (KafkaAdapter.lagSnapshot):                ${snap.brokerMs.map(secs).join(", ")}`,
    `    kafka-consumer-groups --describe --all-groups (JVM included):  ${snap.toolDescribeMs.map(secs).join(", ")}`,
    `    kafka-consumer-groups --list (JVM start + connect estimate):   ${snap.toolListMs.map(secs).join(", ")}`,
    `    tool minus --list: ${secs(toolMs - listMs)} -> ${((toolMs - listMs) / redriveMs).toFixed(1)}x redrive's full sample, ${((toolMs - listMs) / brokerMs).toFixed(1)}x its broker part`,
    `    same result: ${same ? "yes" : "NO"} - redrive ${snap.redrive.groups} groups / ${snap.redrive.rows} partition rows / total lag ${snap.redrive.totalLag}; ` +
      `tool ${snap.tool.groups} / ${snap.tool.rows} / ${snap.tool.totalLag}; fixture ${SHAPE.groups} / ${fixture.expectedRows} / ${fixture.expectedLag}; ` +
      `stored group rows ${snap.redrive.storedGroups}, stored total lag ${snap.redrive.storedLag}`,
    "",
    `(b) consumer-groups page p95 ${millis(pages.groupsPage.p95)} [${verdict(pages.groupsPage.p95 < AIMS.pageP95Ms)} < ${AIMS.pageP95Ms}]` +
      ` ; group page p95 ${millis(pages.groupPage.p95)} [${verdict(pages.groupPage.p95 < AIMS.pageP95Ms)} < ${AIMS.pageP95Ms}]` +
      ` ; server RSS max ${Math.round(pages.rss.largest)} MB [${verdict(pages.rss.largest < AIMS.rssMb)} < ${AIMS.rssMb}]`,
    `    consumer-groups page (HTML + lag.groups, per visit): ${fmtDist(pages.groupsPage)}`,
    `    group page (${pages.groupHtml ? "HTML + " : ""}lag.group + lag.history 1h, per visit): ${fmtDist(pages.groupPage)}`,
    `    lag.groups (page 0, 50 rows, status desc): ${fmtDist(pages.groupsData)}`,
    `    lag.group (${pages.groupId}, ${pages.groupPartitions} partitions): ${fmtDist(pages.groupData)}`,
    `    lag.history (same group, 1h): ${fmtDist(pages.groupHistory)}`,
    `    GET /lag?connection=${CONNECTION} HTML (signed in): ${fmtDist(pages.lagHtml)}`,
    pages.groupHtml
      ? `    GET /lag/${CONNECTION}/<group> HTML: ${fmtDist(pages.groupHtml)}`
      : `    GET /lag/${CONNECTION}/<group> HTML: status ${pages.groupHtmlStatus} (no such route in this build), not timed`,
    `    window ${secs(pages.windowMs)}; distinct snapshots seen by the pages: ${pages.snapshotsSeen}; server collector runs in the window: ${pages.collectorRuns.n}` +
      ` (median ${millis(pages.collectorRuns.medianMs)}, max ${millis(pages.collectorRuns.maxMs)}, failed ${pages.collectorRuns.failed}${pages.collectorRuns.lastError ? `: ${pages.collectorRuns.lastError}` : ""})`,
    `    RSS: largest process max ${pages.rss.largest.toFixed(0)} MB (${pages.rss.largestCommand}); whole process tree max ${pages.rss.total.toFixed(0)} MB; ${pages.rss.samples} samples`,
    `    server processes: ${pages.rss.processes.join(" | ")}`,
    `    server startup to GET /sign-in 200: ${secs(pages.startupMs)}`,
    "===========================================================",
  ];
  console.log(lines.join("\n"));
}

runMain(main, "bench:lag");
