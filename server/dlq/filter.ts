/**
 * Search filters are CEL (never eval): the language Kafbat UI uses, with the same variable shape so
 * operators can bring their filters:
 *   record.partition, record.offset, record.timestampMs, record.key, record.keyAsText,
 *   record.value (parsed JSON), record.valueAsText, record.headers (name -> text)
 * plus record.error.* for the decoded failure (exceptionClass, message, stacktrace, originTopic,
 * originPartition, originOffset, consumerGroup, attempts, causeClass, sourceQueue, fingerprint: the failure group).
 *
 * A filter is any user's input, so the server's thread never evaluates it: it is checked here (size,
 * nesting, estimated cost, RE2 syntax: server/dlq/cel-eval.ts), then evaluated in worker threads of a
 * Piscina pool, in batches, each with a deadline and the workers with a heap limit. A batch that runs
 * over its deadline or out of memory, or whose scan is cancelled, ends its worker (Piscina terminates a
 * thread whose running task is aborted) and the scan stops with a clear message.
 */
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import pLimit from "p-limit";
import { Piscina } from "piscina";
import { checkExpression, FilterSyntaxError } from "./cel-eval";
import type { FilterRecord } from "./cel-record";
import { packBatch, type FilterInput, type PackedBatch } from "./filter-batch";
import { DomainError } from "~/server/lib/errors";

export { FilterSyntaxError };
export type { FilterInput, FilterRecord };

/** Each batch must be evaluated within this (its worker is ended otherwise). */
export const BATCH_DEADLINE_MS = Number(process.env.REDRIVE_FILTER_DEADLINE_MS ?? 3_000);
/** A batch whose worker has not started evaluating it by then fails (a new worker loads the CEL engine first). */
const WORKER_START_MS = Number(process.env.REDRIVE_FILTER_START_MS ?? 120_000);
/** Heap of each filter worker. */
export const WORKER_HEAP_MB = 256;
const BATCH_RECORDS = 500;
const BATCH_BYTES = 4 * 1024 * 1024;
const THREADS = Number(process.env.REDRIVE_FILTER_THREADS ?? Math.max(1, Math.min(4, os.availableParallelism() - 1)));

/** Why a filter stopped before the end: over its deadline, out of memory, cancelled, or a worker error. */
export class FilterStopped extends DomainError {
  readonly refusal = "invalid";
  constructor(
    message: string,
    readonly reason: "timeout" | "memory" | "cancelled" | "failed",
  ) {
    super(message);
    this.name = "FilterStopped";
  }
}

interface Pool {
  piscina: Piscina;
  /** Batches handed over whose worker has not started evaluating: a worker that fails to load stops them. */
  waiting: Set<(error: Error) => void>;
  /** Batches handed to Piscina at most one per thread, so a deadline counts running time, not queueing. */
  slots: ReturnType<typeof pLimit>;
  ended: number;
  evaluating: number;
}

const holder = globalThis as unknown as { __redriveFilterPool?: Pool };

/** The worker file, found from the project root (Next bundles this module; the worker is loaded by Node). */
function workerFile(): string {
  return pathToFileURL(path.join(process.env.REDRIVE_ROOT ?? process.cwd(), "server", "dlq", "filter-worker.ts")).href;
}

function pool(): Pool {
  if (holder.__redriveFilterPool) return holder.__redriveFilterPool;
  const file = fileURLToPath(workerFile());
  if (!existsSync(file)) throw new FilterStopped(`The filter failed: the filter workers cannot start, ${file} is missing from this installation.`, "failed");
  const piscina = new Piscina({
    filename: workerFile(),
    minThreads: 0,
    maxThreads: THREADS,
    idleTimeout: 60_000,
    concurrentTasksPerWorker: 1,
    // No lower CPU priority (niceIncrement): a scan is this work, and a niced worker got a tenth of a core
    // on a busy machine. The server's thread keeps a core of its own (THREADS <= cores - 1); a hostile filter
    // is bounded by the batch deadline, the heap limit and the per-user cap on scans.
    resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB, maxYoungGenerationSizeMb: 32 },
  });
  const created: Pool = { piscina, waiting: new Set(), slots: pLimit(THREADS), ended: 0, evaluating: 0 };
  // A worker ended by an abort or its heap limit: Piscina replaces it; count it for tests and metrics.
  piscina.on("workerDestroy", () => {
    created.ended += 1;
  });
  // A worker that cannot load (a file missing from an installation, a broken import) never starts a batch: fail
  // the batches waiting for one with its error, instead of leaving the scan running until the start timeout.
  piscina.on("error", (error: unknown) => {
    const reason = new Error(`the filter workers could not start: ${error instanceof Error ? error.message : String(error)}`);
    for (const fail of created.waiting) fail(reason);
    created.waiting.clear();
  });
  holder.__redriveFilterPool = created;
  return created;
}

/** Filter workers alive now, batches being evaluated, and how many workers have ended (idle, cancelled, over deadline or memory). */
export function filterPoolStats(): { threads: number; evaluating: number; ended: number } {
  const current = holder.__redriveFilterPool;
  return { threads: current?.piscina.threads.length ?? 0, evaluating: current?.evaluating ?? 0, ended: current?.ended ?? 0 };
}

