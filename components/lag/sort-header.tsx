"use client";

export type SortDir = "asc" | "desc";

export function SortHeader<K extends string>({
  column,
  label,
  sortBy,
  sortDir,
  onSort,
  align = "left",
}: {
  column: K;
  label: string;
  sortBy: K;
  sortDir: SortDir;
  onSort: (column: K) => void;
  align?: "left" | "right";
}) {
  const active = sortBy === column;
  return (
    <th
      scope="col"
      aria-sort={active ? (sortDir === "asc" ? "ascending" : "descending") : "none"}
      className={`py-1 pr-3 font-medium ${align === "right" ? "text-right" : ""}`}
    >
      <button type="button" onClick={() => onSort(column)} className={`uppercase hover:text-slate-800 ${active ? "text-slate-800" : ""}`}>
        {label}
        <span aria-hidden className="ml-0.5 inline-block w-2">
          {active ? (sortDir === "asc" ? "▲" : "▼") : ""}
        </span>
      </button>
    </th>
  );
}
