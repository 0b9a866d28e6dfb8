"use client";

import { chartRanges, type ChartRange } from "./ranges";

export function RangeSelector({ value, onChange }: { value: ChartRange; onChange: (range: ChartRange) => void }) {
  return (
    <div role="group" aria-label="Time range" className="inline-flex overflow-hidden rounded border border-slate-300 text-xs">
      {chartRanges.map((range) => (
        <button
          key={range}
          type="button"
          aria-pressed={range === value}
          onClick={() => onChange(range)}
          data-testid={`range-${range}`}
          className={`border-l border-slate-300 px-2 py-0.5 first:border-l-0 ${
            range === value ? "bg-slate-900 text-white" : "bg-white text-slate-700 hover:bg-slate-50"
          }`}
        >
          {range}
        </button>
      ))}
    </div>
  );
}
