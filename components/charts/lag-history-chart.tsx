"use client";

import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { durationText } from "../lag/format";
import { chartMargin, gridProps, type ChartRange } from "./ranges";
import { markerLines, type ChartMarker } from "./markers";
import { useTimeAxis } from "./time-zone";

export interface LagPoint {
  at: Date;
  lag: number;
  lagSeconds: number | null;
}

/** Lag in messages (left axis) and lag in seconds (right axis). */
export function LagHistoryChart({ points, range, markers = [] }: { points: LagPoint[]; range: ChartRange; markers?: ChartMarker[] }) {
  const time = useTimeAxis(range);
  const data = points.map((p) => ({ t: p.at.getTime(), lag: p.lag, lagSeconds: p.lagSeconds }));
  return (
    <ResponsiveContainer width="100%" height="100%">
      <LineChart data={data} margin={chartMargin}>
        <CartesianGrid {...gridProps} />
        <XAxis {...time.axis} />
        <YAxis yAxisId="lag" fontSize={11} tickFormatter={(v: number) => v.toLocaleString()} width={64} />
        <YAxis yAxisId="seconds" orientation="right" fontSize={11} tickFormatter={(v: number) => durationText(v)} width={64} />
        <Tooltip
          labelFormatter={time.hoverTime}
          formatter={(value, name) =>
            typeof value !== "number" ? "—" : name === "Lag (time, max)" ? durationText(value) : Math.round(value).toLocaleString()
          }
        />
        <Legend wrapperStyle={{ fontSize: 12 }} />
        {markerLines(markers, time.axis.domain, "lag")}
        <Line yAxisId="lag" type="linear" dataKey="lag" name="Lag (messages)" stroke="#0284c7" dot={false} isAnimationActive={false} />
        <Line
          yAxisId="seconds"
          type="linear"
          dataKey="lagSeconds"
          name="Lag (time, max)"
          stroke="#dc2626"
          dot={false}
          isAnimationActive={false}
        />
      </LineChart>
    </ResponsiveContainer>
  );
}
