import { parse } from "@marcbachmann/cel-js";
import { isUtf8 } from "node:buffer";
import { asText, parseJson } from "./bytes";
import { failureGroupKey, type FailureInfo } from "./failure";

/**
 * Search filters are CEL (never eval): safe, side-effect free, and the language Kafbat UI uses, with
 * the same variable shape so operators can bring their filters:
 *   record.partition, record.offset, record.timestampMs, record.key, record.keyAsText,
 *   record.value (parsed JSON), record.valueAsText, record.headers (name -> text)
 * plus record.error.* for the decoded failure (exceptionClass, message, stacktrace, originTopic,
 * originPartition, originOffset, consumerGroup, attempts, causeClass, sourceQueue, fingerprint: the failure group).
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

/**
 * JSON integers become CEL ints (as Jackson gives Kafbat), so `record.value.qty % 2 == 0` works. Converts
 * in place: the argument is always a fresh JSON.parse result that nothing else holds.
 */
function withIntegers(value: unknown): unknown {
  if (typeof value === "number") return Number.isSafeInteger(value) ? BigInt(value) : value;
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item === "number" || (item !== null && typeof item === "object")) value[i] = withIntegers(item);
    }
    return value;
  }
  const object = value as Record<string, unknown>;
  for (const key in object) {
    const item = object[key];
    if (typeof item === "number" || (item !== null && typeof item === "object")) object[key] = withIntegers(item);
  }
  return value;
}

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const DEL = 0x7f;

function bufferOf(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * The text (asText's rule: valid UTF-8 without control characters, else null) and the CEL value (parsed JSON
 * with integers, else the text) of one payload, each computed on first read.
 */
class Payload {
  #text: string | null | undefined;
  #parsed: unknown;
  #isParsed = false;

  constructor(readonly bytes: Uint8Array | null) {}

  text(): string | null {
    if (this.#text === undefined) this.#text = this.bytes ? asText(this.bytes) : null;
    return this.#text;
  }

  parsed(): unknown {
    if (!this.#isParsed) {
      this.#parsed = this.#text === undefined ? this.#decode() : parsedOf(this.#text);
      this.#isParsed = true;
    }
    return this.#parsed;
  }

  /**
   * Same result as asText + parseJson + withIntegers, faster for the common JSON object or array: native
   * UTF-8 validation and Buffer decoding instead of a fatal TextDecoder, and no control-character regex (a
   * string JSON.parse accepts holds no raw control character but DEL, which is checked for).
   */
  #decode(): unknown {
    const bytes = this.bytes;
    if (bytes === null) return null;
    const first = bytes[0];
    if ((first === OPEN_BRACE || first === OPEN_BRACKET) && isUtf8(bytes)) {
      const buffer = bufferOf(bytes);
      if (buffer.indexOf(DEL) === -1) {
        const text = buffer.toString("utf8");
        try {
          const parsed = withIntegers(JSON.parse(text));
          this.#text = text;
          return parsed;
        } catch {
          // Not JSON: decided by the general rule below.
        }
      }
    }
    return parsedOf(this.text());
  }
}

function parsedOf(text: string | null): unknown {
  if (text === null) return null;
  const json = parseJson(text);
  return json.ok ? withIntegers(json.value) : text;
}

function headersOf(headers: ReadonlyMap<string, Uint8Array | null>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, bytes] of headers) out[name] = bytes ? (asText(bytes) ?? bufferOf(bytes).toString("hex")) : "";
  return out;
}

function errorOf(f: FailureInfo | null): Record<string, unknown> {
  return {
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
    fingerprint: failureGroupKey(f).fingerprint,
  };
}

/**
 * The CEL variables of one record, in Kafbat UI's shape. Key, value, headers and error are decoded only if
 * the expression reads them, so a filter on the error alone never parses a payload. The getters are own
 * properties (an object literal's), because cel-js reads only own properties.
 */
export function celContext(record: FilterRecord): { record: Record<string, unknown> } {
  let key: Payload | undefined;
  let value: Payload | undefined;
  let headers: Record<string, string> | undefined;
  let error: Record<string, unknown> | undefined;
  return {
    record: {
      partition: record.partition,
      offset: record.offset,
      timestampMs: record.timestampMs,
      get key() {
        return (key ??= new Payload(record.key)).parsed();
      },
      get keyAsText() {
        return (key ??= new Payload(record.key)).text();
      },
      get value() {
        return (value ??= new Payload(record.value)).parsed();
      },
      get valueAsText() {
        return (value ??= new Payload(record.value)).text();
      },
      get headers() {
        return (headers ??= headersOf(record.headers));
      },
      get error() {
        return (error ??= errorOf(record.failure));
      },
    },
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
