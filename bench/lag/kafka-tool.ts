import { spawn } from "node:child_process";
import { KAFKA_CLASSPATH } from "./cluster";

/** Kafka's own kafka-consumer-groups tool, run from the stack's jars (JVM start included in every timing). */
export const TOOL_CLASS = "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand";

export interface ToolRun {
  ms: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runConsumerGroupsTool(brokers: string[], args: string[]): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(
      "java",
      ["-cp", KAFKA_CLASSPATH, "-Dlog4j2.configurationFile=stack/kafka/log4j2-tools.properties", TOOL_CLASS, "--bootstrap-server", brokers.join(","), ...args],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ ms: performance.now() - started, code, stdout, stderr }));
  });
}

export interface DescribedRows {
  groups: Set<string>;
  rows: number;
  totalLag: number;
}

/**
 * Parses `--describe` output rows (GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID)
 * of the groups accepted by the filter. LAG is "-" when nothing is committed.
 */
export function parseDescribe(output: string, accept: (groupId: string) => boolean): DescribedRows {
  const result: DescribedRows = { groups: new Set(), rows: 0, totalLag: 0 };
  for (const line of output.split("\n")) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 6 || cols[0] === "GROUP" || !accept(cols[0]!)) continue;
    if (!/^\d+$/.test(cols[2]!)) continue;
    result.groups.add(cols[0]!);
    result.rows += 1;
    const lag = Number(cols[5]);
    if (Number.isFinite(lag)) result.totalLag += lag;
  }
  return result;
}
