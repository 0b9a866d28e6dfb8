import Long from "long";
import protobuf from "protobufjs";
import { EncodeError } from "./json-exact.ts";
import { toJsonText } from "./json-text.ts";

// Protobuf with protobufjs (parses .proto source at run time, which is what registries return; handles
// imports, nested types, maps, oneofs). 64-bit integers stay Long objects end to end (long.js is installed
// and set explicitly) and are written as exact integer literals; enums by name, bytes as base64, and every
// field with its default, so filters find a field whether or not the writer set it. Field names as in the
// .proto file.

protobuf.util.Long = Long;
protobuf.configure();

const PARSE_OPTIONS = { keepCase: true };
/** A map field declaration: `map<K, V> name = N [options];`. */
const MAP_FIELD = /\bmap\s*<\s*[\w.]+\s*,\s*[\w.]+\s*>\s*(\w+)\s*=\s*\d+\s*(?:\[[^\]]*\])?\s*;/g;
const MAP_ENTRY_PREFIX = "RedriveMapEntryPlaceholder__";

export interface ProtobufDecoder {
  /** Decodes a message chosen by Confluent message indexes or by name (Apicurio's Ref); returns JSON text and the full type name. */
  decode(data: Uint8Array, select: { indexes: readonly number[] } | { typeName: string }): { json: string; messageType: string };
  /** Whether the schema has a message type of this name (simple names are looked up in the file's package). */
  hasType(name: string): boolean;
  /**
   * Encodes a JSON value (large integers as decimal strings) as the named message type: the data and the
   * Confluent message indexes of the type. Unknown fields and values of the wrong type are refused naming the field.
   */
  encode(value: unknown, typeName: string): { data: Uint8Array; indexes: number[]; messageType: string };
}

/**
 * Compiles the writer schema. `imports` maps import paths (the references' names) to their .proto source;
 * google/protobuf/*.proto well-known types not given come from protobufjs' bundled copies.
 */
export function protobufDecoder(mainSource: string, imports: ReadonlyMap<string, string> = new Map()): ProtobufDecoder {
  // The main file alone gives its messages in declaration order, which is what message indexes count. protoc
  // also counts the entry type it makes for each map field, where the field stands: a placeholder message
  // takes its place in this parse, so the nested messages after a map field get protoc's index.
  const own = protobuf.parse(mainSource.replace(MAP_FIELD, (_m, name: string) => `message ${MAP_ENTRY_PREFIX}${name} {}`), new protobuf.Root(), PARSE_OPTIONS);
  const ownPackage = own.package ?? "";
  const scope = ownPackage ? own.root.lookup(ownPackage) : own.root;
  if (!(scope instanceof protobuf.Namespace)) throw new Error(`package ${ownPackage} not found in the schema`);

  const root = new protobuf.Root();
  const loaded = new Set<string>();
  const load = (name: string, source: string | undefined) => {
    if (loaded.has(name)) return;
    loaded.add(name);
    if (source === undefined) {
      const bundled = name.startsWith("google/protobuf/") ? (protobuf.common.get(name) as { nested?: Record<string, protobuf.AnyNestedObject> } | null) : null;
      if (!bundled?.nested) throw new Error(`import "${name}" is neither a schema reference nor a bundled well-known type`);
      root.addJSON(bundled.nested);
      return;
    }
    const parsed = protobuf.parse(source, root, PARSE_OPTIONS);
    for (const dep of [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])]) load(dep, imports.get(dep));
  };
  load("<main>", mainSource);
  root.resolveAll();

  const byIndexes = (indexes: readonly number[]): protobuf.Type => {
    let ns: protobuf.Namespace = scope;
    let found: protobuf.Type | undefined;
    for (const index of indexes) {
      const messages: protobuf.Type[] = ns.nestedArray.filter((o): o is protobuf.Type => o instanceof protobuf.Type);
      found = messages[index];
      if (!found || found.name.startsWith(MAP_ENTRY_PREFIX)) throw new Error(`message index path [${indexes.join(", ")}] does not match the schema`);
      ns = found;
    }
    if (!found) throw new Error("empty message index path");
    return root.lookupType(found.fullName);
  };
  const findByName = (name: string): protobuf.Type | null => {
    const candidates = ownPackage && !name.startsWith(`${ownPackage}.`) ? [`${ownPackage}.${name}`, name] : [name];
    for (const candidate of candidates) {
      const type = root.lookup(candidate);
      if (type instanceof protobuf.Type) return type;
    }
    return null;
  };
  const byName = (name: string): protobuf.Type => {
    const type = findByName(name);
    if (!type) throw new Error(`message type ${name} not in the schema`);
    return type;
  };

  const indexesOf = (type: protobuf.Type): number[] => {
    const path = type.fullName.replace(/^\./, "").slice(ownPackage ? ownPackage.length + 1 : 0).split(".");
    const indexes: number[] = [];
    let ns: protobuf.Namespace = scope;
    for (const name of path) {
      const messages = ns.nestedArray.filter((o): o is protobuf.Type => o instanceof protobuf.Type);
      const index = messages.findIndex((m) => m.name === name);
      if (index < 0) throw new Error(`message type ${type.fullName} is not declared in this schema's own file`);
      indexes.push(index);
      ns = messages[index]!;
    }
    return indexes;
  };

  return {
    hasType: (name) => findByName(name) !== null,
    encode(value, typeName) {
      const type = byName(typeName);
      const object = checkedObject(type, value, "");
      const message = type.fromObject(object as Record<string, unknown>);
      return { data: type.encode(message).finish(), indexes: indexesOf(type), messageType: type.fullName.replace(/^\./, "") };
    },
    decode(data, select) {
      const type = "indexes" in select ? byIndexes(select.indexes) : byName(select.typeName);
      const message = type.decode(data);
      // longs left unset: protobufjs keeps Long objects, which toJsonText writes exactly.
      const object = type.toObject(message, { enums: String, bytes: String, defaults: true, json: true });
      return { json: toJsonText(inFieldOrder(type, object)), messageType: type.fullName.replace(/^\./, "") };
    },
  };
}

