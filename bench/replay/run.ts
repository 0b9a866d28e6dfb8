/**
 * Replay benchmark (npm run bench:replay), issue #6 part 7: Redrive's bulk replay engine (dry run, then the
 * pg-boss job over a fresh Postgres control store) against, in the same run and on the same brokers:
 *   Kafka: 100,000 x 1 KiB Spring-DLT records, a CEL filter matching half; Kafka's own producer-perf-test
 *          producing as many records of the same size (acks=all, idempotent), and a naive one-at-a-time
 *          kafkajs replayer (measured on a subset, extrapolated).
 *   SQS (ElasticMQ): 10,000 dead letters (moved by a RedrivePolicy), filter matching half; the naive
 *          receive-one / send / delete loop (subset, extrapolated) and SQS's own StartMessageMoveTask.
 * Verifies that every target holds exactly the matched messages. Prints ratios measured in this run and
 * exits 0 even when an aim is missed (a benchmark, not a test).
 *
 *   npm run bench:replay
 *   npm run bench:replay -- --scale 0.1     # a tenth of every count, for a quick try
 *   RabbitMQ: 10,000 dead letters (x-death), filter matching half; the naive basic.get / publish / confirm / ack
 *          loop (subset, extrapolated) and a dynamic shovel (bench/replay/rabbitmq-section.ts).
 *   npm run bench:replay -- --kafka-only | --sqs-only | --rabbitmq-only
 *   npm run bench:replay -- --profile       # where the replay jobs' time goes (broker calls, control store, CPU)
 */
import os from "node:os";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { drizzle } from "drizzle-orm/node-postgres";
import type { Admin } from "kafkajs";
import pg from "pg";
import { configSchema } from "~/server/config/schema";
import { buildConnections, closeConnections, type Connections } from "~/server/connections/registry";
import { openControlStore, type ControlDb, type ControlStore } from "~/server/db/control-store";
import * as schema from "~/server/db/schema";
import { takeSqsSnapshot } from "~/server/dlq/sqs-snapshot";
import { openJobQueue, type JobQueue } from "~/server/jobs/job-queue";
import { startJobWorkers } from "~/server/jobs/workers";
import { installCleanup } from "../common/cleanup";
import { createDatabase, dropDatabase } from "../common/database";
import { ensureStack, otherProcesses, sleep } from "../common/processes";
import { secs } from "../common/stats";
import { runReplayJob, type EngineRun } from "./engine";
import { Profiler } from "./profile";
import { rabbitBench, rabbitReport } from "./rabbitmq-section";
import { naiveKafkaReplay, PERF_CLASS, producerPerfTest, type NaiveRun, type PerfTestRun } from "./kafka-baselines";
import { benchKafka, createTopic, deleteTopics, KAFKA_PARTITIONS, KAFKA_RECORDS, RECORD_BYTES, seedDlq, topicRecords } from "./kafka-fixture";
import {
  benchSqsClient,
  createQueuePair,
  deleteQueuePair,
  moveTask,
  naiveSqsReplay,
  rawBatchCeiling,
  queueCounts,
  seedDlq as seedSqsDlq,
  SQS_BODY_BYTES,
  SQS_RECORDS,
  type CeilingRun,
  type MoveTaskRun,
  type NaiveSqsRun,
  type QueuePair,
} from "./sqs";
import { fmtCount, fmtRate, log, rate, timed, waitUntil } from "./util";

