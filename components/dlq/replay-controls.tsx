"use client";

import { allows, type Action } from "~/server/auth/permissions";
import { useQuery } from "@tanstack/react-query";
import { useId } from "react";
import { useTRPC } from "../trpc";
import { formatDateTime, targetNoun } from "./format";
import type { DlqRef } from "./types";

/** Whether the signed-in role may do this (replay by default) on this DLQ, or on some DLQ when none is given. */
export function useCanReplay(dlq?: DlqRef, action: Action = "replay"): boolean {
  const trpc = useTRPC();
  const me = useQuery(trpc.auth.me.queryOptions(undefined, { staleTime: 60_000 }));
  return me.data ? allows(me.data.grants, action, dlq ? { connection: dlq.connection, resource: dlq.dlq } : undefined) : false;
}

/**
 * The destination of a replay: a text field (the origin prefilled by the caller) with the connection's
 * topics or queues offered from the collector's latest sample.
 */
export function DestinationField({ dlq, value, onChange, origin }: { dlq: DlqRef; value: string; onChange: (value: string) => void; origin: string | null }) {
  const trpc = useTRPC();
  const listId = useId();
  const destinations = useQuery(trpc.replay.destinations.queryOptions({ kind: dlq.kind, connection: dlq.connection }, { staleTime: 60_000 }));
  const noun = targetNoun(dlq.kind);
  return (
    <label className="flex flex-col">
      <span className="text-xs text-slate-500">
        Destination {noun} {origin ? `(origin: ${origin})` : "(no origin recorded: enter one)"}
      </span>
      <input
        value={value}
        onChange={(e) => onChange(e.target.value)}
        list={listId}
        placeholder={origin ?? `a ${noun}`}
        aria-label="Destination"
        className="w-72 rounded border border-slate-300 px-2 py-1 font-mono"
      />
      <datalist id={listId}>
        {(destinations.data ?? [])
          .filter((name) => name !== dlq.dlq)
          .map((name) => (
            <option key={name} value={name} />
          ))}
      </datalist>
    </label>
  );
}

/** Link to the NDJSON export of some messages of a DLQ (bytes preserved; masked and withheld as in the views). */
export function exportHref(dlq: DlqRef, ids: string[], snapshotId?: string): string {
  const params = new URLSearchParams({ kind: dlq.kind, connection: dlq.connection, dlq: dlq.dlq, ids: ids.join(",") });
  if (snapshotId) params.set("snapshotId", snapshotId);
  return `/api/dlq/export?${params.toString()}`;
}

/** A form that POSTs the export request (a large selection does not fit in a URL); the answer is a download. */
export function ExportButton({ dlq, ids, snapshotId, label, className }: { dlq: DlqRef; ids: string[]; snapshotId?: string; label: string; className?: string }) {
  return (
    <form method="post" action="/api/dlq/export" className="inline">
      <input type="hidden" name="kind" value={dlq.kind} />
      <input type="hidden" name="connection" value={dlq.connection} />
      <input type="hidden" name="dlq" value={dlq.dlq} />
      <input type="hidden" name="ids" value={ids.join(",")} />
      {snapshotId ? <input type="hidden" name="snapshotId" value={snapshotId} /> : null}
      <button type="submit" disabled={ids.length === 0} className={className ?? "rounded border border-slate-300 px-2 py-1 text-xs hover:bg-slate-50 disabled:opacity-50"}>
        {label}
      </button>
    </form>
  );
}

/** "replay" | "edit" | "discard" as words for the message views. */
export function actionLabel(action: "replay" | "edit" | "discard"): string {
  return action === "discard" ? "discarded" : action === "edit" ? "edited and replayed" : "replayed";
}

/** The confirm step's two buttons, as every one-message replay panel shows them. */
export function ConfirmReplayButtons({ pending, disabled = false, onConfirm, onCancel }: { pending: boolean; disabled?: boolean; onConfirm: () => void; onCancel: () => void }) {
  return (
    <>
      <button type="button" disabled={pending || disabled} onClick={onConfirm} className="rounded bg-amber-600 px-3 py-1 text-white hover:bg-amber-500 disabled:opacity-60">
        {pending ? "Replaying…" : "Confirm replay"}
      </button>
      <button type="button" onClick={onCancel} className="rounded border border-slate-300 px-2 py-1">
        Cancel
      </button>
    </>
  );
}

/** The checkbox that lets an operator replay a message the loop guard quarantined. */
export function LoopGuardOverride({ checked, onChange }: { checked: boolean; onChange: (checked: boolean) => void }) {
  return (
    <label className="flex items-center gap-1 text-xs text-slate-600">
      <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} /> override the loop guard (quarantined messages)
    </label>
  );
}

/** Earlier replays of one message (the ledger's rows), newest as the ledger lists them. */
export function ReplayHistoryList({ rows }: { rows: ReadonlyArray<{ replayId: string; replayedAt: Date; action: "replay" | "edit" | "discard"; replayCount: number; target: string | null; replayedBy: string }> | undefined }) {
  if (!rows || rows.length === 0) return null;
  return (
    <ul className="text-xs text-slate-600" data-testid="replay-history">
      {rows.map((row) => (
        <li key={row.replayId}>
          {formatDateTime(row.replayedAt.getTime())}: {actionLabel(row.action)} (replay {row.replayCount}) to <span className="font-mono">{row.target}</span> by {row.replayedBy}
        </li>
      ))}
    </ul>
  );
}
