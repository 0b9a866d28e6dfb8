"use client";

import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { durationText } from "../lag/format";
import { formatTick, formatTooltipTime, type ChartRange } from "./ranges";

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
      <LineChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: 8 }}>
        <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" />
        <XAxis
          dataKey="t"
          type="number"
          scale="time"
          domain={["dataMin", "dataMax"]}
          tickFormatter={(ms: number) => formatTick(ms, range)}
          fontSize={11}
          minTickGap={40}
        />
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