/** Splits records into batches of at most BATCH_RECORDS records and about BATCH_BYTES bytes. */
function batches<T extends FilterInput>(records: readonly T[]): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = (record.value?.byteLength ?? 0) + (record.key?.byteLength ?? 0);
    if (current.length > 0 && (current.length >= BATCH_RECORDS || bytes + size > BATCH_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(record);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

function stopped(error: unknown, cancelled: boolean, timedOut: boolean): FilterStopped {
  if (cancelled) return new FilterStopped("The filter was cancelled.", "cancelled");
  if (timedOut) {
    return new FilterStopped(`The filter was stopped: a batch of records took longer than ${BATCH_DEADLINE_MS / 1000} s to evaluate. Simplify the expression.`, "timeout");
  }
  const message = error instanceof Error ? error.message : String(error);
  if (/memory limit|out of memory/i.test(message) || (error as { code?: string }).code === "ERR_WORKER_OUT_OF_MEMORY") {
    return new FilterStopped(`The filter was stopped: it needed more than ${WORKER_HEAP_MB} MB of memory. Simplify the expression.`, "memory");
  }
  return new FilterStopped(`The filter failed: ${message}`, "failed");
}

// Atomics.waitAsync (ES2024; Node has it) is not in this project's TypeScript lib.
const waitAsync = (Atomics as unknown as { waitAsync(array: Int32Array, index: number, value: number, timeoutMs: number): { async: boolean; value: Promise<string> | string } }).waitAsync;

/** Evaluates one packed batch in a worker (packed by the caller, so packing overlaps the batch before it). */
async function runBatch(task: PackedBatch, signal: AbortSignal | undefined): Promise<Uint8Array> {
  const current = pool();
  const { piscina, slots } = current;
  return slots(async () => {
    if (signal?.aborted) throw stopped(null, true, false);
    const deadline = new AbortController();
    const abort = signal ? AbortSignal.any([signal, deadline.signal]) : deadline.signal;
    // The deadline starts when the worker starts evaluating (a new worker first loads the CEL engine).
    let timer: NodeJS.Timeout | undefined;
    let finished = false;
    let evaluating = false;
    let startFailure: Error | undefined;
    const failStart = (error: Error) => {
      startFailure = error;
      deadline.abort();
    };
    current.waiting.add(failStart);
    const started = waitAsync(task.started, 0, 0, WORKER_START_MS);
    const arm = (outcome: string) => {
      current.waiting.delete(failStart);
      if (finished) return;
      if (outcome === "timed-out") return failStart(new Error(`no filter worker started within ${WORKER_START_MS / 1000} s`));
      evaluating = true;
      current.evaluating += 1;
      timer = setTimeout(() => deadline.abort(), BATCH_DEADLINE_MS).unref();
    };
    if (typeof started.value !== "string") void started.value.then(arm);
    else arm(started.value);
    try {
      const transferList = [task.data.buffer, task.records.buffer, task.headers.buffer] as ArrayBuffer[];
      return (await piscina.run(task, { signal: abort, transferList })) as Uint8Array;
    } catch (error) {
      if (startFailure) throw stopped(startFailure, false, false);
      throw stopped(error, signal?.aborted === true, deadline.signal.aborted);
    } finally {
      current.waiting.delete(failStart);
      finished = true;
      if (evaluating) current.evaluating -= 1;
      clearTimeout(timer);
    }
  });
}

export interface CompiledFilter {
  /** The checked expression as evaluated (matches() bound to RE2). */
  readonly expression: string;
  /** Whether each record matches, in order. Throws FilterStopped on deadline, memory, cancel or failure. */
  match(records: FilterRecord[], signal?: AbortSignal): Promise<boolean[]>;
  /**
   * The same for Kafka records as read: their failure is decoded from their headers in the worker, and only
   * if the filter reads it. `failureHeadersOnly`: the filter sees failure headers only (no payload access).
   */
  matchKafka(records: FilterInput[], options: { signal?: AbortSignal; failureHeadersOnly: boolean; schemas?: PackedBatch["schemas"] }): Promise<Uint8Array>;
}

/** Runs the batches of one call, in order; the first to fail stops its siblings (their workers end too). */
async function runAll(parts: PackedBatch[], signal: AbortSignal | undefined): Promise<Uint8Array> {
  const sibling = new AbortController();
  const both = signal ? AbortSignal.any([signal, sibling.signal]) : sibling.signal;
  const results = await Promise.all(
    parts.map((part) =>
      runBatch(part, both).catch((error: unknown) => {
        sibling.abort();
        throw error;
      }),
    ),
  );
  if (results.length === 1) return results[0]!;
  const out = new Uint8Array(results.reduce((sum, result) => sum + result.length, 0));
  let at = 0;
  for (const result of results) {
    out.set(result, at);
    at += result.length;
  }
  return out;
}

/**
 * Checks a filter now (a syntax error or a refusal comes back with its position before any scan starts);
 * evaluation happens later, in the worker pool, batch by batch.
 */
export function compileFilter(expression: string): CompiledFilter {
  const checked = checkExpression(expression).expression;
  return {
    expression: checked,
    async match(records, signal) {
      if (records.length === 0) return [];
      const parts = batches(records).map((batch) => packBatch(checked, batch, batch.map((record) => record.failure), false));
      return Array.from(await runAll(parts, signal), (byte) => byte === 1);
    },
    async matchKafka(records, { signal, failureHeadersOnly, schemas = null }) {
      if (records.length === 0) return new Uint8Array(0);
      return runAll(
        batches(records).map((batch) => packBatch(checked, batch, null, failureHeadersOnly, schemas)),
        signal,
      );
    },
  };
}
