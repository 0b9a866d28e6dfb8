import protobuf from "protobufjs";
import type { SchemaType } from "./registry-client.ts";

// A field-level diff between two versions of one subject's schema: what changed from the writer's schema (the
// one a dead letter was written with) to the latest. Pure: parses the schema texts, asks no registry.
//
// - added: in the latest only, with a default (or optional): records written before still read.
// - default-missing: in the latest only without a default (Avro), or newly required (JSON Schema, proto2), or
//   a default the writer's field had that the latest dropped: records written with the writer's schema cannot
//   be read with the latest.
// - removed, renamed (an Avro alias naming the old field, the same Protobuf field number, or a removed and an
//   added field of one type at the same position), type-changed.

export type FieldChangeKind = "added" | "removed" | "renamed" | "type-changed" | "default-missing";

export interface FieldChange {
  kind: FieldChangeKind;
  /** The field's path in the latest schema (the writer's for a removed field), e.g. "Payment.card.number". */
  path: string;
  /** Writer's side: the type (or the old name of a renamed field). */
  from: string | null;
  /** Latest side. */
  to: string | null;
}

interface FlatField {
  path: string;
  parent: string;
  name: string;
  index: number;
  type: string;
  hasDefault: boolean;
  required: boolean;
  aliases: string[];
  /** Protobuf: the field number (identity across renames). */
  number?: number;
}

// ---- Avro ---------------------------------------------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function avroTypeName(type: Json, named: Map<string, Json>, namespace: string): string {
  if (typeof type === "string") return type;
  if (Array.isArray(type)) return type.map((t) => avroTypeName(t, named, namespace)).join(" | ");
  if (type === null || typeof type !== "object") return String(type);
  const t = type.type;
  if (typeof type.logicalType === "string") {
    const extra = type.logicalType === "decimal" ? `(${String(type.precision ?? "")},${String(type.scale ?? 0)})` : "";
    return `${String(t)}:${type.logicalType}${extra}`;
  }
  if (t === "array") return `array<${avroTypeName(type.items ?? null, named, namespace)}>`;
  if (t === "map") return `map<${avroTypeName(type.values ?? null, named, namespace)}>`;
  if (t === "enum") return `enum ${String(type.name)} {${Array.isArray(type.symbols) ? type.symbols.join(", ") : ""}}`;
  if (t === "fixed") return `fixed ${String(type.name)}(${String(type.size)})`;
  if (t === "record" || t === "error") return String(type.name);
  return avroTypeName(t ?? null, named, namespace);
}

function fullName(name: string, namespace: string): string {
  return name.includes(".") || !namespace ? name : `${namespace}.${name}`;
}

/** Collects named types so a field that names one (by name only) is walked into. */
function collectNamed(type: Json, named: Map<string, Json>, namespace: string, depth = 0): void {
  if (depth > 64 || type === null || typeof type !== "object") return;
  if (Array.isArray(type)) {
    for (const t of type) collectNamed(t, named, namespace, depth + 1);
    return;
  }
  const ns = typeof type.namespace === "string" ? type.namespace : namespace;
  if (typeof type.name === "string" && (type.type === "record" || type.type === "error" || type.type === "enum" || type.type === "fixed")) {
    named.set(fullName(type.name, ns), type);
    named.set(type.name, type);
  }
  if (Array.isArray(type.fields)) for (const f of type.fields) if (f && typeof f === "object" && !Array.isArray(f)) collectNamed(f.type ?? null, named, ns, depth + 1);
  if (type.items !== undefined) collectNamed(type.items, named, ns, depth + 1);
  if (type.values !== undefined) collectNamed(type.values, named, ns, depth + 1);
  if (typeof type.type === "object") collectNamed(type.type, named, ns, depth + 1);
}

