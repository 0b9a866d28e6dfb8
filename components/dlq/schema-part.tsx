"use client";

import { PayloadView } from "./payload-view";
import type { DlqMessageDetail } from "./types";
import { VisibleText } from "./visible-text";
import { formatJsonText } from "~/server/lib/json-text";

type SchemaDetail = NonNullable<DlqMessageDetail["schemas"]["value"]>;

const FORMAT_LABEL: Record<string, string> = { avro: "Avro", protobuf: "Protobuf", "json-schema": "JSON Schema" };

const ID_SOURCE: Record<string, string> = {
  confluent: "Confluent wire format",
  "apicurio-globalId": "Apicurio globalId header",
  "apicurio-contentId": "Apicurio contentId header",
};

/** A schema-encoded key or value: its schema (subject, version, id, type, the schema text) and the decoded value as JSON. */
export function SchemaPart({ part, schema }: { part: "key" | "value"; schema: SchemaDetail }) {
  const testId = `detail-schema-${part}`;
  if (schema.status !== "decoded") {
    return (
      <p role="status" className="rounded border border-amber-300 bg-amber-50 p-2 text-sm text-amber-900" data-testid={`${testId}-note`}>
        Not decoded{schema.schemaId !== null ? ` (schema id ${schema.schemaId})` : ""}: <VisibleText text={schema.note ?? schema.status} />. The {part} is shown as its bytes below.
      </p>
    );
  }
  const text = schema.json === null ? null : (formatJsonText(schema.json) ?? schema.json);
  return (
    <div className="space-y-2" data-testid={testId}>
      <dl className="flex flex-wrap gap-x-5 gap-y-1 text-xs text-slate-600">
        <div>
          <dt className="inline text-slate-500">Type </dt>
          <dd className="inline font-semibold" data-testid={`${testId}-format`}>
            {FORMAT_LABEL[schema.format ?? ""] ?? schema.format}
          </dd>
        </div>
        <div>
          <dt className="inline text-slate-500">Subject </dt>
          <dd className="inline font-mono" data-testid={`${testId}-subject`}>
            {schema.subject ? `${schema.subject} v${schema.version}` : schema.subjects.map((s) => `${s.subject} v${s.version}`).join(", ") || "—"}
          </dd>
        </div>
        <div>
          <dt className="inline text-slate-500">Schema id </dt>
          <dd className="inline font-mono" data-testid={`${testId}-id`}>
            {schema.schemaId}
            {schema.globalId ? ` (globalId ${schema.globalId})` : ""}
          </dd>
        </div>
        {schema.messageType ? (
          <div>
            <dt className="inline text-slate-500">Message type </dt>
            <dd className="inline font-mono">{schema.messageType}</dd>
          </div>
        ) : null}
        <div>
          <dt className="inline text-slate-500">Id from </dt>
          <dd className="inline">{ID_SOURCE[schema.idSource ?? ""] ?? "—"}</dd>
        </div>
      </dl>
      {schema.status === "decoded" && schema.note ? (
        <p className="text-xs text-amber-800" data-testid={`${testId}-framing-note`}>
          Decoded, but {schema.note}.
        </p>
      ) : null}
      {schema.validation && schema.validation.valid === false ? (
        <p className="text-xs text-amber-800">Does not validate against its schema: {schema.validation.errors.join("; ")}</p>
      ) : null}
      {text === null ? (
        <p className="text-sm text-slate-500">The decoded {part} is withheld for your role.</p>
      ) : (
        <PayloadView value={{ size: schema.json!.length, encoding: "json", text, hex: null, truncated: schema.truncated }} testId={`${testId}-json`} />
      )}
      {schema.schema ? (
        <details>
          <summary className="cursor-pointer text-sm text-sky-700">Writer&apos;s schema{schema.references.length > 0 ? ` (+${schema.references.length} referenced)` : ""}</summary>
          <pre className="mt-1 max-h-96 overflow-auto whitespace-pre-wrap break-all rounded bg-slate-50 p-2 font-mono text-xs" data-testid={`${testId}-text`}>
            <VisibleText text={formatJsonText(schema.schema) ?? schema.schema} />
          </pre>
        </details>
      ) : null}
    </div>
  );
}
