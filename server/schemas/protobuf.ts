import Long from "long";
import protobuf from "protobufjs";
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

  return {
    hasType: (name) => findByName(name) !== null,
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
