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

/** withIntegers met an integral number beyond 2^53: its exact digits are only in the text. */
const NEEDS_SOURCE = Symbol("needs source");

/**
 * JSON integers become CEL ints (as Jackson gives Kafbat), so `record.value.qty % 2 == 0` works. Converts
 * in place (the argument is always a fresh JSON.parse result that nothing else holds) and without recursion,
 * so a payload nested thousands of levels deep is walked like any other. With `report`, stops at an
 * integral number beyond 2^53 and answers NEEDS_SOURCE.
 */
function withIntegers(root: unknown, report: boolean): unknown {
  if (typeof root === "number") return Number.isSafeInteger(root) ? BigInt(root) : report && Number.isInteger(root) ? NEEDS_SOURCE : root;
  if (root === null || typeof root !== "object") return root;
  const pending: object[] = [root];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const item: unknown = node[i];
        if (typeof item === "number") {
          if (Number.isSafeInteger(item)) node[i] = BigInt(item);
          else if (report && Number.isInteger(item)) return NEEDS_SOURCE;
        } else if (item !== null && typeof item === "object") pending.push(item);
      }
      continue;
    }
    const slots = node as Record<string, unknown>;
    for (const key in slots) {
      const item = slots[key];
      if (typeof item === "number") {
        if (Number.isSafeInteger(item)) slots[key] = BigInt(item);
        else if (report && Number.isInteger(item)) return NEEDS_SOURCE;
      } else if (item !== null && typeof item === "object") pending.push(item);
    }
  }
  return root;
}

const INTEGER = /^-?\d+$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * JSON.parse with integers as CEL ints; an integer beyond 2^53 that fits CEL's int64 becomes a BigInt from
 * its text (an id such as 9223372036854775807 compares exactly). Only a payload holding such a number is
 * parsed a second time, with a reviver (which recurses: a payload too deep for it keeps the plain numbers).
 */
function parseJsonText(text: string): unknown {
  const plain = withIntegers(JSON.parse(text), true);
  if (plain !== NEEDS_SOURCE) return plain;
  try {
    return withIntegers(
      JSON.parse(text, (_key, value: unknown, context?: { source?: string }) => {
        if (typeof value !== "number" || Number.isSafeInteger(value) || !context?.source || !INTEGER.test(context.source)) return value;
        const exact = BigInt(context.source);
        return exact >= INT64_MIN && exact <= INT64_MAX ? exact : value;
      }),
      false,
    );
  } catch (error) {
    if (error instanceof RangeError) return withIntegers(JSON.parse(text), false);
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
          const parsed = parseJsonText(text);
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
    return parseJsonText(text);
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

/**
 * celContext for one record after another (a predicate evaluating a batch): one context object whose getters
 * read the record last given to `set`, so no context, getters or closures are built per record. Only for
 * synchronous evaluation that keeps nothing of the context.
 */
export function celCursor(): { context: { record: Record<string, unknown> }; set(record: FilterRecord): void } {
  let current: FilterRecord | undefined;
  let key: Payload | undefined;
  let value: Payload | undefined;
  let headers: Record<string, string> | undefined;
  let error: Record<string, unknown> | undefined;
  const at = () => current!;
  return {
    set(record) {
      current = record;
      key = value = headers = error = undefined;
    },
    context: {
      record: {
        get partition() {
          return at().partition;
        },
        get offset() {
          return at().offset;
        },
        get timestampMs() {
          return at().timestampMs;
        },
        get key() {
          return (key ??= new Payload(at().key)).parsed();
        },
        get keyAsText() {
          return (key ??= new Payload(at().key)).text();
        },
        get value() {
          return (value ??= new Payload(at().value)).parsed();
        },
        get valueAsText() {
          return (value ??= new Payload(at().value)).text();
        },
        get headers() {
          return (headers ??= headersOf(at().headers));
        },
        get error() {
          return (error ??= errorOf(at().failure));
        },
      },
    },
  };
}
