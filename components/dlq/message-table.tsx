"use client";

import { useQueries } from "@tanstack/react-query";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useParams } from "next/navigation";
import { useMemo, useRef, useState, type KeyboardEvent, type MouseEvent } from "react";
import { useTRPC } from "../trpc";
import { ColumnChooser, columns, gridTemplate, sortMessages, useHiddenColumns, useMessageSort, type ColumnId } from "./message-columns";
import { actionLabel, ExportButton, useCanReplay } from "./replay-controls";
import { isDlqKind } from "./format";
import { RowReplayDialog } from "./row-replay-dialog";
import type { DlqMessageSummary, DlqRef } from "./types";

const ROW_HEIGHT = 36;
const GRID = "grid gap-x-2 px-2";
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
  if (!isDlqKind(kind)) return null;
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
  messages: given,
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
  const [hidden, setHidden] = useHiddenColumns();
  const [sort, setSort] = useMessageSort();
  const shown = columns.filter((c) => !hidden.includes(c.id));
  const template = { gridTemplateColumns: gridTemplate(shown) };
  const messages = useMemo(() => sortMessages(given, sort), [given, sort]);
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

  const sortBy = (id: ColumnId) => void setSort(sort === id ? `-${id}` : sort === `-${id}` ? null : id);

  return (
    <div className="space-y-2">
      <div className="flex flex-wrap items-center gap-2 text-xs text-slate-600" data-testid="message-table-toolbar">
        {dlq && messages.length > 0 ? (
          <>
            <span>{selection.length > 0 ? `${selection.length.toLocaleString()} selected` : `${messages.length.toLocaleString()} shown`}</span>
            <ExportButton dlq={dlq} ids={exportIds} snapshotId={snapshotId} label={selection.length > 0 ? "Export NDJSON (selection)" : "Export NDJSON (all shown)"} />
            {selection.length > 0 ? (
              <button type="button" onClick={() => setChecked(new Set())} className="rounded border border-slate-300 px-2 py-1 hover:bg-slate-50">
                Clear selection
              </button>
            ) : null}
          </>
        ) : null}
        {sort ? <span title="Sorting orders the rows loaded so far">sorted by {sort.replace(/^-/, "")}{sort.startsWith("-") ? " ↓" : " ↑"} (loaded rows)</span> : null}
        <span className="ml-auto">
          <ColumnChooser hidden={hidden} onChange={setHidden} />
        </span>
      </div>
      {/* No horizontal scrolling: every track can shrink, long cells truncate (the full text is their title). */}
      <div className="overflow-hidden rounded border border-slate-200" role="table" aria-rowcount={messages.length} data-testid="message-table">
        <div role="row" className={`${GRID} border-b border-slate-200 bg-slate-50 py-2 text-xs font-medium uppercase text-slate-500`} style={template}>
          <div role="columnheader">
            <input
              type="checkbox"
              aria-label="Select all shown"
              checked={allChecked}
              disabled={messages.length === 0}
              onChange={() => setChecked(allChecked ? new Set() : new Set(messages.map((m) => m.id)))}
            />
          </div>
          {shown.map((column) => {
            const direction = sort === column.id ? "ascending" : sort === `-${column.id}` ? "descending" : "none";
            return (
              <div key={column.id} role="columnheader" aria-sort={direction} className={`min-w-0 ${column.align === "right" ? "text-right" : ""}`}>
                <button type="button" onClick={() => sortBy(column.id)} className="max-w-full truncate uppercase hover:text-slate-800" data-testid={`sort-${column.id}`}>
                  {column.id === "position" ? positionLabel : column.label}
                  {direction === "ascending" ? " ↑" : direction === "descending" ? " ↓" : ""}
                </button>
              </div>
            );
          })}
          <div role="columnheader">State</div>
        </div>
        {messages.length === 0 ? (
          <p className="px-2 py-3 text-sm text-slate-500">{emptyText}</p>
        ) : (
          // The header stays put above this scroller: it is sticky by construction.
          <div ref={scrollRef} className="max-h-[560px] overflow-y-auto overflow-x-hidden" data-testid="message-table-scroll">
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
                    data-nav-row=""
                    onClick={() => onSelect(message)}
                    onKeyDown={(event) => {
                      if (event.target === event.currentTarget && (event.key === "Enter" || event.key === " ")) {
                        event.preventDefault();
                        onSelect(message);
                      }
                    }}
                    className={`${GRID} absolute left-0 top-0 w-full cursor-pointer items-center border-b border-slate-100 text-sm focus:outline-2 focus:-outline-offset-2 focus:outline-sky-500 ${
                      selected ? "bg-sky-50" : "hover:bg-slate-50"
                    }`}
                    style={{ ...template, height: ROW_HEIGHT, transform: `translateY(${item.start}px)` }}
                  >
                    <div role="cell" onClick={stop} onKeyDown={stop}>
                      <input type="checkbox" aria-label={`Select ${message.id}`} checked={checked.has(message.id)} onChange={() => toggle(message.id)} />
                    </div>
                    {shown.map((column) => (
                      <div key={column.id} role="cell" className={`min-w-0 truncate ${column.className}`} title={column.title?.(message)}>
                        {column.cell(message)}
                      </div>
                    ))}
                    <div role="cell" className="flex min-w-0 items-center gap-1 text-xs" onClick={stop} onKeyDown={stop} data-testid="row-state-cell">
                      {state ? (
                        <span
                          className={`truncate rounded px-1 ${state.action === "discard" ? "bg-slate-200 text-slate-700" : "bg-emerald-100 text-emerald-800"}`}
                          title={`${actionLabel(state.action)} by ${state.by}${state.reason ? `: ${state.reason}` : ""}`}
                          data-testid="row-state"
                        >
                          {state.action === "discard" ? "resolved" : actionLabel(state.action)}
                        </span>
                      ) : null}
                      {message.aborted ? (
                        <span className="truncate rounded bg-amber-100 px-1 text-amber-900" title="Written in an aborted transaction: consumers never saw it, so it is not replayed" data-testid="row-aborted">
                          aborted
                        </span>
                      ) : null}
                      {canReplay && dlq && !message.aborted ? (
                        <button
                          type="button"
                          onClick={() => setReplaying(message)}
                          className="ml-auto shrink-0 rounded border border-slate-300 px-1.5 py-0.5 hover:bg-white"
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
      {replaying && dlq ? <RowReplayDialog key={replaying.id} dlq={dlq} message={replaying} onClose={() => setReplaying(null)} /> : null}
    </div>
  );
}
