"use client";

import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { chartMargin, formatTooltipTime, gridProps, timeAxisProps, type ChartRange } from "../charts/ranges";
import { ageText } from "../sagas/format";

export interface OutboxPoint {
  at: Date;
  unpublished: number;
  oldestAgeSeconds: number | null;
  publishedPerMinute: number | null;
}

/** Unpublished rows (left axis) and the age of the oldest (right axis). */
export function OutboxHistoryChart({ points, range }: { points: OutboxPoint[]; range: ChartRange }) {
  const data = points.map((p) => ({ t: p.at.getTime(), unpublished: p.unpublished, oldest: p.oldestAgeSeconds, rate: p.publishedPerMinute }));
  return (
    <ResponsiveContainer width="100%" height="100%">
      <LineChart data={data} margin={chartMargin}>
        <CartesianGrid {...gridProps} />
        <XAxis {...timeAxisProps(range)} />
        <YAxis yAxisId="rows" fontSize={11} tickFormatter={(v: number) => v.toLocaleString()} width={64} allowDecimals={false} />
        <YAxis yAxisId="age" orientation="right" fontSize={11} tickFormatter={(v: number) => ageText(v)} width={64} />
        <Tooltip
          labelFormatter={(ms) => formatTooltipTime(Number(ms))}
          formatter={(value, name) => (typeof value !== "number" ? "—" : name === "Oldest unpublished (age)" ? ageText(value) : Math.round(value).toLocaleString())}
        />
        <Legend wrapperStyle={{ fontSize: 12 }} />
        <Line yAxisId="rows" type="monotone" dataKey="unpublished" name="Unpublished rows" stroke="#0284c7" dot={data.length < 3} isAnimationActive={false} />
        <Line yAxisId="rows" type="monotone" dataKey="rate" name="Published / min" stroke="#16a34a" dot={data.length < 3} isAnimationActive={false} connectNulls />
        <Line yAxisId="age" type="monotone" dataKey="oldest" name="Oldest unpublished (age)" stroke="#dc2626" dot={data.length < 3} isAnimationActive={false} connectNulls />
      </LineChart>
    </ResponsiveContainer>
  );
}
