"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { RuleSpecInput } from "~/server/alerts/types";
import { ChartFrame } from "../charts/chart-frame";
import { chartMargin, gridProps, palette } from "../charts/ranges";
import { useTimeAxis } from "../charts/time-zone";
import { useTRPC } from "../trpc";
import { Card } from "../ui";
import { button } from "./shared";

/** The signal's history with the threshold, the objects in scope now, and the backtest — all from the draft. */
export function RulePreview({ spec }: { spec: RuleSpecInput }) {
  const trpc = useTRPC();
  const [range, setRange] = useState<"24h" | "7d">("24h");
  const preview = useQuery(trpc.alerts.preview.queryOptions({ spec, range }, { placeholderData: (previous) => previous, retry: false }));
  const time = useTimeAxis(range);
  const data = preview.data;
  const threshold = "threshold" in spec.condition ? spec.condition.threshold : null;
  const objects = data?.history?.objects ?? [];
  const rows = new Map<number, Record<string, number | null>>();
  objects.forEach((o, i) => o.points.forEach((p) => rows.set(p.at, { ...rows.get(p.at), t: p.at, [`s${i}`]: typeof p.value === "number" ? p.value : null })));
  const chartData = [...rows.values()].sort((a, b) => (a.t ?? 0) - (b.t ?? 0));
  const numeric = objects.some((o) => o.points.some((p) => typeof p.value === "number"));
  return (
    <Card
      title="Preview and backtest"
      aside={
        <div className="flex gap-1">
          {(["24h", "7d"] as const).map((r) => (
            <button key={r} type="button" className={`${button} ${r === range ? "bg-slate-100" : ""}`} onClick={() => setRange(r)}>
              {r}
            </button>
          ))}
        </div>
      }
    >
      {preview.error ? <p className="text-sm text-red-700">{preview.error.message}</p> : null}
      <p className="mb-2 text-sm" data-testid="backtest-result">
        {data ? (data.backtest.supported ? `This rule would have fired ${data.backtest.fired} time${data.backtest.fired === 1 ? "" : "s"} in the last ${range === "24h" ? "24 hours" : "7 days"}.` : `No backtest: ${data.backtest.reason}`) : "Computing…"}
      </p>
      {numeric || !data ? (
        <ChartFrame title="Signal history (largest value per bucket)" isPending={preview.isPending} empty={chartData.length === 0}>
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={chartData} margin={chartMargin}>
              <CartesianGrid {...gridProps} />
              <XAxis {...time.axis} />
              <YAxis fontSize={11} width={64} />
              <Tooltip labelFormatter={time.hoverTime} />
              {objects.map((o, i) => (
                <Line key={o.key} dataKey={`s${i}`} name={o.name} stroke={palette[i % palette.length]} dot={false} connectNulls isAnimationActive={false} />
              ))}
              {threshold !== null ? <ReferenceLine y={threshold} stroke="#dc2626" strokeDasharray="4 4" label={{ value: "threshold", fontSize: 11, fill: "#dc2626" }} /> : null}
            </LineChart>
          </ResponsiveContainer>
        </ChartFrame>
      ) : null}
      <div className="mt-3 grid grid-cols-1 gap-4 md:grid-cols-2">
        <div>
          <h3 className="mb-1 text-xs font-semibold uppercase text-slate-500">Matching objects now ({data?.objectCount ?? 0})</h3>
          <ul className="max-h-48 overflow-auto text-sm" data-testid="matching-objects">
            {(data?.objects ?? []).map((o) => (
              <li key={o.key} className="flex justify-between gap-2">
                <Link className="truncate text-sky-700 hover:underline" href={o.path}>
                  {o.connection}/{o.name}
                </Link>
                <span className="font-mono text-xs">{o.value ?? "—"}</span>
              </li>
            ))}
          </ul>
        </div>
        <div>
          <h3 className="mb-1 text-xs font-semibold uppercase text-slate-500">Would have fired</h3>
          <ul className="max-h-48 overflow-auto text-sm">
            {(data?.backtest.objects ?? []).flatMap((o) =>
              o.intervals.map((i) => (
                <li key={`${o.key}/${i.from}`} className="text-xs">
                  <span className="font-medium">{o.name}</span> {new Date(i.from).toLocaleString()} → {i.to ? new Date(i.to).toLocaleTimeString() : "still firing"}
                  {i.peak !== null ? ` (peak ${String(i.peak)})` : ""}
                </li>
              )),
            )}
          </ul>
        </div>
      </div>
    </Card>
  );
}
