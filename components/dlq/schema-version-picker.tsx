"use client";

import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "~/server/api/root";

type EditableSchema = NonNullable<inferRouterOutputs<AppRouter>["replay"]["editable"]["schema"]>;

const FORMAT_NAMES: Record<EditableSchema["format"], string> = { avro: "Avro", protobuf: "Protobuf", "json-schema": "JSON Schema" };

/**
 * The registered version a schema-encoded payload's (or key's) edited copy is encoded with: the writer's by default,
 * or any version of the subject (newest first). The copy keeps the Confluent wire format with the chosen schema id.
 */
export function SchemaVersionPicker({
  schema,
  value,
  onChange,
  part = "value",
}: {
  schema: EditableSchema;
  value: number | null;
  onChange: (version: number | null) => void;
  /** Which part of the record it encodes (the key's picker is labelled and found apart from the value's). */
  part?: "key" | "value";
}) {
  const writer = schema.version;
  return (
    <div className="flex flex-col gap-1 text-xs" data-testid={part === "key" ? "key-schema-version-picker" : "schema-version-picker"}>
      <span className="text-slate-500">
        {FORMAT_NAMES[schema.format]} {part === "key" ? "key" : "payload"}, edited as JSON and re-encoded (validated against the chosen version, wire format kept).
        {" "}Written with {schema.subject ? `${schema.subject} v${writer ?? "?"}` : "a schema"} (schema id {schema.schemaId}).
      </span>
      {schema.versions.length > 0 ? (
        <label className="flex items-center gap-2">
          <span className="text-slate-500">Encode with</span>
          <select
            aria-label={part === "key" ? "Key schema version" : "Schema version"}
            value={value ?? ""}
            onChange={(e) => onChange(e.target.value === "" ? null : Number(e.target.value))}
            className="rounded border border-slate-300 px-1 py-0.5"
          >
            {writer === null ? <option value="">the writer&apos;s schema (id {schema.schemaId})</option> : null}
            {schema.versions.map((v) => (
              <option key={v.version} value={v.version}>
                v{v.version} (schema id {v.schemaId}){v.version === writer ? " — the writer's" : ""}
                {v.schemaType !== schema.versions.find((w) => w.version === writer)?.schemaType && writer !== null ? ` — ${v.schemaType}` : ""}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      {schema.note ? <span className="text-amber-700">{schema.note}</span> : null}
    </div>
  );
}
