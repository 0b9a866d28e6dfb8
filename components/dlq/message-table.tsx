"use client";

import { useVirtualizer } from "@tanstack/react-virtual";
import { useRef } from "react";
import { formatBytes, formatDateTime, shortClass } from "./format";
import type { DlqMessageSummary } from "./types";

const ROW_HEIGHT = 36;
const COLUMNS = "grid grid-cols-[11rem_7rem_9rem_minmax(14rem,2fr)_5rem_12rem_minmax(12rem,1fr)] gap-x-3 px-2";

/**
 * A virtualised list of DLQ messages (only the visible rows are in the DOM). Every payload-derived
 * value is a text node: previews are untrusted.
 */
export function MessageTable({
  messages,
  selectedId,
  onSelect,
  positionLabel = "Partition:offset",
  emptyText = "No messages.",
}: {
  messages: DlqMessageSummary[];
  selectedId: string | null;
  onSelect: (message: DlqMessageSummary) => void;
  positionLabel?: string;
  emptyText?: string;
}) {
  const scrollRef = useRef<HTMLDivElement>(null);
  // eslint-disable-next-line react-hooks/incompatible-library -- the virtualizer is read during render only
  const virtualizer = useVirtualizer({
    count: messages.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    getItemKey: (index) => messages[index]?.id ?? index,
  });

  return (
    <div className="overflow-x-auto rounded border border-slate-200" role="table" aria-rowcount={messages.length}>
      <div className="min-w-[1100px]">
        <div role="row" className={`${COLUMNS} border-b border-slate-200 bg-slate-50 py-2 text-xs font-medium uppercase text-slate-500`}>
          <div role="columnheader">Time</div>
          <div role="columnheader">{positionLabel}</div>
          <div role="columnheader">Key</div>
          <div role="columnheader">Value</div>
          <div role="columnheader" className="text-right">
            Size
          </div>
          <div role="columnheader">Exception</div>
          <div role="columnheader">Error</div>
        </div>
        {messages.length === 0 ? (
          <p className="px-2 py-3 text-sm text-slate-500">{emptyText}</p>
        ) : (
          <div ref={scrollRef} className="max-h-[560px] overflow-y-auto" data-testid="message-table-scroll">
            <div className="relative w-full" style={{ height: virtualizer.getTotalSize() }}>
              {virtualizer.getVirtualItems().map((item) => {
                const message = messages[item.index]!;
                const selected = message.id === selectedId;
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
                    <div role="cell" className="truncate tabular-nums text-slate-600">
                      {formatDateTime(message.timestampMs)}
                    </div>
                    <div role="cell" className="truncate font-mono text-xs">
                      {message.partition !== null ? `${message.partition}:${message.offset ?? "?"}` : `#${message.offset ?? "?"}`}
                    </div>
                    <div role="cell" className="truncate font-mono text-xs" title={message.keyPreview ?? undefined}>
                      {message.keyPreview ?? <span className="text-slate-400">—</span>}
                    </div>
                    <div role="cell" className="truncate font-mono text-xs text-slate-700">
                      {message.valuePreview ?? <span className="text-slate-400">{message.size > 0 ? "withheld" : "empty"}</span>}
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
                  </div>
                );
              })}
            </div>
          </div>
        )}
      </div>
    </div>
  );
}
