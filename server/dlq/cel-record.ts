/**
 * The CEL variables of one record (Kafbat UI's shape), built where filters are evaluated: in the filter
 * worker threads (server/dlq/filter-worker.ts). Loaded by Node directly there (type stripping), so this file
 * uses only erasable TypeScript and imports with explicit .ts extensions.
 */
import { isUtf8 } from "node:buffer";
import { asText } from "./bytes.ts";
import { failureGroupKey, type FailureInfo } from "./failure.ts";

export interface FilterRecord {
  partition: number | null;
  offset: number | null;
  timestampMs: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: ReadonlyMap<string, Uint8Array | null>;
  failure: FailureInfo | null;
}

/**
 * JSON integers become CEL ints (as Jackson gives Kafbat), so `record.value.qty % 2 == 0` works. Converts
 * in place (the argument is always a fresh JSON.parse result that nothing else holds) and without recursion,
 * so a payload nested thousands of levels deep is walked like any other.
 */
function withIntegers(root: unknown): unknown {
  if (typeof root === "number") return Number.isSafeInteger(root) ? BigInt(root) : root;
  if (root === null || typeof root !== "object") return root;
  const pending: object[] = [root];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    const slots = node as Record<string, unknown>;
    for (const key of Array.isArray(node) ? node.keys() : Object.keys(node)) {
      const item = slots[key];
      if (typeof item === "number") {
        if (Number.isSafeInteger(item)) slots[key] = BigInt(item);
      } else if (item !== null && typeof item === "object") pending.push(item);
    }
  }
  return root;
}

const LONG_INTEGER = /\d{16}/;
const INTEGER = /^-?\d+$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * JSON.parse, but an integer beyond 2^53 that fits CEL's int64 becomes a BigInt from its text (an id such as
 * 9223372036854775807 compares exactly). The reviver recurses, so a payload too deep for it is parsed plainly.
 */
function parseJsonText(text: string): unknown {
  if (!LONG_INTEGER.test(text)) return JSON.parse(text);
  try {
    return JSON.parse(text, (_key, value: unknown, context?: { source?: string }) => {
      if (typeof value !== "number" || Number.isSafeInteger(value) || !context?.source || !INTEGER.test(context.source)) return value;
      const exact = BigInt(context.source);
      return exact >= INT64_MIN && exact <= INT64_MAX ? exact : value;
    });
  } catch (error) {
    if (error instanceof RangeError) return JSON.parse(text);
    throw error;
  }
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
  readonly bytes: Uint8Array | null;
  #text: string | null | undefined;
  #parsed: unknown;
  #isParsed = false;

  constructor(bytes: Uint8Array | null) {
    this.bytes = bytes;
  }

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
          const parsed = withIntegers(parseJsonText(text));
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
  const trimmed = text.trimStart();
  if (!trimmed.startsWith("{") && !trimmed.startsWith("[") && !trimmed.startsWith('"')) return text;
  try {
    return withIntegers(parseJsonText(text));
  } catch {
    return text;
  }
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
    // The failure group's fingerprint, so a group opens exactly its own messages.
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
