import { parse } from "@marcbachmann/cel-js";
import { asText, parseJson } from "./bytes";
import type { FailureInfo } from "./failure";

/**
 * Search filters are CEL (never eval): safe, side-effect free, and the language Kafbat UI uses, with
 * the same variable shape so operators can bring their filters:
 *   record.partition, record.offset, record.timestampMs, record.key, record.keyAsText,
 *   record.value (parsed JSON), record.valueAsText, record.headers (name -> text)
 * plus record.error.* for the decoded failure (exceptionClass, message, stacktrace, originTopic,
 * originPartition, originOffset, consumerGroup, attempts, causeClass, sourceQueue).
 */

export interface FilterRecord {
  partition: number | null;
  offset: number | null;
  timestampMs: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: ReadonlyMap<string, Uint8Array | null>;
  failure: FailureInfo | null;
}

export type CompiledFilter = (record: FilterRecord) => boolean;

export class FilterSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
    this.name = "FilterSyntaxError";
  }
}

function lineAndColumn(expression: string, position: number): { line: number; column: number } {
  const before = expression.slice(0, position).split("\n");
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

/** JSON integers become CEL ints (as Jackson gives Kafbat), so `record.value.qty % 2 == 0` works. */
function withIntegers(value: unknown): unknown {
  if (typeof value === "number") return Number.isSafeInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(withIntegers);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = withIntegers(item);
    return out;
  }
  return value;
}

function lazy<T>(compute: () => T): () => T {
  let done = false;
  let result: T;
  return () => {
    if (!done) {
      result = compute();
      done = true;
    }
    return result;
  };
}

function textOf(bytes: Uint8Array | null): string | null {
  return bytes ? asText(bytes) : null;
}

function parsedOf(text: string | null): unknown {
  if (text === null) return null;
  const json = parseJson(text);
  return json.ok ? withIntegers(json.value) : text;
}

/**
 * The CEL variables of one record, in Kafbat UI's shape. Key, value and headers are decoded only if the
 * expression reads them (getters), so a filter on the error alone never parses a payload.
 */
export function celContext(record: FilterRecord): { record: Record<string, unknown> } {
  const keyText = lazy(() => textOf(record.key));
  const valueText = lazy(() => textOf(record.value));
  const headers = lazy(() => {
    const out: Record<string, string> = {};
    for (const [name, bytes] of record.headers) out[name] = bytes ? (asText(bytes) ?? Buffer.from(bytes).toString("hex")) : "";
    return out;
  });
  const f = record.failure;
  const view: Record<string, unknown> = {
    partition: record.partition,
    offset: record.offset,
    timestampMs: record.timestampMs,
  };
  const getters: Record<string, () => unknown> = {
    key: lazy(() => parsedOf(keyText())),
    keyAsText: keyText,
    value: lazy(() => parsedOf(valueText())),
    valueAsText: valueText,
    headers,
  };
  for (const [name, get] of Object.entries(getters)) Object.defineProperty(view, name, { get, enumerable: true });
  return {
    record: Object.assign(view, {
      error: {
        exceptionClass: f?.exceptionClass ?? null,
        causeClass: f?.causeClass ?? null,
        message: f?.message ?? null,
        stacktrace: f?.stacktrace ?? null,
        originTopic: f?.originTopic ?? null,
        originPartition: f?.originPartition ?? null,
        originOffset: f?.originOffset ?? null,
        consumerGroup: f?.consumerGroup ?? null,
        sourceQueue: f?.sourceQueue ?? null,
        attempts: f?.attempts ?? null,
      },
    }),
  };
}

/**
 * Compiles a filter once; a syntax error is reported with its position before any scan starts. A record
 * on which the expression fails (e.g. a field it lacks) or yields a non-boolean does not match.
 */
export function compileFilter(expression: string): CompiledFilter {
  let evaluate: (context: unknown) => unknown;
  try {
    evaluate = parse(expression) as unknown as (context: unknown) => unknown;
  } catch (error) {
    const node = (error as { node?: { pos?: number } }).node;
    const position = node?.pos ?? 0;
    const { line, column } = lineAndColumn(expression, position);
    const reason = (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "invalid expression";
    throw new FilterSyntaxError(`${reason} at line ${line}, column ${column}`, position, line, column);
  }
  return (record) => {
    try {
      return evaluate(celContext(record)) === true;
    } catch {
      return false;
    }
  };
}
