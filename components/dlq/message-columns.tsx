"use client";

import { parseAsStringLiteral, useQueryState } from "nuqs";
import type { ReactNode } from "react";
import { useStoredState } from "../use-stored-state";
import { formatBytes, formatCompactTime, formatDateTime, shortClass } from "./format";
import type { DlqMessageSummary } from "./types";
import { VisibleText, visibleString } from "./visible-text";

/**
 * The DLQ message table's optional columns. Widths are grid tracks: fixed ones for short values,
 * `minmax(…rem, …fr)` for text that truncates, so the table fits its card even beside an open message (the select box and the
 * State column with its Replay button are always shown, at the ends).
 */
export const columnIds = ["time", "position", "key", "value", "size", "exception", "error"] as const;
export type ColumnId = (typeof columnIds)[number];

type Column = {
  id: ColumnId;
  label: string;
  track: string;
  align?: "right";
  sortValue: (m: DlqMessageSummary) => number | string;
  cell: (m: DlqMessageSummary) => ReactNode;
  title?: (m: DlqMessageSummary) => string | undefined;
  className: string;
};

const dash = <span className="text-slate-400">—</span>;

export const columns: Column[] = [
  {
    id: "time",
    label: "Time",
    track: "6.5rem",
    sortValue: (m) => m.timestampMs ?? 0,
    cell: (m) => formatCompactTime(m.timestampMs),
    title: (m) => formatDateTime(m.timestampMs),
    className: "tabular-nums text-slate-600",
  },
  {
    id: "position",
    label: "Position",
    track: "5rem",
    sortValue: (m) => (m.partition ?? 0) * 1e15 + Number(m.offset ?? 0),
    cell: (m) => (m.partition !== null ? `${m.partition}:${m.offset ?? "?"}` : `#${m.offset ?? "?"}`),
    className: "font-mono text-xs",
  },
  {
    id: "key",
    label: "Key",
    track: "minmax(1.5rem,1fr)",
    sortValue: (m) => m.keyPreview ?? "",
    cell: (m) => (m.keyPreview === null ? dash : <VisibleText text={m.keyPreview} />),
    title: (m) => (m.keyPreview === null ? undefined : visibleString(m.keyPreview)),
    className: "font-mono text-xs",
  },
  {
    id: "value",
    label: "Value",
    track: "minmax(1.5rem,2fr)",
    sortValue: (m) => m.valuePreview ?? "",
    cell: (m) => (
      <>
        {m.valueSchema ? <SchemaBadge schema={m.valueSchema} /> : null}
        {m.valuePreview === null ? <span className="text-slate-400">{m.size > 0 ? "withheld" : "empty"}</span> : <VisibleText text={m.valuePreview} />}
      </>
    ),
    title: (m) => [m.valueSchema?.note, m.valuePreview === null ? undefined : visibleString(m.valuePreview)].filter(Boolean).join("\n") || undefined,
    className: "font-mono text-xs text-slate-700",
  },
  {
    id: "size",
    label: "Size",
    track: "4rem",
    align: "right",
    sortValue: (m) => m.size,
    cell: (m) => formatBytes(m.size),
    className: "text-right tabular-nums text-slate-600",
  },
  {
    id: "exception",
    label: "Exception",
    track: "minmax(1.5rem,1fr)",
    sortValue: (m) => (m.exceptionClass ? shortClass(m.exceptionClass) : ""),
    cell: (m) => (m.exceptionClass ? shortClass(m.exceptionClass) : dash),
    title: (m) => m.exceptionClass ?? undefined,
    className: "font-mono text-xs",
  },
  {
    id: "error",
    label: "Error",
    track: "minmax(1.5rem,1.5fr)",
    sortValue: (m) => m.errorMessage ?? "",
    cell: (m) => m.errorMessage ?? "",
    title: (m) => m.errorMessage ?? undefined,
    className: "text-xs text-slate-600",
  },
];

/** The grid template for the shown columns: select box, the columns, State (badge and Replay button). */
export function gridTemplate(shown: readonly Column[]): string {
  return ["1.25rem", ...shown.map((c) => c.track), "8.5rem"].join(" ");
}

const parseHidden = (raw: string | null): ColumnId[] => {
  if (raw === null) return [];
  try {
    const value: unknown = JSON.parse(raw);
    return Array.isArray(value) ? columnIds.filter((id) => value.includes(id)) : [];
  } catch {
    return [];
  }
};
const serializeHidden = (hidden: ColumnId[]) => (hidden.length === 0 ? null : JSON.stringify(hidden));

/** Hidden columns, remembered per browser (a preference of the person, not part of a shared link). */
export function useHiddenColumns() {
  return useStoredState("redrive.dlq.hiddenColumns", parseHidden, serializeHidden);
}

const sortKeys = columnIds.flatMap((id) => [id, `-${id}`] as const);
export type SortKey = (typeof sortKeys)[number];

/** The sort of the loaded rows, in the URL like the rest of the view ("-time" is newest first). */
export const useMessageSort = () => useQueryState("sort", parseAsStringLiteral(sortKeys).withOptions({ history: "replace" }));

export function sortMessages(messages: DlqMessageSummary[], sort: SortKey | null): DlqMessageSummary[] {
  if (!sort) return messages;
  const descending = sort.startsWith("-");
  const column = columns.find((c) => c.id === sort.replace(/^-/, ""));
  if (!column) return messages;
  const sign = descending ? -1 : 1;
  return [...messages].sort((a, b) => {
    const x = column.sortValue(a);
    const y = column.sortValue(b);
    if (typeof x === "number" && typeof y === "number") return (x - y) * sign;
    return String(x).localeCompare(String(y)) * sign;
  });
}

/** The "Columns" menu: a native <details> disclosure with a checkbox per optional column. */
export function ColumnChooser({ hidden, onChange }: { hidden: ColumnId[]; onChange: (hidden: ColumnId[]) => void }) {
  return (
    <details className="relative" data-testid="column-chooser">
      <summary className="cursor-pointer list-none rounded border border-slate-300 px-2 py-1 hover:bg-slate-50">Columns</summary>
      <div className="absolute right-0 z-20 mt-1 w-44 space-y-1 rounded border border-slate-200 bg-white p-2 shadow-lg">
        {columns.map((column) => (
          <label key={column.id} className="flex items-center gap-2">
            <input
              type="checkbox"
              checked={!hidden.includes(column.id)}
              onChange={(event) => onChange(event.target.checked ? hidden.filter((id) => id !== column.id) : [...hidden, column.id])}
            />
            {column.label}
          </label>
        ))}
      </div>
    </details>
  );
}

/** A schema-encoded value: decoded (its format and schema id), or shown as bytes (and why, in the cell's title). */
function SchemaBadge({ schema }: { schema: NonNullable<DlqMessageSummary["valueSchema"]> }) {
  const decoded = schema.status === "decoded";
  return (
    <span
      className={`mr-1 rounded px-1 text-[10px] uppercase ${decoded ? "bg-sky-100 text-sky-800" : "bg-amber-100 text-amber-900"}`}
      data-testid="value-schema-badge"
    >
      {decoded ? `${schema.format} #${schema.schemaId}` : `bytes: ${schema.status.replace(/-/g, " ")}`}
    </span>
  );
}
