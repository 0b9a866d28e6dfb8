"use client";

import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { durationText } from "../lag/format";
import { chartMargin, gridProps, timeAxisProps, formatTooltipTime, type ChartRange } from "./ranges";

export interface LagPoint {
  at: Date;
  lag: number;
  lagSeconds: number | null;
}

/** Lag in messages (left axis) and lag in seconds (right axis). */
export function LagHistoryChart({ points, range }: { points: LagPoint[]; range: ChartRange }) {
  const data = points.map((p) => ({ t: p.at.getTime(), lag: p.lag, lagSeconds: p.lagSeconds }));
  return (
    <ResponsiveContainer width="100%" height="100%">
      <LineChart data={data} margin={chartMargin}>
        <CartesianGrid {...gridProps} />
        <XAxis {...timeAxisProps(range)} />
        <YAxis yAxisId="lag" fontSize={11} tickFormatter={(v: number) => v.toLocaleString()} width={64} />
        <YAxis yAxisId="seconds" orientation="right" fontSize={11} tickFormatter={(v: number) => durationText(v)} width={64} />
        <Tooltip
          labelFormatter={(ms) => formatTooltipTime(Number(ms))}
          formatter={(value, name) =>
            typeof value !== "number" ? "—" : name === "Lag (time, max)" ? durationText(value) : Math.round(value).toLocaleString()
          }
        />
        <Legend wrapperStyle={{ fontSize: 12 }} />
        <Line yAxisId="lag" type="monotone" dataKey="lag" name="Lag (messages)" stroke="#0284c7" dot={false} isAnimationActive={false} />
        <Line
          yAxisId="seconds"
          type="monotone"
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
