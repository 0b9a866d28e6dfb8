/**
 * --profile: where a replay job's time goes. Wraps the broker adapters' methods and the control store's
 * pool and transactions of this process (the worker runs in it) and sums the time spent in each, plus
 * this process's CPU time and event-loop utilisation over the job. Concurrent calls overlap, so the sum
 * of a stage can exceed the wall time.
 */
import { Session } from "node:inspector/promises";
import { writeFileSync } from "node:fs";
import path from "node:path";
import type { EventLoopUtilization } from "node:perf_hooks";
import { performance } from "node:perf_hooks";
import type { Pool } from "pg";
import type { KafkaAdapter } from "~/server/brokers/kafka/kafka";
import type { SqsAdapter } from "~/server/brokers/sqs/sqs";
import type { ControlDb } from "~/server/db/control-store";
import { secs } from "../common/stats";

interface Stage {
  ms: number;
  calls: number;
  /** What the calls returned, counted (e.g. records fetched), when the stage counts anything. */
  items: number | null;
}

export class Profiler {
  private stages = new Map<string, Stage>();
  private cpu = process.cpuUsage();
  private elu: EventLoopUtilization = performance.eventLoopUtilization();
  private started = performance.now();

  /** Replaces obj[method] by a timed version of itself. */
  wrap<T extends object>(obj: T, method: string, label: string, count?: (result: unknown) => number): void {
    const target = obj as Record<string, unknown>;
    const original = target[method];
    if (typeof original !== "function") throw new Error(`cannot profile ${label}: no method ${method}`);
    const record = (start: number, result: unknown) => {
      const stage = this.stages.get(label) ?? { ms: 0, calls: 0, items: count ? 0 : null };
      stage.ms += performance.now() - start;
      stage.calls += 1;
      if (count && stage.items !== null && result !== undefined) stage.items += count(result);
      this.stages.set(label, stage);
    };
    target[method] = function (this: unknown, ...args: unknown[]) {
      const start = performance.now();
      const result = (original as (...a: unknown[]) => unknown).apply(this, args);
      if (result instanceof Promise) {
        return result.then(
          (value: unknown) => {
            record(start, value);
            return value;
          },
          (error: unknown) => {
            record(start, undefined);
            throw error;
          },
        );
      }
      record(start, result);
      return result;
    };
  }

  kafka(adapter: KafkaAdapter): void {
    const fetched = (result: unknown) => [...(result as Map<number, { records: unknown[] }>).values()].reduce((sum, p) => sum + p.records.length, 0);
    this.wrap(adapter, "readPartitions", "kafka: read DLQ records (readPartitions)", fetched);
    this.wrap(adapter, "readRawPartitions", "kafka: read DLQ records for the copy (readRawPartitions)", fetched);
    this.wrap(adapter, "topicOffsets", "kafka: target end offsets (topicOffsets)");
    this.wrap(adapter, "produceBatch", "kafka: produce, acks=all (produceBatch)");
    this.wrap(adapter, "readRecords", "kafka: came-back / recovery reads (readRecords)");
  }

  sqs(adapter: SqsAdapter): void {
    this.wrap(adapter, "receive", "sqs: ReceiveMessage", (result) => (result as unknown[]).length);
    this.wrap(adapter, "sendBatch", "sqs: SendMessageBatch (sendBatch)");
    this.wrap(adapter, "deleteBatch", "sqs: DeleteMessageBatch (deleteBatch)");
    this.wrap(adapter, "release", "sqs: release (ChangeMessageVisibilityBatch)");
    this.wrap(adapter, "queueAttributes", "sqs: GetQueueAttributes");
  }

  store(db: ControlDb): void {
    const pool = (db as unknown as { $client: Pool }).$client;
    this.wrap(pool, "query", "control store: statements outside transactions");
    this.wrap(db, "transaction", "control store: transactions");
  }

  private session: Session | null = null;
  private cpuProfile: string[] = [];

  /** Starts a new measurement window (e.g. after the dry run), with a V8 CPU profile of this process. */
  async reset(): Promise<void> {
    await this.stopCpu(null);
    this.session = new Session();
    this.session.connect();
    await this.session.post("Profiler.enable");
    await this.session.post("Profiler.setSamplingInterval", { interval: 500 });
    await this.session.post("Profiler.start");
    this.stages = new Map();
    this.cpu = process.cpuUsage();
    this.elu = performance.eventLoopUtilization();
    this.started = performance.now();
  }

  /** Stops the CPU profile; writes it to `file` (open it in Chrome DevTools) and keeps its top self times for the report. */
  private async stopCpu(file: string | null): Promise<void> {
    const session = this.session;
    if (!session) return;
    this.session = null;
    const { profile } = await session.post("Profiler.stop");
    session.disconnect();
    if (!file) return;
    writeFileSync(file, JSON.stringify(profile));
    const self = new Map<string, number>();
    const total = profile.samples?.length ?? 0;
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    for (const id of profile.samples ?? []) {
      const frame = byId.get(id)!.callFrame;
      const where = frame.url ? `${path.relative(process.cwd(), frame.url.replace(/^file:\/\//, ""))}:${frame.lineNumber + 1}` : "";
      const key = `${frame.functionName || "(anonymous)"} ${where}`.trim();
      self.set(key, (self.get(key) ?? 0) + 1);
    }
    this.cpuProfile = [...self]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([key, n]) => `        ${((n / total) * 100).toFixed(1)}% ${key}`);
    this.cpuProfile.unshift(`      CPU profile of this process (${file}), top self time of ${total} samples:`);
  }

  async report(cpuProfileFile: string): Promise<string[]> {
    await this.stopCpu(cpuProfileFile);
    const wall = performance.now() - this.started;
    const cpu = process.cpuUsage(this.cpu);
    const elu = performance.eventLoopUtilization(this.elu);
    const lines = [...this.stages]
      .sort((a, b) => b[1].ms - a[1].ms)
      .map(
        ([label, s]) =>
          `      ${label}: ${secs(s.ms)} in ${s.calls} calls (${(s.ms / s.calls).toFixed(1)} ms each, ${Math.round((s.ms / wall) * 100)}% of wall)${s.items === null ? "" : `, ${s.items.toLocaleString("en")} records returned`}`,
      );
    lines.push(
      `      this process: CPU ${secs((cpu.user + cpu.system) / 1000)} (user ${secs(cpu.user / 1000)}, system ${secs(cpu.system / 1000)}) over ${secs(wall)} wall; event loop ${Math.round(elu.utilization * 100)}% busy`,
      ...this.cpuProfile,
    );
    return lines;
  }
}