const BROKER = process.env.KAFKA_BROKER ?? "127.0.0.1:9092";
const SQS_ENDPOINT = process.env.SQS_ENDPOINT ?? "http://localhost:9324";
const RABBITMQ_URL = process.env.RABBITMQ_URL ?? "amqp://guest:guest@127.0.0.1:5672";
const RABBITMQ_MANAGEMENT_URL = process.env.RABBITMQ_MANAGEMENT_URL ?? "http://127.0.0.1:15672";
const ADMIN_DATABASE_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const CONNECTION = "bench";
/** The CEL filter (server/dlq/filter.ts variables): `record.value` is the parsed JSON payload. */
const FILTER = "record.value.customer.tier == 'gold'";
const KAFKA_OPTIONS = { canarySize: 0, ratePerSecond: null, batchSize: 1000 };
const SQS_OPTIONS = { canarySize: 0, batchSize: 500 };
const AIMS = { kafkaVsPerfTest: 0.5, kafkaVsNaive: 20, sqsVsNaive: 10 };

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(name);
const scaleArg = argv.indexOf("--scale");
const SCALE = scaleArg >= 0 ? Number(argv[scaleArg + 1]) : 1;
if (!(SCALE > 0 && SCALE <= 1)) throw new Error("--scale takes a number in (0, 1]");
const scaled = (n: number, step = 10) => Math.max(step, Math.round((n * SCALE) / step) * step);
const COUNTS = {
  kafka: scaled(KAFKA_RECORDS, 1000),
  kafkaNaive: scaled(2_000),
  sqs: scaled(SQS_RECORDS),
  sqsNaiveDlq: scaled(2_000),
  sqsNaive: scaled(1_000),
};

const { onCleanup, runMain } = installCleanup(log);

/** What the engine runs need: the store, a separate connection to poll the job row on, the queue, the adapters. */
interface Engine {
  store: ControlStore;
  pollDb: ControlDb;
  queue: JobQueue;
  connections: Connections;
  profiler: Profiler | null;
}

/** Where --profile writes the CPU profile of a replay job (bench/.cache is gitignored). */
function profileFile(kind: string): string {
  mkdirSync("bench/.cache", { recursive: true });
  return `bench/.cache/replay-${kind}-${new Date().toISOString().replace(/[:.]/g, "-")}.cpuprofile`;
}

const progress = (row: { state: string; stateReason: string | null; done: number; total: number; rate: number | null }) =>
  log(`  job ${row.state}: ${fmtCount(row.done)}/${fmtCount(row.total)} done${row.rate ? `, ${fmtRate(row.rate)}` : ""}${row.stateReason ? ` (${row.stateReason})` : ""}`);

/** The line about time the job spent waiting for its broker, when it did. */
const waitingLine = (r: EngineRun) =>
  r.waitingMs > 0
    ? [
        `                       WAITING ${secs(r.waitingMs)} of it (a broker call failed, pg-boss retried the slice; ${fmtRate(rate(r.done, r.replayMs - r.waitingMs))} without that time): ` +
          (r.waitingReasons.join(" | ") || "no reason recorded"),
      ]
    : [];

