"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { useState } from "react";
import type { AppRouter } from "~/server/api/root";
import { ErrorBox } from "../ui";
import { useTRPC } from "../trpc";
import { HeaderRows, type HeaderRow } from "./edit-header-rows";
import { DestinationField } from "./replay-controls";
import { SchemaVersionPicker } from "./schema-version-picker";
import { BROKER_TERMS } from "./format";
import type { DlqRef } from "./types";

type Editable = inferRouterOutputs<AppRouter>["replay"]["editable"];


/** "Edit and replay…": the stored payload and headers (attributes for SQS) as text, validated, then replayed as a copy. */
export function EditReplayForm({
  dlq,
  id,
  origin,
  snapshotId,
  overrideLoopGuard,
  repeatedHeaders,
  onDone,
}: {
  dlq: DlqRef;
  id: string;
  origin: string | null;
  snapshotId?: string;
  overrideLoopGuard: boolean;
  /** The "repeated-headers" capability (Kafka): headers are an ordered list, edited as a whole. */
  repeatedHeaders: boolean;
  onDone: () => void;
}) {
  const trpc = useTRPC();
  const editable = useQuery(
    trpc.replay.editable.queryOptions({ kind: dlq.kind, connection: dlq.connection, dlq: dlq.dlq, id, snapshotId }, { staleTime: Infinity, gcTime: 0 }),
  );
  return (
    <div className="space-y-2 rounded border border-slate-200 p-3 text-sm" data-testid="edit-replay-form">
      <h4 className="font-medium text-slate-700">Edit and replay</h4>
      {editable.error ? <ErrorBox title="Could not load the message for editing" message={editable.error.message} /> : null}
      {editable.isPending ? <p className="text-slate-500">Reading the message…</p> : null}
      {editable.data ? <Editor dlq={dlq} id={id} origin={origin} data={editable.data} overrideLoopGuard={overrideLoopGuard} repeatedHeaders={repeatedHeaders} onDone={onDone} /> : null}
    </div>
  );
}

