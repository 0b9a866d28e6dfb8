/**
 * A filter worker thread (run by the Piscina pool in server/dlq/filter.ts): evaluates one checked CEL
 * expression over a batch of records packed into one transferred buffer, and answers a byte per record
 * (1: matches). Loaded by Node directly (type stripping): erasable TypeScript, explicit .ts imports.
 */
import { compileExpression } from "./cel-eval.ts";
import type { FilterRecord } from "./cel-record.ts";
import type { FailureInfo } from "./failure.ts";

/** [start, length] in the batch's data, or null for a null key/value/header. */
export type Slice = [number, number] | null;

export interface PackedRecord {
  partition: number | null;
  offset: number | null;
  timestampMs: number;
  key: Slice;
  value: Slice;
  headers: [string, Slice][];
  failure: FailureInfo | null;
}

export interface PackedBatch {
  /** Set to 1 (and notified) when evaluation starts: the deadline counts from then, not from worker start-up. */
  started: Int32Array;
  expression: string;
  data: Uint8Array;
  records: PackedRecord[];
}

// A scan sends the same expression batch after batch: compile it once per worker.
const compiled = new Map<string, (record: FilterRecord) => boolean>();

function predicate(expression: string): (record: FilterRecord) => boolean {
  let evaluate = compiled.get(expression);
  if (!evaluate) {
    evaluate = compileExpression(expression);
    if (compiled.size >= 64) compiled.clear();
    compiled.set(expression, evaluate);
  }
  return evaluate;
}

export default function evaluateBatch(batch: PackedBatch): Uint8Array {
  Atomics.store(batch.started, 0, 1);
  Atomics.notify(batch.started, 0);
  const evaluate = predicate(batch.expression);
  const data = Buffer.from(batch.data.buffer, batch.data.byteOffset, batch.data.byteLength);
  const bytes = (slice: Slice) => (slice === null ? null : data.subarray(slice[0], slice[0] + slice[1]));
  const out = new Uint8Array(batch.records.length);
  batch.records.forEach((packed, i) => {
    const record: FilterRecord = {
      partition: packed.partition,
      offset: packed.offset,
      timestampMs: packed.timestampMs,
      key: bytes(packed.key),
      value: bytes(packed.value),
      headers: new Map(packed.headers.map(([name, slice]) => [name, bytes(slice)])),
      failure: packed.failure,
    };
    out[i] = evaluate(record) ? 1 : 0;
  });
  return out;
}
