/**
 * Alerts benchmark (npm run bench:alerts): R rules over G consumer groups (P partitions) and their DLQs in a
 * throw-away control store. Measures (a) one live evaluation round of every rule, as a share of the
 * collector's round (COLLECTOR_ROUND_MS, from bench:lag; otherwise of the 15 s sample interval), and
 * (b) sample -> webhook arrival through the real path (round, pg-boss job, signed POST), p95.
 * Full scale: 500 rules, 5,000 partitions, 300 groups. BENCH_SCALE=0.1 runs a tenth of it.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { loadavg } from "node:os";
import { evaluateRound } from "~/server/alerts/engine";
import { createChannel } from "~/server/alerts/notify/channels";
import { scheduleNotifications } from "~/server/alerts/notify/dispatch";
import { createRule } from "~/server/alerts/rules";
import { notifyDeps } from "~/server/alerts/service";
import type { RuleSpecInput } from "~/server/alerts/types";
import { configSchema } from "~/server/config/schema";
import { buildConnections } from "~/server/connections/registry";
import { openControlStore } from "~/server/db/control-store";
import { kafkaDlqSamples, kafkaGroupSamples } from "~/server/db/schema";
import { openJobQueue } from "~/server/jobs/job-queue";
import { startJobWorkers } from "~/server/jobs/workers";
import { installCleanup } from "../common/cleanup";
import { createDatabase, dropDatabase } from "../common/database";
import { logger, millis, percentile } from "../common/stats";

const log = logger("bench:alerts");
const { onCleanup, runMain } = installCleanup(log);
const ADMIN_DATABASE_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const SHAPE = { rules: Math.round(500 * SCALE), groups: Math.round(300 * SCALE), partitions: Math.round(5_000 * SCALE) };
const ROUNDS = 10;
const LATENCY_SAMPLES = Number(process.env.BENCH_LATENCY_SAMPLES ?? 20);
const INTERVAL_MS = 15_000;
const COLLECTOR_ROUND_MS = process.env.COLLECTOR_ROUND_MS ? Number(process.env.COLLECTOR_ROUND_MS) : null;
const AIMS = { roundShare: 0.1, p95Ms: 2_000 };

const signalsMix: Pick<RuleSpecInput, "signal" | "condition" | "forSeconds">[] = [
  { signal: "consumer_status", condition: { op: "in", values: ["STOP", "STALL"] }, forSeconds: 120 },
  { signal: "consumer_lag", condition: { op: "gt", threshold: 5_000 }, forSeconds: 60 },
  { signal: "consumer_lag_seconds", condition: { op: "gt", threshold: 300 }, forSeconds: 60 },
  { signal: "consumer_lag_growth", condition: { op: "gt", threshold: 10 }, forSeconds: 0 },
  { signal: "dlq_depth", condition: { op: "gt", threshold: 100 }, forSeconds: 0 },
  { signal: "dlq_growth", condition: { op: "gt", threshold: 0 }, forSeconds: 0 },
];

async function main() {
  const name = `redrive_bench_alerts_${Date.now().toString(36)}`;
  const url = await createDatabase(ADMIN_DATABASE_URL, name);
  onCleanup("database", () => dropDatabase(ADMIN_DATABASE_URL, name, log));
  const store = await openControlStore({ databaseUrl: url });
  onCleanup("store", () => store.close());
  const connections = buildConnections(configSchema.parse({}));
  const db = store.db;
  const load = () => `load average ${loadavg().map((l) => l.toFixed(2)).join(", ")}`;
  log(`shape: ${SHAPE.rules} rules, ${SHAPE.groups} groups, ${SHAPE.partitions} partitions (scale ${SCALE})`);

  const perGroup = Math.max(1, Math.round(SHAPE.partitions / SHAPE.groups));
  const dlqs = Math.max(1, Math.round(SHAPE.groups / 10));
  const start = Date.now() - 10 * 60_000;
  const insertRound = async (at: number, i: number) => {
    await db.insert(kafkaGroupSamples).values(
      Array.from({ length: SHAPE.groups }, (_, g) => ({
        connection: "bench",
        groupId: `group-${g}`,
        sampledAt: new Date(at),
        state: "Stable",
        protocolType: "consumer",
        protocol: "range",
        members: 2,
        topics: [`topic-${g}`],
        totalLag: (g * 37 + i * 11) % 9_000,
        maxLag: perGroup,
        maxLagSeconds: (g * 13 + i) % 600,
        status: g % 50 === 0 ? "STALL" : "OK",
      })),
    );
    await db.insert(kafkaDlqSamples).values(Array.from({ length: dlqs }, (_, d) => ({ connection: "bench", topic: `topic-${d}.DLQ`, sampledAt: new Date(at), retainedMessages: d * 10 + i })));
  };
  for (let i = 0; i < 40; i++) await insertRound(start + i * INTERVAL_MS, i); // 10 min of history
  for (let r = 0; r < SHAPE.rules; r++) {
    const mix = signalsMix[r % signalsMix.length]!;
    await createRule(db, { ...mix, name: `rule-${r}`, scope: { names: [r % 3 === 0 ? "*" : `group-${r % 10}*`] } } as RuleSpecInput, "bench");
  }

  const ctx = { db, connections };
  const rounds: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const at = Date.now();
    await insertRound(at, 40 + i);
    const result = await evaluateRound(ctx, { now: at + 1, staleAfterMs: 60_000 });
    rounds.push(result.durationMs);
    const { read, plan, save } = result.phasesMs;
    log(`round ${i + 1}: ${millis(result.durationMs)} (read ${millis(read)}, plan ${millis(plan)}, save ${millis(save)}), ${result.transitions.length} state changes`);
  }
  const roundP50 = percentile(rounds, 50);
  const base = COLLECTOR_ROUND_MS ?? INTERVAL_MS;
  const share = roundP50 / base;
  log(`during the rounds: ${load()}`);
  log(`evaluation per round: p50 ${millis(roundP50)}, max ${millis(Math.max(...rounds))} = ${(share * 100).toFixed(1)} % of ${COLLECTOR_ROUND_MS ? "the collector round" : "the 15 s sample interval (set COLLECTOR_ROUND_MS for the collector round)"} (aim < ${AIMS.roundShare * 100} %)`);

  // Sample -> webhook: a fresh group per sample goes STOP; the round, the pg-boss job and the POST follow.
  const arrivals = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { alerts: { status: string; labels: Record<string, string> }[] };
      for (const a of body.alerts) if (a.status === "firing" && !arrivals.has(a.labels.group!)) arrivals.set(a.labels.group!, Date.now());
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onCleanup("receiver", () => new Promise<void>((resolve) => server.close(() => resolve())));
  const hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  await createChannel(db, "bench", { kind: "webhook", settings: { groupWaitSeconds: 0, groupIntervalSeconds: 1, groupBy: ["group"] }, secrets: { url: hookUrl, signingSecret: "bench-signing-secret-0123" } }, "bench");
  await createRule(db, { name: "latency", signal: "consumer_status", scope: { names: ["latency-*"] }, condition: { op: "in", values: ["STOP"] }, channels: ["bench"] }, "bench");
  const queue = await openJobQueue(store);
  onCleanup("queue", () => queue.stop());
  await startJobWorkers({ db, connections, queue });
  const deps = notifyDeps(db, connections, async () => queue);
  const latencies: number[] = [];
  const parts = { round: [] as number[], schedule: [] as number[], delivery: [] as number[] };
  log(`before the latency samples: ${load()}`);
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    const group = `latency-${i}`;
    const sampledAt = Date.now();
    await db.insert(kafkaGroupSamples).values({ connection: "bench", groupId: group, sampledAt: new Date(sampledAt), state: "Empty", protocolType: "consumer", protocol: "", members: 0, topics: ["t"], totalLag: 3, maxLag: 3, status: "STOP" });
    const result = await evaluateRound(ctx, { now: sampledAt + 1, staleAfterMs: 60_000 });
    const evaluated = Date.now();
    await scheduleNotifications(deps, result.transitions);
    const scheduled = Date.now();
    const deadline = Date.now() + 30_000;
    while (!arrivals.has(group) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    if (!arrivals.has(group)) throw new Error(`no webhook for ${group} within 30 s`);
    latencies.push(arrivals.get(group)! - sampledAt);
    parts.round.push(evaluated - sampledAt);
    parts.schedule.push(scheduled - evaluated);
    parts.delivery.push(arrivals.get(group)! - scheduled);
  }
  const p95 = percentile(latencies, 95);
  log(`sample -> webhook: p50 ${millis(percentile(latencies, 50))}, p95 ${millis(p95)}, max ${millis(Math.max(...latencies))} (n=${latencies.length}; aim p95 < ${AIMS.p95Ms} ms)`);
  const p = (xs: number[]) => `p50 ${millis(percentile(xs, 50))}, p95 ${millis(percentile(xs, 95))}`;
  log(`  where the time goes: evaluation round ${p(parts.round)}; scheduling the job ${p(parts.schedule)}; job pick-up + flush + POST ${p(parts.delivery)}`);
  log(`after: ${load()} (2 cores shared with other work: figures vary with it)`);
  log(`includes one full evaluation round of all ${SHAPE.rules + 1} rules per sample; excludes the wait for the next collector round`);
}

runMain(main, "bench:alerts");
