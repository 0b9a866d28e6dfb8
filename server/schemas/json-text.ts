// Decoded values written as JSON text that keeps every digit: 64-bit integers (bigint, or protobufjs' Long)
// and decimals are written as JSON number literals with their exact digits, never through a double. The
// text is what the DLQ views show and what CEL reads (which keeps integers beyond 2^53 from the text).

/** Already-written JSON (a decimal's exact digits, an ISO timestamp): copied into the output as is. */
export class RawJson {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

interface LongLike {
  low: number;
  high: number;
  unsigned: boolean;
  toString(radix?: number): string;
}

function isLong(value: object): value is LongLike {
  return (value as { __isLong__?: unknown }).__isLong__ === true;
}

/** Past this nesting the value is cut (a recursive schema can describe data of any depth). */
const MAX_DEPTH = 256;

/** JSON text for a decoded value. Non-finite floats become the strings "NaN", "Infinity", "-Infinity" (as proto3 JSON). */
export function toJsonText(value: unknown): string {
  return write(value, 0);
}

// String concatenation rather than parts joined at the end: V8 builds ropes, and this runs once per record
// in a search (measured 3.8x faster than an array of parts joined).
function write(value: unknown, depth: number): string {
  if (depth > MAX_DEPTH) throw new Error(`value nested deeper than ${MAX_DEPTH} levels`);
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "number":
      return Number.isFinite(value) ? String(value) : JSON.stringify(String(value));
    case "bigint":
      return value.toString();
    case "boolean":
      return value ? "true" : "false";
    case "undefined":
      return "null";
    case "object":
      break;
    default:
      throw new Error(`cannot write a ${typeof value} as JSON`);
  }
  if (value === null) return "null";
  if (value instanceof RawJson) return value.text;
  if (isLong(value)) return value.toString();
  if (value instanceof Uint8Array) return `"${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64")}"`;
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) out += (i > 0 ? "," : "") + write(value[i], depth + 1);
    return out + "]";
  }
  let out = "{";
  let first = true;
  if (value instanceof Map) {
    for (const [k, v] of value) {
      out += (first ? "" : ",") + JSON.stringify(String(k)) + ":" + write(v, depth + 1);
      first = false;
    }
    return out + "}";
  }
  const record = value as Record<string, unknown>;
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue;
    out += (first ? "" : ",") + JSON.stringify(key) + ":" + write(record[key], depth + 1);
    first = false;
  }
  return out + "}";
}

/** The exact decimal text of unscaled × 10^-scale (e.g. 12345n, 2 → "123.45"; -5n, 3 → "-0.005"). */
export function decimalText(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString();
  if (scale <= 0) return (negative ? "-" : "") + digits + "0".repeat(-scale);
  const padded = digits.padStart(scale + 1, "0");
  return `${negative ? "-" : ""}${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
}

/** A big-endian two's-complement integer (Avro decimal bytes / fixed). */
export function twosComplement(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return bytes[0]! & 0x80 ? n - (1n << BigInt(bytes.length * 8)) : n;
}
