"use client";

import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "~/server/api/root";
import { SchemaVersionPicker } from "./schema-version-picker";

type Editable = inferRouterOutputs<AppRouter>["replay"]["editable"];
export type EditableKey = NonNullable<Editable["key"]>;

/**
 * The payload of an edited copy: as text (valid JSON when the original is JSON), or the decoded JSON of a
 * schema-encoded value with the subject's version to re-encode it with.
 */
export function PayloadField({
  data,
  value,
  onChange,
  version,
  onVersionChange,
  invalidJson,
}: {
  data: Editable;
  value: string;
  onChange: (value: string) => void;
  version: number | null;
  onVersionChange: (version: number | null) => void;
  invalidJson: string | null;
}) {
  return (
    <>
      <label className="flex flex-col gap-1">
        <span className="text-xs text-slate-500">
          Payload {data.schema ? "(decoded JSON: must stay valid JSON and fit the schema)" : data.valueIsJson ? "(JSON: must stay valid JSON)" : "(text)"}
        </span>
        {data.valueEditable ? (
          <textarea
            value={value}
            onChange={(e) => onChange(e.target.value)}
            rows={Math.min(20, Math.max(4, value.split("\n").length + 1))}
            spellCheck={false}
            aria-label="Payload"
            aria-invalid={invalidJson !== null}
            className={`rounded border px-2 py-1 font-mono text-xs ${invalidJson ? "border-red-500" : "border-slate-300"}`}
          />
        ) : (
          <span className="text-slate-500">{data.valueNote}</span>
        )}
      </label>
      {invalidJson ? (
        <p className="text-xs text-red-700" role="alert" data-testid="edit-json-error">
          Not valid JSON: {invalidJson}
        </p>
      ) : null}
      {data.schema && data.valueEditable ? <SchemaVersionPicker schema={data.schema} value={version} onChange={onVersionChange} /> : null}
      {data.valueIsJson && data.valueEditable ? (
        <button
          type="button"
          disabled={invalidJson !== null}
          onClick={() => onChange(JSON.stringify(JSON.parse(value), null, 2))}
          className="rounded border border-slate-300 px-2 py-0.5 text-xs hover:bg-slate-50 disabled:opacity-50"
        >
          Format JSON
        </button>
      ) : null}
    </>
  );
}

/**
 * The record key of an edited copy (brokers with the "edit-key" capability): as text, or as the decoded JSON of a
 * schema-encoded key with the version of `<topic>-key` to re-encode it with. A key that differs from the original
 * says plainly what that does to partitioning and per-key order.
 */
export function KeyField({
  editable,
  value,
  onChange,
  version,
  onVersionChange,
  changed,
  invalidJson,
}: {
  editable: EditableKey;
  value: string;
  onChange: (key: string) => void;
  version: number | null;
  onVersionChange: (version: number | null) => void;
  /** Whether the key (or its schema version) differs from the original's. */
  changed: boolean;
  invalidJson: string | null;
}) {
  return (
    <div className="space-y-1" data-testid="edit-key-field">
      <label className="flex flex-col gap-1">
        <span className="text-xs text-slate-500">
          Key{" "}
          {editable.schema
            ? "(decoded JSON: must stay valid JSON and fit the key schema)"
            : editable.isJson
              ? "(JSON: must stay valid JSON)"
              : editable.wasNull
                ? "(the original has no key; leave empty to keep it so)"
                : "(text)"}
        </span>
        {editable.editable ? (
          <input
            value={value}
            onChange={(e) => onChange(e.target.value)}
            spellCheck={false}
            aria-label="Key"
            aria-invalid={invalidJson !== null}
            className={`rounded border px-2 py-1 font-mono text-xs ${invalidJson ? "border-red-500" : "border-slate-300"}`}
          />
        ) : (
          <span className="text-slate-500" data-testid="edit-key-note">
            {editable.note}
          </span>
        )}
      </label>
      {invalidJson ? (
        <p className="text-xs text-red-700" role="alert" data-testid="edit-key-json-error">
          Key is not valid JSON: {invalidJson}
        </p>
      ) : null}
      {editable.schema && editable.editable ? <SchemaVersionPicker schema={editable.schema} value={version} onChange={onVersionChange} part="key" /> : null}
      {changed ? (
        <p className="rounded border border-amber-300 bg-amber-50 px-2 py-1 text-xs text-amber-800" role="note" data-testid="edit-key-warning">
          The key differs from the original&apos;s. Kafka picks the partition from the key&apos;s bytes (a new schema version
          changes them too): the copy may land on another partition than the records with the original key, and consumers
          then lose per-key ordering between them, as order holds only within one partition.
        </p>
      ) : null}
    </div>
  );
}