/** toObject puts repeated and map fields first; the .proto's field order reads better beside the schema. */
function inFieldOrder(type: protobuf.Type, object: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    if (!(field.name in object)) continue;
    const value = object[field.name];
    const nested = field.resolvedType instanceof protobuf.Type ? field.resolvedType : null;
    if (!nested || value === null || typeof value !== "object") out[field.name] = value;
    else if (field.map) out[field.name] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, inFieldOrder(nested, v as Record<string, unknown>)]));
    else if (field.repeated) out[field.name] = (value as Array<Record<string, unknown>>).map((v) => inFieldOrder(nested, v));
    else out[field.name] = inFieldOrder(nested, value as Record<string, unknown>);
  }
  // Anything toObject added that is not a declared field (none today) is kept rather than dropped.
  for (const [key, value] of Object.entries(object)) if (!(key in out)) out[key] = value;
  return out;
}

const INTEGER_32 = new Set(["int32", "uint32", "sint32", "fixed32", "sfixed32"]);
const INTEGER_64 = new Set(["int64", "uint64", "sint64", "fixed64", "sfixed64"]);

/** Throws EncodeError naming the field whose value the type cannot take. */
function fieldValue(field: protobuf.Field, v: unknown, path: string): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return checkedObject(resolved, v, path);
  if (resolved instanceof protobuf.Enum) {
    if ((typeof v === "string" && v in resolved.values) || (typeof v === "number" && Number.isInteger(v))) return v;
    throw new EncodeError(path, `expected one of ${Object.keys(resolved.values).join(", ")}, got ${JSON.stringify(v)}`);
  }
  const t = field.type;
  const ok =
    INTEGER_32.has(t) ? Number.isInteger(v)
    : INTEGER_64.has(t) ? Number.isInteger(v) || (typeof v === "string" && /^-?\d+$/.test(v))
    : t === "double" || t === "float" ? typeof v === "number" || v === "NaN" || v === "Infinity" || v === "-Infinity"
    : t === "bool" ? typeof v === "boolean"
    : t === "string" ? typeof v === "string"
    : t === "bytes" ? typeof v === "string" && /^[A-Za-z0-9+/]*={0,2}$/.test(v)
    : true;
  if (!ok) throw new EncodeError(path, `expected ${t}, got ${JSON.stringify(v)}`);
  return v;
}

const isDefault = (v: unknown) =>
  v === 0 || v === "0" || v === false || v === "" || (Array.isArray(v) && v.length === 0) || (v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0);

/**
 * The value checked against the message type, field by field; fields without presence (proto3 scalars) at their
 * default are left out, as protoc-generated writers leave them out, so an unedited value encodes to its bytes.
 */
function checkedObject(type: protobuf.Type, v: unknown, path: string): Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new EncodeError(path, `expected an object (message ${type.name}), got ${JSON.stringify(v)}`);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(v)) {
    const at = path ? `${path}.${key}` : key;
    const field = type.fields[key];
    if (!field) throw new EncodeError(at, `is not a field of ${type.name}`);
    field.resolve();
    if (item === null) continue;
    let value: unknown;
    if (field.map) {
      if (typeof item !== "object" || Array.isArray(item)) throw new EncodeError(at, `expected an object (a map), got ${JSON.stringify(item)}`);
      value = Object.fromEntries(Object.entries(item).map(([k, x]) => [k, fieldValue(field, x, `${at}.${k}`)]));
    } else if (field.repeated) {
      if (!Array.isArray(item)) throw new EncodeError(at, `expected an array, got ${JSON.stringify(item)}`);
      value = item.map((x, i) => fieldValue(field, x, `${at}[${i}]`));
    } else value = fieldValue(field, item, at);
    const enumDefault = field.resolvedType instanceof protobuf.Enum && (value === 0 || value === Object.keys(field.resolvedType.values).find((n) => (field.resolvedType as protobuf.Enum).values[n] === 0));
    if (!field.hasPresence && !(field.resolvedType instanceof protobuf.Type) && (isDefault(value) || enumDefault)) continue;
    out[key] = value;
  }
  return out;
}
