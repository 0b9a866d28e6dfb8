/** Kafka baselines: Kafka's own producer-perf-test, and a naive one-at-a-time kafkajs replayer. */
import { spawn } from "node:child_process";
import type { IHeaders, Kafka } from "kafkajs";

export const PERF_CLASS = "org.apache.kafka.tools.ProducerPerformance";
/** Kafka's jars, kafka-tools and its dependencies included (resolved by scripts/stack.mjs from stack/kafka/pom.xml). */
export const KAFKA_CLASSPATH = ".stack/lib/kafka/*";

export interface PerfTestRun {
  /** The tool's own figure (its clock starts once the producer exists: JVM start excluded). */
  recordsPerSec: number;
  sent: number;
  avgLatencyMs: number;
  p99LatencyMs: number | null;
  /** Wall time of the java process, JVM start included. */
  wallMs: number;
  summary: string;
}

/**
 * `kafka-producer-perf-test --num-records N --record-size S --throughput -1 --producer-props bootstrap.servers=…
 * acks=all enable.idempotence=true`, i.e. the class behind the script, from the stack's jars.
 */
export function producerPerfTest(broker: string, topic: string, records: number, recordSize: number): Promise<PerfTestRun> {
  const args = [
    "-Xmx512m",
    "-cp",
    KAFKA_CLASSPATH,
    "-Dlog4j2.configurationFile=stack/kafka/log4j2-tools.properties",
    PERF_CLASS,
    "--topic",
    topic,
    "--num-records",
    String(records),
    "--record-size",
    String(recordSize),
    "--throughput",
    "-1",
    "--producer-props",
    `bootstrap.servers=${broker}`,
    "acks=all",
    "enable.idempotence=true",
  ];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn("java", args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      const wallMs = performance.now() - started;
      // Last line: "50000 records sent, 21052.6 records/sec (20.56 MB/sec), 812.43 ms avg latency, 1422.00 ms max latency, 843 ms 50th, 1310 ms 95th, 1401 ms 99th, 1418 ms 99.9th."
      const summary = stdout
        .trim()
        .split("\n")
        .findLast((line) => /records sent, [\d.]+ records\/sec/.test(line) && /50th/.test(line));
      if (code !== 0 || !summary) {
        reject(new Error(`${PERF_CLASS} exited with ${code}; stdout: ${stdout.slice(-800)}; stderr: ${stderr.slice(-800)}`));
        return;
      }
      const num = (re: RegExp) => {
        const m = re.exec(summary);
        return m ? Number(m[1]) : null;
      };
      resolve({
        sent: num(/^(\d+) records sent/) ?? 0,
        recordsPerSec: num(/([\d.]+) records\/sec/) ?? 0,
        avgLatencyMs: num(/([\d.]+) ms avg latency/) ?? 0,
        p99LatencyMs: num(/([\d.]+) ms 99th/),
        wallMs,
        summary: summary.trim(),
      });
    });
  });
}

export interface NaiveRun {
  replayed: number;
  read: number;
  ms: number;
}

/**
 * What a hand-written replayer does: a kafkajs consumer (own group, from the beginning) and, for every record
 * whose value contains `"tier":"gold"`, `await producer.send({ acks: -1 })` of its key, value and headers
 * with an idempotent producer: one message at a time. Stops after `limit` replayed messages; the clock starts
 * at the first record handed to eachMessage (group join excluded).
 */
export async function naiveKafkaReplay(kafka: Kafka, dlq: string, target: string, groupId: string, limit: number): Promise<NaiveRun> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  const consumer = kafka.consumer({ groupId });
  await producer.connect();
  await consumer.connect();
  let replayed = 0;
  let read = 0;
  let start = 0;
  let end = 0;
  let finish!: () => void;
  let fail!: (error: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  try {
    await consumer.subscribe({ topic: dlq, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        if (replayed >= limit) return;
        if (start === 0) start = performance.now();
        read += 1;
        if (!message.value?.toString("utf8").includes('"tier":"gold"')) return;
        try {
          await producer.send({
            topic: target,
            acks: -1,
            messages: [{ key: message.key, value: message.value, headers: message.headers as IHeaders }],
          });
        } catch (error) {
          fail(error);
          return;
        }
        replayed += 1;
        if (replayed === limit) {
          end = performance.now();
          finish();
        }
      },
    });
    await done;
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
  }
  return { replayed, read, ms: end - start };
}
