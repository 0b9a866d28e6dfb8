"use client";

import { useQuery } from "@tanstack/react-query";
import { ErrorBox } from "../ui";
import { useTRPC } from "../trpc";
import type { DlqRef, SchemaEvolution as Evolution } from "./types";
import { VisibleText } from "./visible-text";
import { formatJsonText } from "~/server/lib/json-text";

const KIND_LABEL: Record<string, { text: string; tone: string }> = {
  "default-missing": { text: "default missing", tone: "bg-rose-100 text-rose-900" },
  "type-changed": { text: "type changed", tone: "bg-rose-100 text-rose-900" },
  removed: { text: "removed", tone: "bg-amber-100 text-amber-900" },
  renamed: { text: "renamed", tone: "bg-amber-100 text-amber-900" },
  added: { text: "added", tone: "bg-emerald-100 text-emerald-900" },
};

/** The writer's schema of a Kafka dead letter beside the latest of its subject: the diff and the registry's verdict. */
export function SchemaEvolutionPanel({ dlq, id }: { dlq: DlqRef; id: string }) {
  const trpc = useTRPC();
  const query = useQuery(trpc.dlq.schemaEvolution.queryOptions({ connection: dlq.connection, dlq: dlq.dlq, id }, { staleTime: 60_000 }));
  const evolution = query.data;
  if (query.error) return <ErrorBox title="Could not compare the schemas" message={query.error.message} />;
  if (query.isPending) return <p className="text-sm text-slate-500">Comparing the writer&apos;s schema with the latest…</p>;
  if (!evolution) return null;
  return (
    <details open={evolution.schemaFailure} className="space-y-2" data-testid="schema-evolution">
      <summary className="cursor-pointer text-sm font-semibold text-slate-700">
        Schema evolution{evolution.schemaFailure ? " — this failure is a deserialisation/schema error" : ""}
      </summary>
      <EvolutionBody evolution={evolution} />
    </details>
  );
}

function EvolutionBody({ evolution }: { evolution: Evolution }) {
  if (evolution.status !== "compared") {
    return (
      <p role="status" className="text-sm text-slate-600" data-testid="schema-evolution-note">
        <VisibleText text={evolution.note ?? evolution.status} />
      </p>
    );
  }
  const { writer, latest, compatibility } = evolution;
  return (
    <div className="space-y-3">
      <p className="text-sm" data-testid="schema-evolution-summary">
        Written with <span className="font-mono">{writer?.subject} v{writer?.version}</span> (schema id {writer?.id}); the latest is{" "}
        <span className="font-mono">v{latest?.version}</span> (schema id {latest?.id}).
        {evolution.writtenWithLatest ? " It was written with the latest version: no schema change since." : null}
      </p>
      {compatibility ? (
        <p
          role="status"
          className={`rounded border p-2 text-sm ${compatibility.compatible ? "border-emerald-300 bg-emerald-50 text-emerald-900" : "border-rose-300 bg-rose-50 text-rose-900"}`}
          data-testid="schema-verdict"
        >
          The registry says the change from v{writer?.version} to v{latest?.version} is <strong>{compatibility.compatible ? "compatible" : "not compatible"}</strong>
          {compatibility.level ? ` under ${compatibility.level}` : ""}.
          {compatibility.messages.length > 0 ? <span className="mt-1 block font-mono text-xs">{compatibility.messages.join("\n")}</span> : null}
        </p>
      ) : null}
      {evolution.note ? <p className="text-sm text-amber-800">{evolution.note}</p> : null}
      {evolution.changes.length === 0 ? (
        <p className="text-sm text-slate-500">No field-level changes.</p>
      ) : (
        <table className="w-full text-left text-sm" data-testid="schema-diff">
          <thead className="text-xs uppercase text-slate-500">
            <tr>
              <th scope="col" className="py-1 pr-3 font-medium">Change</th>
              <th scope="col" className="py-1 pr-3 font-medium">Field</th>
              <th scope="col" className="py-1 pr-3 font-medium">Writer&apos;s</th>
              <th scope="col" className="py-1 pr-3 font-medium">Latest</th>
            </tr>
          </thead>
          <tbody>
            {evolution.changes.map((change, index) => (
              <tr key={index} className="border-t border-slate-100" data-testid="schema-diff-row">
                <td className="py-1 pr-3">
                  <span className={`rounded px-1.5 py-0.5 text-xs ${KIND_LABEL[change.kind]?.tone ?? ""}`}>{KIND_LABEL[change.kind]?.text ?? change.kind}</span>
                </td>
                <td className="break-all py-1 pr-3 font-mono text-xs">{change.path}</td>
                <td className="break-all py-1 pr-3 font-mono text-xs">{change.from ?? "—"}</td>
                <td className="break-all py-1 pr-3 font-mono text-xs">{change.to ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="grid gap-2 @2xl:grid-cols-2">
        {[
          ["Writer's schema", writer],
          ["Latest", latest],
        ].map(([label, side]) =>
          side && typeof side === "object" ? (
            <div key={String(label)}>
              <div className="text-xs uppercase tracking-wide text-slate-500">
                {String(label)} (v{side.version})
              </div>
              <pre className="mt-1 max-h-72 overflow-auto whitespace-pre-wrap break-all rounded bg-slate-50 p-2 font-mono text-xs">
                <VisibleText text={formatJsonText(side.schema) ?? side.schema} />
              </pre>
            </div>
          ) : null,
        )}
      </div>
    </div>
  );
}
