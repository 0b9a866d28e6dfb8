/**
 * A filter worker thread (run by the Piscina pool in server/dlq/filter.ts): evaluates one checked CEL
 * expression over a packed batch of records (server/dlq/filter-batch.ts) and answers a byte per record
 * (1: matches). Loaded by Node directly (type stripping): erasable TypeScript, explicit .ts imports.
 */
import { compileExpression } from "./cel-eval.ts";
import type { FilterRecord } from "./cel-record.ts";
import { batchSize, BatchRecord, type PackedBatch } from "./filter-batch.ts";

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
  const record = new BatchRecord(batch);
  const out = new Uint8Array(batchSize(batch));
  for (let i = 0; i < out.length; i++) out[i] = evaluate(record.at(i)) ? 1 : 0;
  return out;
}
