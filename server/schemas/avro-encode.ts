import avro from "avsc";
import { bigLong, longHook } from "./avro.ts";
import { EncodeError, NumberText } from "./json-exact.ts";

// Avro encoding of an operator's JSON edit, the inverse of avro.ts' rendering: longs and decimals from their
// exact number literals, timestamps, dates and times from the ISO text the decoder writes (or a number),
// unions by value (the first branch the value fits, null first when null), bytes and fixed as base64. A value
// that does not fit the schema is refused naming the field's path.

/** Logical types as pass-throughs: the converter below computes the underlying value itself. */
class PassThrough extends avro.types.LogicalType {
  readonly scale: number;
  readonly precision: number | null;
  constructor(schema: avro.Schema, opts?: unknown) {
    super(schema, opts as avro.ForSchemaOptions);
    const { scale, precision } = schema as { scale?: unknown; precision?: unknown };
    this.scale = typeof scale === "number" ? scale : 0;
    this.precision = typeof precision === "number" ? precision : null;
  }
  protected _fromValue(value: unknown): unknown {
    return value;
  }
  protected _toValue(value: unknown): unknown {
    return value;
  }
  protected _resolve(): undefined {
    return undefined;
  }
}

const KINDS = ["decimal", "timestamp-millis", "timestamp-micros", "local-timestamp-millis", "local-timestamp-micros", "date", "time-millis", "time-micros"];
const LOGICAL = Object.fromEntries(KINDS.map((kind) => [kind, PassThrough])) as unknown as Record<string, new (schema: avro.Schema, opts?: unknown) => avro.types.LogicalType>;

export interface AvroEncoder {
  /** The Avro binary body of a JSON value (parsed with parseJsonExact). */
  encode(value: unknown): Buffer;
}

export function avroEncoder(schemaText: string, references: readonly string[] = []): AvroEncoder {
  const registry: Record<string, avro.Type> = { long: bigLong };
  const options = { registry, logicalTypes: LOGICAL, wrapUnions: true as const, typeHook: longHook(LOGICAL) };
  for (const ref of references) avro.Type.forSchema(JSON.parse(ref) as avro.Schema, options);
  const type = avro.Type.forSchema(JSON.parse(schemaText) as avro.Schema, options);
  return { encode: (value) => type.toBuffer(toAvro(type, value, "")) };
}

const fail = (path: string, message: string): never => {
  throw new EncodeError(path, message);
};
const where = (path: string, key: string | number) => (typeof key === "number" ? `${path}[${key}]` : path ? `${path}.${key}` : key);
const describe = (v: unknown) => (v === null ? "null" : v instanceof NumberText ? `the number ${v.text}` : Array.isArray(v) ? "an array" : typeof v === "object" ? "an object" : JSON.stringify(v));

function integerOf(v: unknown, path: string, what: string): bigint {
  if (!(v instanceof NumberText) || !/^-?\d+$/.test(v.text)) fail(path, `expected ${what} (an integer), got ${describe(v)}`);
  return BigInt((v as NumberText).text);
}

function toAvro(type: avro.Type, v: unknown, path: string): unknown {
  if (type instanceof avro.types.LogicalType) return logical(type, v, path);
  const t = type as avro.Type & { types?: avro.Type[]; fields?: avro.types.Field[]; itemsType?: avro.Type; valuesType?: avro.Type; symbols?: string[]; size?: number };
  switch (type.typeName) {
    case "null":
      return v === null ? null : fail(path, `expected null, got ${describe(v)}`);
    case "boolean":
      return typeof v === "boolean" ? v : fail(path, `expected a boolean, got ${describe(v)}`);
    case "int": {
      const n = integerOf(v, path, "an int");
      return n >= -(2n ** 31n) && n < 2n ** 31n ? Number(n) : fail(path, `${n} does not fit an Avro int (32 bits)`);
    }
    case "long":
    case "abstract:long": {
      const n = integerOf(v, path, "a long");
      return n >= -(2n ** 63n) && n < 2n ** 63n ? n : fail(path, `${n} does not fit an Avro long (64 bits)`);
    }
    case "float":
    case "double":
      if (v instanceof NumberText) return Number(v.text);
      if (v === "NaN" || v === "Infinity" || v === "-Infinity") return Number(v);
      return fail(path, `expected a number, got ${describe(v)}`);
    case "string":
      return typeof v === "string" ? v : fail(path, `expected a string, got ${describe(v)}`);
    case "bytes":
    case "fixed": {
      if (typeof v !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) return fail(path, `expected base64 text, got ${describe(v)}`);
      const buf = Buffer.from(v, "base64");
      if (type.typeName === "fixed" && buf.length !== t.size) fail(path, `expected ${t.size} bytes (base64), got ${buf.length}`);
      return buf;
    }
    case "enum":
      return typeof v === "string" && t.symbols!.includes(v) ? v : fail(path, `expected one of ${t.symbols!.join(", ")}, got ${describe(v)}`);
    case "array":
      if (!Array.isArray(v)) return fail(path, `expected an array, got ${describe(v)}`);
      return v.map((item, i) => toAvro(t.itemsType!, item, where(path, i)));
    case "map": {
      if (v === null || typeof v !== "object" || Array.isArray(v) || v instanceof NumberText) return fail(path, `expected an object (a map), got ${describe(v)}`);
      return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, toAvro(t.valuesType!, item, where(path, k))]));
    }
    case "record":
    case "error": {
      if (v === null || typeof v !== "object" || Array.isArray(v) || v instanceof NumberText) return fail(path, `expected an object (record ${type.name}), got ${describe(v)}`);
      const given = v as Record<string, unknown>;
      const names = new Set(t.fields!.map((f) => f.name));
      for (const key of Object.keys(given)) if (!names.has(key)) fail(where(path, key), `is not a field of ${type.name}`);
      const out: Record<string, unknown> = {};
      for (const field of t.fields!) {
        if (Object.hasOwn(given, field.name)) out[field.name] = toAvro(field.type, given[field.name], where(path, field.name));
        else if (field.defaultValue() !== undefined) out[field.name] = field.defaultValue();
        else fail(where(path, field.name), "is required by the schema (no default) and missing");
      }
      return out;
    }
    case "union:wrapped": {
      const branches = t.types!;
      if (v === null) return branches.some((b) => b.typeName === "null") ? null : fail(path, `is null, but the union (${branches.map((b) => b.branchName).join(", ")}) has no null`);
      const reasons: string[] = [];
      for (const branch of branches) {
        if (branch.typeName === "null") continue;
        try {
          return { [branch.branchName!]: toAvro(branch, v, path) };
        } catch (error) {
          if (!(error instanceof EncodeError)) throw error;
          reasons.push(`${branch.branchName}: ${error.reason}`);
        }
      }
      return fail(path, `fits none of the union's branches (${reasons.join("; ")})`);
    }
    default:
      return fail(path, `Avro type ${type.typeName} cannot be edited`);
  }
}

