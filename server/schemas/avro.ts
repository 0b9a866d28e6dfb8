import avro from "avsc";
import { decimalText, RawJson, toJsonText, twosComplement } from "./json-text.ts";

// Avro with avsc (the most used pure-JS Avro library: schema resolution, named types, logical types, no native
// code). Longs decode as bigint (avsc's default rounds beyond 2^53), and logical types are rendered exactly:
// decimals as number literals with their scale ("12.30"), dates and timestamps as ISO-8601 text at their own
// precision (micros keep six digits). Unions are shown by their value (the branch is in the schema); bytes
// and fixed as base64.

export const bigLong = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(),
  toBuffer: (n: bigint) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(BigInt(n));
    return buf;
  },
  fromJSON: (n: number | string) => BigInt(n),
  toJSON: (n: bigint) => n.toString(),
  isValid: (n: unknown) => typeof n === "bigint",
  compare: (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1),
});

type Schema = { [key: string]: unknown };

/** Decode-only logical types: _fromValue renders the exact JSON; encoding goes through the underlying type. */
abstract class RenderedLogicalType extends avro.types.LogicalType {
  protected _toValue(): never {
    throw new Error(`${this.typeName}: decode only`);
  }
  protected _resolve(): undefined {
    return undefined;
  }
}

class DecimalType extends RenderedLogicalType {
  readonly scale: number;
  constructor(schema: Schema, opts?: unknown) {
    super(schema as avro.Schema, opts);
    this.scale = typeof schema.scale === "number" ? schema.scale : 0;
  }
  protected _fromValue(buf: Buffer): RawJson {
    return new RawJson(decimalText(twosComplement(buf), this.scale));
  }
}

const pad = (n: number | bigint, width: number) => n.toString().padStart(width, "0");

/** ISO-8601 for an instant in the given unit since the epoch, null outside years 0000-9999 (shown as the number). */
function isoInstant(value: bigint, perSecond: bigint, utc: boolean): string | null {
  const seconds = value / perSecond - (value % perSecond < 0n ? 1n : 0n);
  const fraction = value - seconds * perSecond;
  if (seconds < -62_167_219_200n || seconds > 253_402_300_799n) return null;
  const base = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  const digits = perSecond === 1000n ? 3 : 6;
  return `${base}.${pad(fraction, digits)}${utc ? "Z" : ""}`;
}

class TimestampType extends RenderedLogicalType {
  readonly perSecond: bigint;
  readonly utc: boolean;
  constructor(schema: Schema, opts?: unknown) {
    super(schema as avro.Schema, opts);
    const logical = String(schema.logicalType);
    this.perSecond = logical.endsWith("micros") ? 1_000_000n : 1000n;
    this.utc = !logical.startsWith("local-");
  }
  protected _fromValue(value: bigint | number): RawJson | bigint {
    const iso = isoInstant(BigInt(value), this.perSecond, this.utc);
    return iso === null ? BigInt(value) : new RawJson(JSON.stringify(iso));
  }
}

class DateType extends RenderedLogicalType {
  protected _fromValue(days: number): RawJson | number {
    const iso = isoInstant(BigInt(days) * 86_400n, 1n, false);
    return iso === null ? days : new RawJson(JSON.stringify(new Date(days * 86_400_000).toISOString().slice(0, 10)));
  }
}

class TimeType extends RenderedLogicalType {
  readonly perSecond: bigint;
  constructor(schema: Schema, opts?: unknown) {
    super(schema as avro.Schema, opts);
    this.perSecond = String(schema.logicalType) === "time-micros" ? 1_000_000n : 1000n;
  }
  protected _fromValue(value: bigint | number): RawJson | bigint | number {
    const v = BigInt(value);
    if (v < 0n || v >= 86_400n * this.perSecond) return value;
    const seconds = v / this.perSecond;
    const fraction = v % this.perSecond;
    const text = `${pad(seconds / 3600n, 2)}:${pad((seconds / 60n) % 60n, 2)}:${pad(seconds % 60n, 2)}.${pad(fraction, this.perSecond === 1000n ? 3 : 6)}`;
    return new RawJson(JSON.stringify(text));
  }
}

const LOGICAL_TYPES = {
  decimal: DecimalType,
  "timestamp-millis": TimestampType,
  "timestamp-micros": TimestampType,
  "local-timestamp-millis": TimestampType,
  "local-timestamp-micros": TimestampType,
  date: DateType,
  "time-millis": TimeType,
  "time-micros": TimeType,
} as unknown as Record<string, new (schema: avro.Schema, opts?: unknown) => avro.types.LogicalType>;

export interface AvroDecoder {
  decode(data: Uint8Array): string;
}

/**
 * Compiles a writer schema; `references` are the schemas of its referenced named types, dependencies first
 * (each parsed into the same registry so the main schema can name them).
 */
export function avroDecoder(schemaText: string, references: readonly string[] = []): AvroDecoder {
  const registry: Record<string, avro.Type> = { long: bigLong };
  const options = { registry, logicalTypes: LOGICAL_TYPES, wrapUnions: true as const, typeHook: longHook() };
  for (const ref of references) avro.Type.forSchema(JSON.parse(ref) as avro.Schema, options);
  const type = avro.Type.forSchema(JSON.parse(schemaText) as avro.Schema, options);
  return {
    decode(data) {
      const value: unknown = type.fromBuffer(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      return toJsonText(plain(type, value, 0));
    },
  };
}

/**
 * avsc builds `{"type": "long"}` objects with its own long type (the registry only answers names), so a hook
 * hands out the bigint long instead. A known logical type over long is asked for twice with the same schema
 * object: first for the logical type (left to avsc), then for its underlying type (the bigint long).
 */
export function longHook(logicalTypes: Record<string, unknown> = LOGICAL_TYPES): (schema: unknown) => avro.Type | undefined {
  const logicalSeen = new WeakSet<object>();
  return (schema) => {
    if (typeof schema !== "object" || schema === null || Array.isArray(schema) || (schema as Schema).type !== "long") return undefined;
    const logical = (schema as Schema).logicalType;
    if (typeof logical === "string" && logical in logicalTypes && !logicalSeen.has(schema)) {
      logicalSeen.add(schema);
      return undefined;
    }
    return bigLong;
  };
}

/** The decoded value with unions unwrapped and records as plain objects in field order. */
function plain(type: avro.Type, value: unknown, depth: number): unknown {
  if (depth > 256) throw new Error("Avro value nested deeper than 256 levels");
  const t = type as avro.Type & { types?: avro.Type[]; fields?: avro.types.Field[]; itemsType?: avro.Type; valuesType?: avro.Type };
  switch (type.typeName) {
    case "union:wrapped": {
      if (value === null) return null;
      const [branch, inner] = Object.entries(value as object)[0] ?? [];
      const branchType = t.types?.find((b) => b.branchName === branch);
      if (!branchType) throw new Error(`union branch ${String(branch)} not in the schema`);
      return plain(branchType, inner, depth + 1);
    }
    case "record":
    case "error": {
      const record = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const field of t.fields ?? []) out[field.name] = plain(field.type, record[field.name], depth + 1);
      return out;
    }
    case "array":
      return (value as unknown[]).map((item) => plain(t.itemsType!, item, depth + 1));
    case "map": {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = plain(t.valuesType!, v, depth + 1);
      return out;
    }
    default:
      return value;
  }
}