function jsonError(text: string): string | null {
  try {
    JSON.parse(text);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

function Editor({
  dlq,
  id,
  origin,
  data,
  overrideLoopGuard,
  repeatedHeaders,
  onDone,
}: {
  dlq: DlqRef;
  id: string;
  origin: string | null;
  data: Editable;
  overrideLoopGuard: boolean;
  repeatedHeaders: boolean;
  onDone: () => void;
}) {
  const trpc = useTRPC();
  const [value, setValue] = useState(data.value ?? "");
  const [rows, setRows] = useState<HeaderRow[]>(() =>
    data.headers.map((h, key) => ({
      key,
      name: h.name,
      value: h.value ?? "",
      originalName: h.name,
      originalValue: h.value,
      binary: h.binary,
      failure: h.failure,
      reserved: h.reserved,
      removed: false,
      dataType: h.dataType,
    })),
  );
  const [schemaVersion, setSchemaVersion] = useState<number | null>(data.schema?.version ?? null);
  const [target, setTarget] = useState(origin ?? "");
  const [note, setNote] = useState("");
  const [confirming, setConfirming] = useState(false);
  const edit = useMutation(
    trpc.replay.edit.mutationOptions({
      onSettled: () => {
        setConfirming(false);
        onDone();
      },
    }),
  );

  if (data.payloadsWithheld) return <p className="text-slate-500">{data.valueNote}</p>;

  const valueChanged = data.valueEditable && value !== (data.value ?? "");
  const invalidJson = data.valueIsJson && valueChanged ? jsonError(value) : null;
  const set = rows
    .filter((r) => !r.removed && !r.binary && !r.reserved && r.name.trim() !== "" && (r.originalName !== r.name.trim() || r.value !== r.originalValue))
    .map((r) => ({ name: r.name.trim(), value: r.value, ...(r.dataType && !r.dataType.startsWith("Binary") ? { dataType: r.dataType } : {}) }));
  const remove = rows.filter((r) => r.originalName !== null && (r.removed || r.name.trim() !== r.originalName)).map((r) => r.originalName!);
  // A schema-encoded payload: another registered version re-encodes the copy even when the JSON is unchanged.
  const versionChanged = data.schema !== null && schemaVersion !== null && schemaVersion !== data.schema.version;
  const changed = valueChanged || versionChanged || set.length > 0 || remove.length > 0;
  // Repeated headers (Kafka): the whole header list in order, each row by its original position, so repeated names
  // stay separate and in place (unchanged and binary values are kept as their original bytes).
  const list = rows
    .filter((r) => !r.removed && r.name.trim() !== "")
    .map((r) => ({ from: r.originalName === null ? null : r.key, name: r.name.trim(), ...(r.binary || r.value === r.originalValue ? {} : { value: r.value }) }));
  const headerEdits = !changed || (set.length === 0 && remove.length === 0) ? undefined : repeatedHeaders ? { list } : { set, remove };
  const destination = target.trim() || null;
  const terms = BROKER_TERMS[dlq.kind];
  const headerNoun = terms.headers;

  return (
    <div className="space-y-3">
      <label className="flex flex-col gap-1">
        <span className="text-xs text-slate-500">
          Payload {data.schema ? "(decoded JSON: must stay valid JSON and fit the schema)" : data.valueIsJson ? "(JSON: must stay valid JSON)" : "(text)"}
        </span>
        {data.valueEditable ? (
          <textarea
            value={value}
            onChange={(e) => setValue(e.target.value)}
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
      {data.schema && data.valueEditable ? <SchemaVersionPicker schema={data.schema} value={schemaVersion} onChange={setSchemaVersion} /> : null}
      {data.valueIsJson && data.valueEditable ? (
        <button
          type="button"
          disabled={invalidJson !== null}
          onClick={() => setValue(JSON.stringify(JSON.parse(value), null, 2))}
          className="rounded border border-slate-300 px-2 py-0.5 text-xs hover:bg-slate-50 disabled:opacity-50"
        >
          Format JSON
        </button>
      ) : null}

      <HeaderRows rows={rows} setRows={setRows} noun={headerNoun} singular={terms.header} />

      <div className="flex flex-wrap items-end gap-2">
        <DestinationField dlq={dlq} value={target} onChange={setTarget} origin={origin} />
        <label className="flex flex-col">
          <span className="text-xs text-slate-500">Note (optional, kept in the ledger)</span>
          <input value={note} onChange={(e) => setNote(e.target.value)} className="w-72 rounded border border-slate-300 px-2 py-1" />
        </label>
      </div>

      {confirming ? (
        <span className="flex flex-wrap items-center gap-2" role="group" aria-label="Confirm edited replay">
          <span>
            Replay the edited message to <span className="font-mono font-medium">{destination ?? "?"}</span>?
          </span>
          <button
            type="button"
            disabled={edit.isPending || !destination || invalidJson !== null || !changed}
            onClick={() =>
              edit.mutate({
                kind: dlq.kind,
                connection: dlq.connection,
                dlq: dlq.dlq,
                id,
                target: destination && destination !== origin ? destination : undefined,
                value: valueChanged ? value : undefined,
                schemaVersion: versionChanged ? (schemaVersion ?? undefined) : undefined,
                headers: headerEdits,
                note: note.trim() || undefined,
                overrideLoopGuard,
              })
            }
            className="rounded bg-amber-600 px-3 py-1 text-white hover:bg-amber-500 disabled:opacity-60"
          >
            {edit.isPending ? "Replaying…" : "Confirm edited replay"}
          </button>
          <button type="button" onClick={() => setConfirming(false)} className="rounded border border-slate-300 px-2 py-1">
            Cancel
          </button>
        </span>
      ) : (
        <button
          type="button"
          onClick={() => setConfirming(true)}
          disabled={!destination || invalidJson !== null || !changed}
          className="rounded bg-slate-900 px-3 py-1 text-white hover:bg-slate-700 disabled:opacity-60"
        >
          Replay edited copy…
        </button>
      )}
      {!changed ? <p className="text-xs text-slate-500">Nothing edited yet.</p> : null}
      {edit.error ? <ErrorBox title="Edited replay refused" message={edit.error.message} /> : null}
      {edit.data ? (
        <p className="text-emerald-700" role="status" data-testid="edit-result">
          Replayed the edited copy to {edit.data.target} at {edit.data.targetPosition} (replay {edit.data.replayCount}, id {edit.data.replayId}).
          {edit.data.diff.value ? ` Payload changed${edit.data.diff.value.changedPaths ? `: ${edit.data.diff.value.changedPaths.join(", ")}` : ""}.` : ""}
          {edit.data.diff.schema ? ` Encoded with schema id ${edit.data.diff.schema.to.schemaId}${edit.data.diff.schema.to.version !== null ? ` (v${edit.data.diff.schema.to.version})` : ""}.` : ""}
          {` ${headerNoun}: +${edit.data.diff.headers.added.length} −${edit.data.diff.headers.removed.length} ~${edit.data.diff.headers.changed.length}.`}
        </p>
      ) : null}
    </div>
  );
}