const ISO_INSTANT = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z)?$/;
const ISO_TIME = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;

function fractionUnits(fraction: string | undefined, digits: number, path: string): bigint {
  const f = fraction ?? "";
  if (f.length > digits && /[^0]/.test(f.slice(digits))) fail(path, `has more precision than the type keeps (${digits} fraction digits)`);
  return BigInt((f.slice(0, digits) || "0").padEnd(digits, "0"));
}

function logical(type: avro.types.LogicalType, v: unknown, path: string): unknown {
  const kind = type.typeName.slice("logical:".length);
  const underlying = type.underlyingType;
  if (kind === "decimal") {
    const scale = (type as PassThrough).scale;
    const text = v instanceof NumberText ? v.text : typeof v === "string" ? v : fail(path, `expected a decimal number, got ${describe(v)}`);
    const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text as string);
    if (!m) return fail(path, `expected a decimal number, got ${describe(v)}`);
    const fraction = m[3] ?? "";
    if (fraction.length > scale && /[^0]/.test(fraction.slice(scale))) fail(path, `${text} has more than ${scale} decimal places (the schema's scale)`);
    const unscaled = BigInt(`${m[1]}${m[2]}${fraction.slice(0, scale).padEnd(scale, "0")}`);
    const { precision } = type as PassThrough;
    if (precision !== null && (unscaled < 0n ? -unscaled : unscaled).toString().length > precision) fail(path, `${text as string} has more than ${precision} digits (the schema's precision)`);
    const size = underlying.typeName === "fixed" ? (underlying as unknown as { size: number }).size : null;
    return twosComplementBytes(unscaled, size, path);
  }
  if (kind === "date") {
    if (v instanceof NumberText) return Number(integerOf(v, path, "days"));
    const m = typeof v === "string" ? /^\d{4}-\d{2}-\d{2}$/.exec(v) : null;
    const ms = m ? Date.parse(`${v as string}T00:00:00Z`) : NaN;
    return Number.isFinite(ms) ? ms / 86_400_000 : fail(path, `expected a date (YYYY-MM-DD), got ${describe(v)}`);
  }
  const perSecond = kind.endsWith("micros") ? 1_000_000n : 1000n;
  const digits = perSecond === 1000n ? 3 : 6;
  const asUnderlying = (n: bigint) => (underlying.typeName === "int" ? Number(n) : n);
  if (v instanceof NumberText) return asUnderlying(integerOf(v, path, kind));
  if (kind.startsWith("time-")) {
    const m = typeof v === "string" ? ISO_TIME.exec(v) : null;
    if (!m) return fail(path, `expected a time (HH:MM:SS.fff), got ${describe(v)}`);
    const seconds = BigInt(Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]));
    return asUnderlying(seconds * perSecond + fractionUnits(m[4], digits, path));
  }
  const m = typeof v === "string" ? ISO_INSTANT.exec(v) : null;
  const ms = m ? Date.parse(`${m[1]}Z`) : NaN;
  if (!m || !Number.isFinite(ms)) return fail(path, `expected an ISO-8601 timestamp, got ${describe(v)}`);
  return asUnderlying(BigInt(ms / 1000) * perSecond + fractionUnits(m[2], digits, path));
}

/** Minimal big-endian two's complement (Java's BigInteger.toByteArray), or sign-extended to a fixed size. */
function twosComplementBytes(n: bigint, size: number | null, path: string): Buffer {
  let length = 1;
  while (n < -(1n << BigInt(length * 8 - 1)) || n >= 1n << BigInt(length * 8 - 1)) length++;
  if (size !== null && length > size) fail(path, `does not fit the decimal's ${size} bytes`);
  const total = size ?? length;
  let u = n < 0n ? (1n << BigInt(total * 8)) + n : n;
  const out = Buffer.alloc(total);
  for (let i = total - 1; i >= 0; i--) {
    out[i] = Number(u & 0xffn);
    u >>= 8n;
  }
  return out;
}
