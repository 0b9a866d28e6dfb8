/**
 * Filter throughput at a small scale: a topic of ~1 KiB JSON orders (bench/dlq-search's records) scanned by
 * startScan with the bench:search predicate, in this process. Prints msg/s; used by bench:filters and runnable
 * alone (`npx tsx bench/filters/throughput.ts [records]`) to compare before and after a change.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { configSchema } from "~/server/config/schema";
import { buildConnections, closeConnections } from "~/server/connections/registry";
import { openControlStore } from "~/server/db/control-store";
import { payloadAccess } from "~/server/dlq/masking";
import { startScan } from "~/server/dlq/scans";
import { benchKafka, isMatch, PREDICATE_CEL, recordValue } from "../dlq-search/fixture";
import { sleep } from "../common/processes";

/** A loaded broker can answer a fresh topic's metadata with a transient error: try again a few times. */
export async function retried<T>(work: () => Promise<T>, attempts = 10): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await work();
    } catch (error) {
      if (i >= attempts) throw error;
      await sleep(1_000);
    }
  }
}

export interface ThroughputRun {
  records: number;
  ms: number;
  perSecond: number;
  matched: number;
}

/** Creates a topic of `records` orders, scans it `runs` times, deletes it. */
export async function filterThroughput(broker: string, records: number, runs: number, log: (line: string) => void): Promise<ThroughputRun[]> {
  const topic = `bench-filters-${Date.now().toString(36)}.DLQ`;
  const kafka = benchKafka(broker);
  const admin = kafka.admin();
  await admin.connect();
  const producer = kafka.producer();
  await producer.connect();
  const out: ThroughputRun[] = [];
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "redrive-bench-filters-"));
  const store = await openControlStore({ dataDir });
  const connections = buildConnections(configSchema.parse({ kafka: [{ name: "bench", brokers: [broker] }] }));
  try {
    await retried(() => admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3, replicationFactor: 1 }] }));
    for (let i = 0; i < records; i += 1_000) {
      const batch = Array.from({ length: Math.min(1_000, records - i) }, (_, j) => ({ partition: (i + j) % 3, value: recordValue(i + j) }));
      await retried(() => producer.send({ topic, messages: batch }));
    }
    const expected = Array.from({ length: records }, (_, i) => i).filter(isMatch).length;
    const access = payloadAccess("admin", { readRoles: ["admin"], masking: [] });
    for (let run = 0; run < runs; run++) {
      const state = await startScan({ db: store.db, connections, principal: { role: "admin" } }, { ref: { kind: "kafka", connection: "bench", dlq: topic }, expression: PREDICATE_CEL, limit: records, ownerId: `bench-${run}`, access });
      while (state.finishedAt === null) await sleep(10);
      if (state.status === "failed") throw new Error(`scan failed: ${state.error}`);
      if (state.matched !== expected) throw new Error(`scan matched ${state.matched}, expected ${expected}`);
      const ms = state.finishedAt - state.startedAt;
      const result = { records: state.scanned, ms, perSecond: Math.round((state.scanned / ms) * 1000), matched: state.matched };
      log(`throughput run ${run + 1}: ${result.records} records in ${ms} ms = ${result.perSecond} msg/s (${result.matched} matched)`);
      out.push(result);
    }
  } finally {
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    await closeConnections(connections);
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const records = Number(process.argv[2] ?? 30_000);
  await filterThroughput(process.env.KAFKA_BROKER ?? "127.0.0.1:9092", records, 3, (line) => console.log(line));
  process.exit(0);
}