function avroFields(schemaText: string, references: readonly string[]): FlatField[] {
  const named = new Map<string, Json>();
  for (const ref of references) collectNamed(JSON.parse(ref) as Json, named, "");
  const root = JSON.parse(schemaText) as Json;
  collectNamed(root, named, "");
  const out: FlatField[] = [];
  const walk = (type: Json, path: string, seen: Set<string>, depth: number) => {
    if (depth > 32) return;
    // Through unions, arrays and maps to the records they hold.
    if (typeof type === "string") {
      const target = named.get(type);
      if (target && !seen.has(type)) walk(target, path, new Set([...seen, type]), depth + 1);
      return;
    }
    if (Array.isArray(type)) {
      for (const t of type) if (t !== "null") walk(t, path, seen, depth + 1);
      return;
    }
    if (type === null || typeof type !== "object") return;
    if (type.type === "array") return walk(type.items ?? null, path, seen, depth + 1);
    if (type.type === "map") return walk(type.values ?? null, path, seen, depth + 1);
    if ((type.type === "record" || type.type === "error") && Array.isArray(type.fields)) {
      type.fields.forEach((field, index) => {
        if (!field || typeof field !== "object" || Array.isArray(field) || typeof field.name !== "string") return;
        const fieldPath = `${path}.${field.name}`;
        out.push({
          path: fieldPath,
          parent: path,
          name: field.name,
          index,
          type: avroTypeName(field.type ?? null, named, ""),
          hasDefault: "default" in field,
          required: !("default" in field),
          aliases: Array.isArray(field.aliases) ? field.aliases.filter((a): a is string => typeof a === "string") : [],
        });
        walk(field.type ?? null, fieldPath, seen, depth + 1);
      });
      return;
    }
    if (typeof type.type === "object" || typeof type.type === "string") {
      if (type.type !== "enum" && type.type !== "fixed") walk(type.type, path, seen, depth + 1);
    }
  };
  const rootName = root && typeof root === "object" && !Array.isArray(root) && typeof root.name === "string" ? root.name : "value";
  walk(root, rootName, new Set(), 0);
  return out;
}

// ---- Protobuf -----------------------------------------------------------------------------------------------

function protobufFields(source: string): FlatField[] {
  const parsed = protobuf.parse(source, new protobuf.Root(), { keepCase: true });
  const out: FlatField[] = [];
  const walk = (ns: protobuf.NamespaceBase) => {
    for (const nested of ns.nestedArray) {
      if (nested instanceof protobuf.Type) {
        const parent = nested.fullName.replace(/^\./, "");
        nested.fieldsArray.forEach((field, index) => {
          const label = field.map ? `map<${(field as unknown as protobuf.MapField).keyType}, ${field.type}>` : `${field.repeated ? "repeated " : ""}${field.type}`;
          out.push({
            path: `${parent}.${field.name}`,
            parent,
            name: field.name,
            index,
            type: label,
            hasDefault: !field.required,
            required: field.required,
            aliases: [],
            number: field.id,
          });
        });
      }
      if (nested instanceof protobuf.Namespace) walk(nested);
    }
  };
  walk(parsed.root);
  return out;
}

// ---- JSON Schema --------------------------------------------------------------------------------------------

function jsonSchemaType(node: Json): string {
  if (node === null || typeof node !== "object" || Array.isArray(node)) return String(node);
  if (typeof node.$ref === "string") return `$ref ${node.$ref}`;
  const type = Array.isArray(node.type) ? node.type.join(" | ") : typeof node.type === "string" ? node.type : Array.isArray(node.enum) ? "enum" : "any";
  if (type === "array" && node.items && typeof node.items === "object" && !Array.isArray(node.items)) return `array<${jsonSchemaType(node.items)}>`;
  return typeof node.format === "string" ? `${type}:${node.format}` : type;
}

