"use client";

import { partitionStatuses, type PartitionStatus } from "./format";

/** Toggle chips; none selected means every status. */
export function StatusFilter({ selected, onChange }: { selected: PartitionStatus[]; onChange: (statuses: PartitionStatus[]) => void }) {
  const toggle = (status: PartitionStatus) =>
    onChange(selected.includes(status) ? selected.filter((s) => s !== status) : partitionStatuses.filter((s) => s === status || selected.includes(s)));
  return (
    <div role="group" aria-label="Filter by status" className="flex flex-wrap items-center gap-1">
      {partitionStatuses.map((status) => {
        const on = selected.includes(status);
        return (
          <button
            key={status}
            type="button"
            aria-pressed={on}
            onClick={() => toggle(status)}
            data-testid={`status-chip-${status}`}
            className={`rounded-full border px-2.5 py-0.5 text-xs font-medium ${
              on ? "border-slate-900 bg-slate-900 text-white" : "border-slate-300 bg-white text-slate-700 hover:bg-slate-50"
            }`}
          >
            {status}
          </button>
        );
      })}
      {selected.length > 0 ? (
        <button type="button" onClick={() => onChange([])} className="px-1 text-xs text-slate-500 underline hover:text-slate-700">
          clear
        </button>
      ) : null}
    </div>
  );
}
