"use client";

import { useMutation, useQueries, useQueryClient } from "@tanstack/react-query";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useParams } from "next/navigation";
import { useRef, useState, type KeyboardEvent, type MouseEvent } from "react";
import { ErrorBox } from "../ui";
import { useTRPC } from "../trpc";
import { formatBytes, formatDateTime, shortClass } from "./format";
import { actionLabel, DestinationField, ExportButton, useCanReplay } from "./replay-controls";
import type { DlqMessageSummary, DlqRef } from "./types";
import { VisibleText, visibleString } from "./visible-text";

const ROW_HEIGHT = 36;
const COLUMNS = "grid grid-cols-[1.5rem_11rem_7rem_9rem_minmax(14rem,2fr)_5rem_12rem_minmax(12rem,1fr)_10rem] gap-x-3 px-2";
/** Ledger states are asked for in blocks of this many rows, only for the blocks on screen. */
const RESOLUTION_BLOCK = 50;

function decodeSegment(segment: string | string[] | undefined): string {
  const value = Array.isArray(segment) ? (segment[0] ?? "") : (segment ?? "");
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** The DLQ this table shows: given by the parent, or read from the DLQ page's route (/dlqs/[kind]/[connection]/[name]). */
function useDlqRef(given: DlqRef | undefined): DlqRef | null {
  const params = useParams<{ kind?: string; connection?: string; name?: string }>();
  if (given) return given;
  const kind = decodeSegment(params?.kind);
  if (kind !== "kafka" && kind !== "sqs") return null;
  return { kind, connection: decodeSegment(params?.connection), dlq: decodeSegment(params?.name) };
}

const stop = (event: MouseEvent | KeyboardEvent) => event.stopPropagation();

/**
 * A virtualised list of DLQ messages (only the visible rows are in the DOM). Every payload-derived
 * value is a text node: previews are untrusted. Rows can be selected for an NDJSON export (the selection,
 * or every row shown when nothing is selected), replayed one by one after a confirmation, and show
 * whether the replay ledger has them as replayed or discarded.
 */
export function MessageTable({
  messages,
  selectedId,
  onSelect,
  positionLabel = "Partition:offset",
  emptyText = "No messages.",
  dlq: givenDlq,
  snapshotId,
}: {
  messages: DlqMessageSummary[];
  selectedId: string | null;
  onSelect: (message: DlqMessageSummary) => void;
  positionLabel?: string;
  emptyText?: string;
  /** The DLQ; read from the route when not given. */
  dlq?: DlqRef;
  /** SQS: the snapshot the rows come from (the export reads it; without it, the latest snapshot). */
  snapshotId?: string;
}) {
  const trpc = useTRPC();
  const dlq = useDlqRef(givenDlq);
  const canReplay = useCanReplay(dlq ?? undefined);
  const scrollRef = useRef<HTMLDivElement>(null);
  const [checked, setChecked] = useState<ReadonlySet<string>>(() => new Set());
  const [replaying, setReplaying] = useState<DlqMessageSummary | null>(null);
  // eslint-disable-next-line react-hooks/incompatible-library -- the virtualizer is read during render only
  const virtualizer = useVirtualizer({
    count: messages.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    getItemKey: (index) => messages[index]?.id ?? index,
  });
  const items = virtualizer.getVirtualItems();

  // The replay ledger's latest entry for the rows on screen, a block of rows per query.
  const firstBlock = Math.floor((items[0]?.index ?? 0) / RESOLUTION_BLOCK);
  const lastBlock = Math.floor((items.at(-1)?.index ?? 0) / RESOLUTION_BLOCK);
  const blocks: string[][] = [];
  for (let block = firstBlock; block <= lastBlock && messages.length > 0; block += 1) {
    blocks.push(messages.slice(block * RESOLUTION_BLOCK, (block + 1) * RESOLUTION_BLOCK).map((m) => m.id));
  }
  const resolutions = useQueries({
    queries: dlq
      ? blocks.map((ids) => trpc.replay.resolution.queryOptions({ kind: dlq.kind, connection: dlq.connection, dlq: dlq.dlq, ids }, { staleTime: 10_000 }))
      : [],
  });
  const resolution = new Map(resolutions.flatMap((q) => Object.entries(q.data ?? {})));

  const selection = messages.filter((m) => checked.has(m.id)).map((m) => m.id);
  const exportIds = selection.length > 0 ? selection : messages.map((m) => m.id);
  const toggle = (id: string) =>
    setChecked((previous) => {
      const next = new Set(previous);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const allChecked = messages.length > 0 && selection.length === messages.length;

  return (
    <div className="space-y-2">
      {dlq && messages.length > 0 ? (
        <div className="flex flex-wrap items-center gap-2 text-xs text-slate-600" data-testid="message-table-toolbar">
          <span>{selection.length > 0 ? `${selection.length.toLocaleString()} selected` : `${messages.length.toLocaleString()} shown`}</span>
          <ExportButton dlq={dlq} ids={exportIds} snapshotId={snapshotId} label={selection.length > 0 ? "Export NDJSON (selection)" : "Export NDJSON (all shown)"} />
          {selection.length > 0 ? (
            <button type="button" onClick={() => setChecked(new Set())} className="rounded border border-slate-300 px-2 py-1 hover:bg-slate-50">
              Clear selection
            </button>
          ) : null}
        </div>
      ) : null}
      <div className="overflow-x-auto rounded border border-slate-200" role="table" aria-rowcount={messages.length}>
        <div className="min-w-[1280px]">
          <div role="row" className={`${COLUMNS} border-b border-slate-200 bg-slate-50 py-2 text-xs font-medium uppercase text-slate-500`}>
            <div role="columnheader">
              <input
                type="checkbox"
                aria-label="Select all shown"
                checked={allChecked}
                disabled={messages.length === 0}
                onChange={() => setChecked(allChecked ? new Set() : new Set(messages.map((m) => m.id)))}
              />
            </div>
            <div role="columnheader">Time</div>
            <div role="columnheader">{positionLabel}</div>
            <div role="columnheader">Key</div>
            <div role="columnheader">Value</div>
            <div role="columnheader" className="text-right">
              Size
            </div>
            <div role="columnheader">Exception</div>
            <div role="columnheader">Error</div>
            <div role="columnheader">State</div>
          </div>
          {messages.length === 0 ? (
            <p className="px-2 py-3 text-sm text-slate-500">{emptyText}</p>
          ) : (
            <div ref={scrollRef} className="max-h-[560px] overflow-y-auto" data-testid="message-table-scroll">
              <div className="relative w-full" style={{ height: virtualizer.getTotalSize() }}>
                {items.map((item) => {
                  const message = messages[item.index]!;
                  const selected = message.id === selectedId;
                  const state = resolution.get(message.id);
                  return (
                    <div
                      key={item.key}
                      role="row"
                      tabIndex={0}
                      aria-selected={selected}
                      data-testid="dlq-message-row"
                      onClick={() => onSelect(message)}
                      onKeyDown={(event) => {
                        if (event.key === "Enter" || event.key === " ") {
                          event.preventDefault();
                          onSelect(message);
                        }
                      }}
                      className={`${COLUMNS} absolute left-0 top-0 w-full cursor-pointer items-center border-b border-slate-100 text-sm ${
                        selected ? "bg-sky-50" : "hover:bg-slate-50"
                      }`}
                      style={{ height: ROW_HEIGHT, transform: `translateY(${item.start}px)` }}
                    >
                      <div role="cell" onClick={stop} onKeyDown={stop}>
                        <input type="checkbox" aria-label={`Select ${message.id}`} checked={checked.has(message.id)} onChange={() => toggle(message.id)} />
                      </div>
                      <div role="cell" className="truncate tabular-nums text-slate-600">
                        {formatDateTime(message.timestampMs)}
                      </div>
                      <div role="cell" className="truncate font-mono text-xs">
                        {message.partition !== null ? `${message.partition}:${message.offset ?? "?"}` : `#${message.offset ?? "?"}`}
                      </div>
                      <div role="cell" className="truncate font-mono text-xs" title={message.keyPreview === null ? undefined : visibleString(message.keyPreview)}>
                        {message.keyPreview === null ? <span className="text-slate-400">—</span> : <VisibleText text={message.keyPreview} />}
                      </div>
                      <div role="cell" className="truncate font-mono text-xs text-slate-700">
                        {message.valuePreview === null ? (
                          <span className="text-slate-400">{message.size > 0 ? "withheld" : "empty"}</span>
                        ) : (
                          <VisibleText text={message.valuePreview} />
                        )}
                      </div>
                      <div role="cell" className="truncate text-right tabular-nums text-slate-600">
                        {formatBytes(message.size)}
                      </div>
                      <div role="cell" className="truncate font-mono text-xs" title={message.exceptionClass ?? undefined}>
                        {message.exceptionClass ? shortClass(message.exceptionClass) : <span className="text-slate-400">—</span>}
                      </div>
                      <div role="cell" className="truncate text-xs text-slate-600" title={message.errorMessage ?? undefined}>
                        {message.errorMessage ?? ""}
                      </div>
                      <div role="cell" className="flex items-center gap-1 text-xs" onClick={stop} onKeyDown={stop}>
                        {state ? (
                          <span
                            className={`truncate rounded px-1 ${state.action === "discard" ? "bg-slate-200 text-slate-700" : "bg-emerald-100 text-emerald-800"}`}
                            title={`${actionLabel(state.action)} by ${state.by}${state.reason ? `: ${state.reason}` : ""}`}
                            data-testid="row-state"
                          >
                            {state.action === "discard" ? "resolved" : actionLabel(state.action)}
                          </span>
                        ) : null}
                        {canReplay && dlq ? (
                          <button
                            type="button"
                            onClick={() => setReplaying(message)}
                            className="ml-auto rounded border border-slate-300 px-1.5 py-0.5 hover:bg-white"
                            aria-label={`Replay ${message.id}…`}
                          >
                            Replay…
                          </button>
                        ) : null}
                      </div>
                    </div>
                  );
                })}
              </div>
            </div>
          )}
        </div>
      </div>
      {replaying && dlq ? <RowReplayDialog key={replaying.id} dlq={dlq} message={replaying} onClose={() => setReplaying(null)} /> : null}
    </div>
  );
}

/** The row action's confirmation: it names the destination (the origin prefilled, any other one allowed). */
function RowReplayDialog({ dlq, message, onClose }: { dlq: DlqRef; message: DlqMessageSummary; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [target, setTarget] = useState(message.origin ?? "");
  const ref = { kind: dlq.kind, connection: dlq.connection, dlq: dlq.dlq, id: message.id };
  const replay = useMutation(
    trpc.replay.one.mutationOptions({
      onSettled: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.replay.ofMessage.queryKey(ref) });
        void queryClient.invalidateQueries({ queryKey: trpc.replay.resolution.queryKey() });
      },
    }),
  );
  const destination = target.trim() || null;

  return (
    <div
      className="fixed inset-0 z-50 flex items-center justify-center bg-slate-900/30"
      onClick={onClose}
      onKeyDown={(event) => {
        if (event.key === "Escape") onClose();
      }}
    >
      <div
        role="dialog"
        aria-modal="true"
        aria-label={`Replay message ${message.id}`}
        className="w-[40rem] max-w-[95vw] space-y-3 rounded-lg bg-white p-4 text-sm shadow-lg"
        onClick={stop}
        data-testid="row-replay-dialog"
      >
        <h3 className="font-semibold text-slate-800">
          Replay message <span className="font-mono">{message.id}</span>
        </h3>
        {message.exceptionClass ? (
          <p className="truncate text-xs text-slate-600">
            {shortClass(message.exceptionClass)}: {message.errorMessage}
          </p>
        ) : null}
        <DestinationField dlq={dlq} value={target} onChange={setTarget} origin={message.origin} />
        <div className="flex flex-wrap items-center gap-2" role="group" aria-label="Confirm replay">
          <span>
            Replay this message to <span className="font-mono font-medium">{destination ?? "?"}</span>?
          </span>
          <button
            type="button"
            disabled={replay.isPending || !destination || replay.isSuccess}
            onClick={() => replay.mutate({ ...ref, target: destination && destination !== message.origin ? destination : undefined })}
            className="rounded bg-amber-600 px-3 py-1 text-white hover:bg-amber-500 disabled:opacity-60"
          >
            {replay.isPending ? "Replaying…" : "Confirm replay"}
          </button>
          <button type="button" onClick={onClose} className="rounded border border-slate-300 px-2 py-1">
            {replay.isSuccess ? "Close" : "Cancel"}
          </button>
        </div>
        {replay.error ? <ErrorBox title="Replay refused" message={replay.error.message} /> : null}
        {replay.data ? (
          <p className="text-emerald-700" role="status" data-testid="replay-result">
            Replayed to {replay.data.target} at {replay.data.targetPosition} (replay {replay.data.replayCount}, id {replay.data.replayId}).
          </p>
        ) : null}
      </div>
    </div>
  );
}
