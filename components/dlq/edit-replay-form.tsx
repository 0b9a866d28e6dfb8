"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { useState } from "react";
import type { AppRouter } from "~/server/api/root";
import { ErrorBox } from "../ui";
import { useTRPC } from "../trpc";
import { HeaderRows, type HeaderRow } from "./edit-header-rows";
import { KeyField, PayloadField } from "./edit-fields";
import { jsonError } from "./json-error";
import { DestinationField } from "./replay-controls";
import { BROKER_TERMS } from "./format";
import type { DlqRef } from "./types";

type Editable = inferRouterOutputs<AppRouter>["replay"]["editable"];

/** "Edit and replay…": the stored payload, key (Kafka) and headers (attributes for SQS) as text, validated, then replayed as a copy. */
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
  const [key, setKey] = useState(data.key?.text ?? "");
  const [keySchemaVersion, setKeySchemaVersion] = useState<number | null>(data.key?.schema?.version ?? null);
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
  // The key ("edit-key" brokers) the same way: text, or a schema-encoded key's JSON and version; unchanged, its bytes are kept.
  const keyChanged = data.key !== null && data.key.editable && key !== (data.key.text ?? "");
  const invalidKeyJson = data.key?.isJson && keyChanged ? jsonError(key) : null;
  const keyVersionChanged = data.key?.schema != null && keySchemaVersion !== null && keySchemaVersion !== data.key.schema.version;
  const invalid = invalidJson !== null || invalidKeyJson !== null;
  const changed = valueChanged || versionChanged || keyChanged || keyVersionChanged || set.length > 0 || remove.length > 0;
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
      <PayloadField data={data} value={value} onChange={setValue} version={schemaVersion} onVersionChange={setSchemaVersion} invalidJson={invalidJson} />

      {data.key ? (
        <KeyField
          editable={data.key}
          value={key}
          onChange={setKey}
          version={keySchemaVersion}
          onVersionChange={setKeySchemaVersion}
          changed={keyChanged || keyVersionChanged}
          invalidJson={invalidKeyJson}
        />
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
            Replay the edited message to <span className="font-mono font-medium">{destination ?? "?"}</span>
            {keyChanged || keyVersionChanged ? (
              <>
                {" "}
                with the new key <span className="font-mono font-medium" data-testid="edit-confirm-key">{keyChanged ? key : (data.key?.text ?? "")}</span>
                {keyVersionChanged ? ` (encoded with key schema v${keySchemaVersion})` : ""}, possibly on another partition
              </>
            ) : null}
            ?
          </span>
          <button
            type="button"
            disabled={edit.isPending || !destination || invalid || !changed}
            onClick={() =>
              edit.mutate({
                kind: dlq.kind,
                connection: dlq.connection,
                dlq: dlq.dlq,
                id,
                target: destination && destination !== origin ? destination : undefined,
                value: valueChanged ? value : undefined,
                schemaVersion: versionChanged ? (schemaVersion ?? undefined) : undefined,
                key: keyChanged ? key : undefined,
                keySchemaVersion: keyVersionChanged ? (keySchemaVersion ?? undefined) : undefined,
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
          disabled={!destination || invalid || !changed}
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
          {edit.data.diff.key ? " Key changed." : ""}
          {edit.data.diff.value ? ` Payload changed${edit.data.diff.value.changedPaths ? `: ${edit.data.diff.value.changedPaths.join(", ")}` : ""}.` : ""}
          {edit.data.diff.schema ? ` Encoded with schema id ${edit.data.diff.schema.to.schemaId}${edit.data.diff.schema.to.version !== null ? ` (v${edit.data.diff.schema.to.version})` : ""}.` : ""}
          {` ${headerNoun}: +${edit.data.diff.headers.added.length} −${edit.data.diff.headers.removed.length} ~${edit.data.diff.headers.changed.length}.`}
        </p>
      ) : null}
    </div>
  );
}
