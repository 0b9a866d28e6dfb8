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
  const out: string[] = [];
  write(value, out, 0);
  return out.join("");
}

function write(value: unknown, out: string[], depth: number): void {
  if (depth > MAX_DEPTH) throw new Error(`value nested deeper than ${MAX_DEPTH} levels`);
  switch (typeof value) {
    case "string":
      out.push(JSON.stringify(value));
      return;
    case "number":
      out.push(Number.isFinite(value) ? String(value) : JSON.stringify(String(value)));
      return;
    case "bigint":
      out.push(value.toString());
      return;
    case "boolean":
      out.push(value ? "true" : "false");
      return;
    case "undefined":
      out.push("null");
      return;
    case "object":
      break;
    default:
      throw new Error(`cannot write a ${typeof value} as JSON`);
  }
  if (value === null) {
    out.push("null");
  } else if (value instanceof RawJson) {
    out.push(value.text);
  } else if (isLong(value)) {
    out.push(value.toString());
  } else if (value instanceof Uint8Array) {
    out.push(JSON.stringify(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64")));
  } else if (Array.isArray(value)) {
    out.push("[");
    value.forEach((item, i) => {
      if (i > 0) out.push(",");
      write(item, out, depth + 1);
    });
    out.push("]");
  } else if (value instanceof Map) {
    writeEntries([...value.entries()].map(([k, v]) => [String(k), v]), out, depth);
  } else {
    writeEntries(Object.entries(value), out, depth);
  }
}

function writeEntries(entries: Array<[string, unknown]>, out: string[], depth: number): void {
  out.push("{");
  entries.forEach(([key, item], i) => {
    if (i > 0) out.push(",");
    out.push(JSON.stringify(key), ":");
    write(item, out, depth + 1);
  });
  out.push("}");
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