function jsonSchemaFields(schemaText: string): FlatField[] {
  const out: FlatField[] = [];
  const walk = (node: Json, path: string, depth: number) => {
    if (depth > 32 || node === null || typeof node !== "object" || Array.isArray(node)) return;
    if (node.items && typeof node.items === "object" && !Array.isArray(node.items)) walk(node.items, `${path}[]`, depth + 1);
    const properties = node.properties;
    if (!properties || typeof properties !== "object" || Array.isArray(properties)) return;
    const required = new Set(Array.isArray(node.required) ? node.required.filter((r): r is string => typeof r === "string") : []);
    Object.entries(properties).forEach(([name, child], index) => {
      const hasDefault = child !== null && typeof child === "object" && !Array.isArray(child) && "default" in child;
      out.push({ path: `${path}.${name}`, parent: path, name, index, type: jsonSchemaType(child), hasDefault, required: required.has(name), aliases: [] });
      walk(child, `${path}.${name}`, depth + 1);
    });
  };
  walk(JSON.parse(schemaText) as Json, "value", 0);
  return out;
}

// ---- The diff -----------------------------------------------------------------------------------------------

export interface SchemaSide {
  schemaType: SchemaType;
  schema: string;
  /** Avro: the referenced schemas' texts (named types), dependencies first. */
  references?: readonly string[];
}

function flatten(side: SchemaSide): FlatField[] {
  if (side.schemaType === "AVRO") return avroFields(side.schema, side.references ?? []);
  if (side.schemaType === "PROTOBUF") return protobufFields(side.schema);
  return jsonSchemaFields(side.schema);
}

/** The field-level changes from the writer's schema to the latest, in the latest schema's field order. */
export function diffSchemas(writer: SchemaSide, latest: SchemaSide): FieldChange[] {
  if (writer.schemaType !== latest.schemaType) return [{ kind: "type-changed", path: "(schema)", from: writer.schemaType, to: latest.schemaType }];
  const before = flatten(writer);
  const after = flatten(latest);
  const protobufIds = writer.schemaType === "PROTOBUF";
  const key = (f: FlatField) => (protobufIds ? `${f.parent}#${f.number}` : f.path);
  const beforeByKey = new Map(before.map((f) => [key(f), f]));
  const afterKeys = new Set(after.map(key));
  const removed = before.filter((f) => !afterKeys.has(key(f)));
  const renamedFrom = new Set<FlatField>();
  const changes: FieldChange[] = [];
  // A renamed record field moves its children's paths too: those follow the rename, not added/removed.
  const movedParents = new Map<string, string>();
  for (const field of after) {
    const parent = [...movedParents].reduce((p, [to, from]) => (p === to || p.startsWith(`${to}.`) ? from + p.slice(to.length) : p), field.parent);
    const old = beforeByKey.get(key(field)) ?? (parent !== field.parent ? beforeByKey.get(`${parent}.${field.name}`) : undefined);
    if (old) {
      if (protobufIds && old.name !== field.name) changes.push({ kind: "renamed", path: field.path, from: old.name, to: field.name });
      if (old.type !== field.type) changes.push({ kind: "type-changed", path: field.path, from: old.type, to: field.type });
      else if (old.hasDefault && !field.hasDefault && writer.schemaType === "AVRO") changes.push({ kind: "default-missing", path: field.path, from: "had a default", to: "no default" });
      else if (!old.required && field.required && writer.schemaType !== "AVRO") changes.push({ kind: "default-missing", path: field.path, from: "optional", to: "required" });
      continue;
    }
    const renamed = removed.find((r) => !renamedFrom.has(r) && r.parent === parent && (field.aliases.includes(r.name) || (r.index === field.index && r.type === field.type)));
    if (renamed) {
      renamedFrom.add(renamed);
      if (field.path !== renamed.path) movedParents.set(field.path, renamed.path);
      changes.push({ kind: "renamed", path: field.path, from: renamed.name, to: field.name });
      if (renamed.type !== field.type) changes.push({ kind: "type-changed", path: field.path, from: renamed.type, to: field.type });
      continue;
    }
    const breaking = writer.schemaType === "AVRO" ? !field.hasDefault : field.required;
    changes.push({ kind: breaking ? "default-missing" : "added", path: field.path, from: null, to: field.type });
  }
  for (const field of removed) {
    if (renamedFrom.has(field)) continue;
    if ([...movedParents.values()].some((from) => field.path.startsWith(`${from}.`))) continue;
    changes.push({ kind: "removed", path: field.path, from: field.type, to: null });
  }
  return changes;
}