/** Other benchmarks hammer the same Kafka: wait until none runs, so neither distorts the other. */
async function waitForOtherBenches(): Promise<void> {
  // A `flock` wrapper is queued on the shared bench lock (which this run may hold): its bench has not started.
  const others = () => otherProcesses((a) => !/(^|\/)flock$/.test(a[0] ?? "") && a.some((arg) => /bench\/(lag|dlq-search)\//.test(arg)));
  if (others().length === 0) return;
  log(`another benchmark uses the same brokers (${others()[0]}): waiting for it to finish (polling every 30 s)`);
  while (others().length > 0) await sleep(30_000);
}

// ---------------------------------------------------------------- Kafka

interface KafkaResult {
  seedMs: number;
  redrive: EngineRun;
  targetRecords: number;
  profile: string[] | null;
  /** The faster of the two producer-perf-test runs, and both rates. */
  perf: PerfTestRun;
  perfRates: number[];
  perfTopicRecords: number;
  naive: NaiveRun;
  naiveTargetRecords: number;
}

async function kafkaBench(id: string, engine: Engine): Promise<KafkaResult> {
  const kafka = benchKafka(BROKER);
  const admin: Admin = kafka.admin();
  await admin.connect();
  onCleanup("disconnect Kafka admin", () => admin.disconnect());
  const prefix = `bench-replay-${id}`;
  const topics = { dlq: `${prefix}-orders.DLQ`, target: `${prefix}-orders`, perf: `${prefix}-perf-1`, perf2: `${prefix}-perf-2`, naive: `${prefix}-naive` };
  const naiveGroup = `${prefix}-naive`;
  onCleanup("delete Kafka topics and group", async () => {
    await admin.deleteGroups([naiveGroup]).catch(() => undefined);
    await deleteTopics(admin, Object.values(topics));
  });

  log(`Kafka: producing ${fmtCount(COUNTS.kafka)} records of ${RECORD_BYTES} B to ${topics.dlq} (${KAFKA_PARTITIONS} partitions)`);
  const seedMs = await seedDlq(kafka, admin, topics.dlq, topics.target, COUNTS.kafka);
  log(`produced in ${secs(seedMs)} (${fmtRate(rate(COUNTS.kafka, seedMs))})`);
  for (const topic of [topics.target, topics.perf, topics.perf2, topics.naive]) await createTopic(admin, topic);

  // Kafka's tool runs before and after Redrive's job (the machine's load varies): the faster run is the baseline.
  const perfRecords = COUNTS.kafka / 2;
  const perfTest = async (topic: string) => {
    log(`kafka-producer-perf-test (${PERF_CLASS}): ${fmtCount(perfRecords)} records of ${RECORD_BYTES} B to ${topic}, acks=all, idempotent`);
    const result = await producerPerfTest(BROKER, topic, perfRecords, RECORD_BYTES);
    log(`  ${result.summary} (wall ${secs(result.wallMs)} with JVM start)`);
    return { run: result, records: await topicRecords(admin, topic) };
  };
  await waitForOtherBenches();
  const { run: first, records: firstRecords } = await perfTest(topics.perf);
  await waitForOtherBenches();

  log(`Redrive: dry run of \`${FILTER}\` over ${topics.dlq}, then the replay job to its origin ${topics.target} (${JSON.stringify(KAFKA_OPTIONS)})`);
  const redrive = await runReplayJob(
    engine.store.db,
    engine.pollDb,
    engine.queue,
    engine.connections,
    { kind: "kafka", connection: CONNECTION, dlq: topics.dlq, expression: FILTER, options: KAFKA_OPTIONS },
    progress,
    () => engine.profiler?.reset(),
  );
  const profile = (await engine.profiler?.report(profileFile("kafka"))) ?? null;
  log(`Redrive: dry run ${secs(redrive.dryRunMs)} (${fmtCount(redrive.scanned)} scanned, ${fmtCount(redrive.matched)} matched); replay ${secs(redrive.replayMs)} -> ${fmtRate(rate(redrive.done, redrive.replayMs))}`);
  const targetRecords = await topicRecords(admin, topics.target);

  await waitForOtherBenches();
  const second = await perfTest(topics.perf2);
  const perf = [first, second.run].reduce((a, b) => (b.recordsPerSec > a.recordsPerSec ? b : a));
  const perfTopicRecords = Math.min(firstRecords, second.records);

  await waitForOtherBenches();
  log(`naive kafkajs loop (consume one, send one acks=-1, await): ${fmtCount(COUNTS.kafkaNaive)} matches to ${topics.naive}`);
  const naive = await naiveKafkaReplay(kafka, topics.dlq, topics.naive, naiveGroup, COUNTS.kafkaNaive);
  log(`  ${fmtCount(naive.replayed)} replayed (${fmtCount(naive.read)} read) in ${secs(naive.ms)} -> ${fmtRate(rate(naive.replayed, naive.ms))}`);
  const naiveTargetRecords = await topicRecords(admin, topics.naive);
  return { seedMs, redrive, targetRecords, profile, perf, perfRates: [first.recordsPerSec, second.run.recordsPerSec], perfTopicRecords, naive, naiveTargetRecords };
}

// ---------------------------------------------------------------- SQS

interface SqsResult {
  seedMs: number;
  snapshotMs: number;
  snapshotCaptured: number;
  redrive: EngineRun;
  profile: string[] | null;
  target: { visible: number; inFlight: number };
  dlqLeft: { visible: number; inFlight: number };
  /** After "completed": until the DLQ had no hidden message left (null: still some after 120 s). */
  releasedMs: number | null;
  naive: NaiveSqsRun;
  ceiling: CeilingRun;
  move: MoveTaskRun;
}

async function sqsBench(id: string, engine: Engine): Promise<SqsResult> {
  const client = benchSqsClient(SQS_ENDPOINT);
  onCleanup("destroy SQS client", () => client.destroy());
  const prefix = `bench-replay-${id}`;
  const pairs: QueuePair[] = [];
  onCleanup("delete SQS queues", async () => {
    for (const pair of pairs) await deleteQueuePair(client, pair);
    if (pairs.length) log(`deleted queues ${pairs.map((p) => `${p.source}, ${p.dlq}`).join(", ")}`);
  });
  const make = async (name: string) => {
    const pair = await createQueuePair(client, `${prefix}-${name}`);
    pairs.push(pair);
    return pair;
  };
  const dlqPair = await make("orders");
  const naivePair = await make("naive");
  const movePair = await make("move");
  const ceilingPair = await make("ceiling");

  log(`SQS: filling ${dlqPair.dlq} and ${movePair.dlq} with ${fmtCount(COUNTS.sqs)} messages of ~${SQS_BODY_BYTES} B each, ${naivePair.dlq} with ${fmtCount(COUNTS.sqsNaiveDlq)} (through their source queues' RedrivePolicy)`);
  const seeded = await timed(async () => {
    await seedSqsDlq(client, dlqPair, COUNTS.sqs);
    await seedSqsDlq(client, movePair, COUNTS.sqs);
    await seedSqsDlq(client, naivePair, COUNTS.sqsNaiveDlq);
  });
  log(`filled in ${secs(seeded.ms)}`);
  await waitForOtherBenches();

  log(`Redrive: snapshot of ${dlqPair.dlq}, dry run of \`${FILTER}\`, then the replay job to the source queue ${dlqPair.source} (${JSON.stringify(SQS_OPTIONS)})`);
  const adapter = engine.connections.sqs.get(CONNECTION)!;
  const snapshot = await timed(() => takeSqsSnapshot(engine.store.db, adapter, dlqPair.dlq, "bench", { maxMessages: COUNTS.sqs + 1 }));
  log(`  snapshot ${snapshot.value.status}: ${fmtCount(snapshot.value.captured)} messages in ${secs(snapshot.ms)}`);
  if (snapshot.value.captured !== COUNTS.sqs) throw new Error(`the snapshot captured ${snapshot.value.captured} of ${COUNTS.sqs} messages`);
  const redrive = await runReplayJob(
    engine.store.db,
    engine.pollDb,
    engine.queue,
    engine.connections,
    { kind: "sqs", connection: CONNECTION, dlq: dlqPair.dlq, expression: FILTER, snapshotId: snapshot.value.id, options: SQS_OPTIONS },
    progress,
    () => engine.profiler?.reset(),
  );
  const profile = (await engine.profiler?.report(profileFile("sqs"))) ?? null;
  log(`Redrive: dry run ${secs(redrive.dryRunMs)} (${fmtCount(redrive.scanned)} scanned, ${fmtCount(redrive.matched)} matched); replay ${secs(redrive.replayMs)} -> ${fmtRate(rate(redrive.done, redrive.replayMs))}`);
  const target = await queueCounts(client, dlqPair.sourceUrl);
  // The worker releases the non-matching messages it held (hidden) when the job ends: time until they all show again.
  const released = await timed(() =>
    waitUntil("the DLQ's held messages to be visible again", 120_000, 100, async () => {
      const counts = await queueCounts(client, dlqPair.dlqUrl);
      return counts.inFlight === 0 ? counts : null;
    }).catch(() => null),
  );
  const dlqLeft = released.value ?? (await queueCounts(client, dlqPair.dlqUrl));

  await waitForOtherBenches();
  log(`naive loop (receive one, send, delete): ${fmtCount(COUNTS.sqsNaive)} matches from ${naivePair.dlq}`);
  const naive = await naiveSqsReplay(client, naivePair, COUNTS.sqsNaive);
  log(`  ${fmtCount(naive.replayed)} replayed (${fmtCount(naive.received)} received) in ${secs(naive.ms)} -> ${fmtRate(rate(naive.replayed, naive.ms))}`);

  const ceilingCount = COUNTS.sqs / 2;
  log(`raw batch ceiling: SendMessageBatch of ${fmtCount(ceilingCount)} into ${ceilingPair.dlq}, then receive 10 / SendMessageBatch / DeleteMessageBatch of all of them to ${ceilingPair.source}`);
  const ceiling = await rawBatchCeiling(client, ceilingPair, ceilingCount);
  log(`  send ${secs(ceiling.sendMs)} -> ${fmtRate(rate(ceiling.count, ceiling.sendMs))}; replay loop ${secs(ceiling.moveMs)} -> ${fmtRate(rate(ceiling.count, ceiling.moveMs))}`);

  log(`StartMessageMoveTask: ${movePair.dlq} (${fmtCount(COUNTS.sqs)}) back to ${movePair.source}`);
  const move = await moveTask(client, movePair);
  log(move.supported ? `  ${move.status}: ${fmtCount(move.moved)} moved in ${secs(move.ms)}` : `  not supported by this SQS: ${move.error}`);
  return { seedMs: seeded.ms, snapshotMs: snapshot.ms, snapshotCaptured: snapshot.value.captured, redrive, profile, target, dlqLeft, releasedMs: released.value ? released.ms : null, naive, ceiling, move };
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  log("ensuring the local stack is up (it also resolves Kafka's jars, kafka-tools included, into .stack/lib/kafka)");
  await ensureStack(log);
  if (!existsSync(".stack/lib/kafka") || !readdirSync(".stack/lib/kafka").some((f) => /^kafka-tools-[\d.]+\.jar$/.test(f))) {
    throw new Error("no kafka-tools jar in .stack/lib/kafka: run `node scripts/stack.mjs down`, delete .stack/lib/kafka and run `node scripts/stack.mjs up`");
  }
  const only = ["--kafka-only", "--sqs-only", "--rabbitmq-only"].find(flag);
  const doKafka = !only || only === "--kafka-only";
  const doSqs = !only || only === "--sqs-only";
  const doRabbit = !only || only === "--rabbitmq-only";

  const id = Date.now().toString(36);
  const dbName = `redrive_bench_replay_${id}`;
  const databaseUrl = await createDatabase(ADMIN_DATABASE_URL, dbName);
  onCleanup("drop database", () => dropDatabase(ADMIN_DATABASE_URL, dbName, log));
  const store = await openControlStore({ databaseUrl });
  onCleanup("close store", () => store.close());
  const config = configSchema.parse({
    kafka: [{ name: CONNECTION, brokers: [BROKER] }],
    sqs: [{ name: CONNECTION, region: "elasticmq", endpoint: SQS_ENDPOINT, credentials: { accessKeyId: "bench", secretAccessKey: "bench" } }],
  });
  const connections = buildConnections(config);
  onCleanup("close connections", () => closeConnections(connections));
  const queue = await openJobQueue(store);
  onCleanup("stop job queue", () => queue.stop());
  const pollPool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  onCleanup("close poll pool", () => pollPool.end());
  let profiler: Profiler | null = null;
  if (flag("--profile")) {
    profiler = new Profiler();
    profiler.kafka(connections.kafka.get(CONNECTION)!);
    profiler.sqs(connections.sqs.get(CONNECTION)!);
    profiler.store(store.db);
  }
  const worker = await startJobWorkers({ db: store.db, queue, connections });
  onCleanup("stop replay worker", () => worker.stop());
  log(`control store: Postgres database ${dbName}; pg-boss queue and replay worker started`);
  const engine: Engine = { store, pollDb: drizzle(pollPool, { schema }), queue, connections, profiler };

  const kafka = doKafka ? await kafkaBench(id, engine) : null;
  const sqs = doSqs ? await sqsBench(id, engine) : null;
  const rabbit = doRabbit ? await rabbitBench(id, { url: RABBITMQ_URL, managementUrl: RABBITMQ_MANAGEMENT_URL, scaled, onCleanup, quiet: waitForOtherBenches }) : null;

  // ---------------------------------------------------------------- report
  const verdict = (ok: boolean) => (ok ? "ok" : "MISSED");
  const lines = ["", "==================== bench:replay results ====================", `node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}${SCALE !== 1 ? `, SCALE ${SCALE}` : ""}`];
  if (kafka) {
    const r = kafka.redrive;
    const redriveRate = rate(r.done, r.replayMs);
    const naiveRate = rate(kafka.naive.replayed, kafka.naive.ms);
    const perfRate = kafka.perf.recordsPerSec;
    const expected = COUNTS.kafka / 2;
    const verified = r.matched === expected && r.total === expected && r.done === expected && kafka.targetRecords === expected;
    lines.push(
      "",
      `Kafka: ${fmtCount(COUNTS.kafka)} records x ${RECORD_BYTES} B in ${KAFKA_PARTITIONS} partitions (produced in ${secs(kafka.seedMs)}), filter \`${FILTER}\` matching ${fmtCount(expected)}`,
      `  Redrive replay job:  ${fmtRate(redriveRate)} (${fmtCount(r.done)} replayed in ${secs(r.replayMs)} from start to completed: queue pickup ${r.pickupMs === null ? "-" : secs(r.pickupMs)}, worker ${r.rowMs === null ? "-" : secs(r.rowMs)})`,
      `                       dry run ${secs(r.dryRunMs)} (${fmtCount(r.scanned)} scanned, ${fmtCount(r.matched)} matched, ${fmtRate(rate(r.scanned, r.dryRunMs))} scanned); end to end ${fmtRate(rate(r.done, r.dryRunMs + r.replayMs))}`,
      ...waitingLine(r),
      `                       skipped ${r.skipped}, failed ${r.failed}, duplicates ${r.duplicates}; target ${fmtCount(kafka.targetRecords)} records (end offsets) -> ${verified ? "verified" : "NOT VERIFIED"}`,
      ...(kafka.profile ? ["    profile of the replay job (--profile):", ...kafka.profile] : []),
      `  producer-perf-test:  ${fmtRate(perfRate)} (faster of 2 runs, before and after Redrive: ${kafka.perfRates.map(fmtRate).join(", ")}; the tool's own figure; ${fmtCount(kafka.perf.sent)} records of ${RECORD_BYTES} B, acks=all, idempotent, avg latency ${kafka.perf.avgLatencyMs} ms; wall ${secs(kafka.perf.wallMs)} with JVM start; each topic holds ${fmtCount(kafka.perfTopicRecords)})`,
      `  naive kafkajs loop:  ${fmtRate(naiveRate)} (extrapolated: ${fmtCount(kafka.naive.replayed)} of ${fmtCount(expected)} replayed in ${secs(kafka.naive.ms)}; all ${fmtCount(expected)} would take ~${secs((expected / naiveRate) * 1000)}; target holds ${fmtCount(kafka.naiveTargetRecords)})`,
      `  Redrive / perf-test: ${(redriveRate / perfRate).toFixed(2)}x [${verdict(redriveRate / perfRate >= AIMS.kafkaVsPerfTest)} >= ${AIMS.kafkaVsPerfTest}]`,
      `  Redrive / naive:     ${(redriveRate / naiveRate).toFixed(1)}x [${verdict(redriveRate / naiveRate >= AIMS.kafkaVsNaive)} >= ${AIMS.kafkaVsNaive}]`,
    );
  }
  if (sqs) {
    const r = sqs.redrive;
    const redriveRate = rate(r.done, r.replayMs);
    const naiveRate = rate(sqs.naive.replayed, sqs.naive.ms);
    const expected = COUNTS.sqs / 2;
    const verified =
      r.matched === expected && r.total === expected && r.done === expected && sqs.target.visible === expected && sqs.target.inFlight === 0 && sqs.dlqLeft.visible + sqs.dlqLeft.inFlight === COUNTS.sqs - expected;
    lines.push(
      "",
      `SQS (ElasticMQ): ${fmtCount(COUNTS.sqs)} dead letters of ~${SQS_BODY_BYTES} B (filled in ${secs(sqs.seedMs)}), filter \`${FILTER}\` matching ${fmtCount(expected)}`,
      `  Redrive replay job:  ${fmtRate(redriveRate)} (${fmtCount(r.done)} replayed in ${secs(r.replayMs)} from start to completed: queue pickup ${r.pickupMs === null ? "-" : secs(r.pickupMs)}, worker ${r.rowMs === null ? "-" : secs(r.rowMs)})`,
      `                       snapshot ${secs(sqs.snapshotMs)} (${fmtCount(sqs.snapshotCaptured)} messages), dry run ${secs(r.dryRunMs)} (${fmtCount(r.scanned)} scanned, ${fmtCount(r.matched)} matched); end to end ${fmtRate(rate(r.done, sqs.snapshotMs + r.dryRunMs + r.replayMs))}`,
      ...waitingLine(r),
      `                       skipped ${r.skipped}, failed ${r.failed}, duplicates ${r.duplicates}; source queue holds ${fmtCount(sqs.target.visible)} (+${sqs.target.inFlight} in flight), DLQ ${fmtCount(sqs.dlqLeft.visible)} (+${sqs.dlqLeft.inFlight} in flight) -> ${verified ? "verified" : "NOT VERIFIED"}`,
      `                       the DLQ's other messages were all visible again ${sqs.releasedMs === null ? "NOT within 120 s" : `${secs(sqs.releasedMs)}`} after "completed" (the worker releases what it held when the job ends)`,
      ...(sqs.profile ? ["    profile of the replay job (--profile):", ...sqs.profile] : []),
      `  naive loop:          ${fmtRate(naiveRate)} (extrapolated: ${fmtCount(sqs.naive.replayed)} replayed, ${fmtCount(sqs.naive.received)} received, in ${secs(sqs.naive.ms)}; all ${fmtCount(expected)} would take ~${secs((expected / naiveRate) * 1000)})`,
      `  raw batch ceiling:   SendMessageBatch ${fmtRate(rate(sqs.ceiling.count, sqs.ceiling.sendMs))}; receive 10 / SendMessageBatch / DeleteMessageBatch loop ${fmtRate(rate(sqs.ceiling.count, sqs.ceiling.moveMs))}` +
        ` (${fmtCount(sqs.ceiling.count)} messages, ${sqs.ceiling.concurrency} at a time, no filter) -> Redrive / raw loop ${(redriveRate / rate(sqs.ceiling.count, sqs.ceiling.moveMs)).toFixed(2)}x, raw loop / naive ${(rate(sqs.ceiling.count, sqs.ceiling.moveMs) / naiveRate).toFixed(1)}x`,
      sqs.move.supported
        ? `  StartMessageMoveTask: ${fmtRate(rate(COUNTS.sqs, sqs.move.ms))} (all ${fmtCount(COUNTS.sqs)} moved back, unfiltered, in ${secs(sqs.move.ms)}; task ${sqs.move.status}, reported ${fmtCount(sqs.move.moved)} moved; source queue ${fmtCount(sqs.move.sourceDepth)}, DLQ ${sqs.move.dlqDepth})` +
          ` -> Redrive / move task ${(redriveRate / rate(COUNTS.sqs, sqs.move.ms)).toFixed(2)}x`
        : `  StartMessageMoveTask: NOT SUPPORTED by this SQS endpoint (${sqs.move.error})`,
      `  Redrive / naive:     ${(redriveRate / naiveRate).toFixed(1)}x [${verdict(redriveRate / naiveRate >= AIMS.sqsVsNaive)} >= ${AIMS.sqsVsNaive}]`,
    );
  }
  if (rabbit) lines.push(...rabbitReport(rabbit));
  lines.push("===============================================================");
  console.log(lines.join("\n"));
}

runMain(main, "bench:replay");
