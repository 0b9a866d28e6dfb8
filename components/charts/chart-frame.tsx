"use client";

import type { ReactNode } from "react";
import { useChartTimeZone } from "./time-zone";

/** A fixed-height box for a chart, or the reason there is no chart; the caption names the chart's time zone. */
export function ChartFrame({
  title,
  isPending,
  error,
  empty,
  emptyText = "No samples in this range yet.",
  children,
}: {
  title: string;
  isPending: boolean;
  error?: string | null;
  empty: boolean;
  emptyText?: string;
  children: ReactNode;
}) {
  const { zone } = useChartTimeZone();
  return (
    <figure className="min-w-0">
      <figcaption className="mb-1 text-xs font-medium text-slate-600">
        {title}{" "}
        <span className="font-normal text-slate-400" data-testid="chart-zone">
          · times in {zone}
        </span>
      </figcaption>
      <div className="h-56 w-full">
        {error ? (
          <div role="alert" className="flex h-full items-center justify-center rounded border border-red-200 bg-red-50 p-3 text-xs text-red-800">
            {error}
          </div>
        ) : isPending ? (
          <div className="flex h-full items-center justify-center text-xs text-slate-400">Loading…</div>
        ) : empty ? (
          <div className="flex h-full items-center justify-center rounded border border-dashed border-slate-200 text-xs text-slate-400">{emptyText}</div>
        ) : (
          children
        )}
      </div>
    </figure>
  );
}
