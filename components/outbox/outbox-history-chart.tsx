"use client";

import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { chartMargin, gridProps, type ChartRange } from "../charts/ranges";
import { useTimeAxis } from "../charts/time-zone";
import { ageText } from "../sagas/format";

export interface OutboxPoint {
  at: Date;
  unpublished: number;
  oldestAgeSeconds: number | null;
  publishedPerMinute: number | null;
}

/** Unpublished rows (left axis), the publish rate and the age of the oldest (right axes). */
export function OutboxHistoryChart({ points, range }: { points: OutboxPoint[]; range: ChartRange }) {
  const time = useTimeAxis(range);
  const data = points.map((p) => ({ t: p.at.getTime(), unpublished: p.unpublished, oldest: p.oldestAgeSeconds, rate: p.publishedPerMinute }));
  return (
    <ResponsiveContainer width="100%" height="100%">
      <LineChart data={data} margin={chartMargin}>
        <CartesianGrid {...gridProps} />
        <XAxis {...time.axis} />
        <YAxis yAxisId="rows" fontSize={11} tickFormatter={(v: number) => v.toLocaleString()} width={64} allowDecimals={false} />
        {/* One unit per axis: rows, rows per minute and age each get their own. */}
        <YAxis yAxisId="rate" orientation="right" fontSize={11} tickFormatter={(v: number) => `${v.toLocaleString()}/min`} width={56} />
        <YAxis yAxisId="age" orientation="right" fontSize={11} tickFormatter={(v: number) => ageText(v)} width={64} />
        <Tooltip
          labelFormatter={time.hoverTime}
          formatter={(value, name) => (typeof value !== "number" ? "—" : name === "Oldest unpublished (age)" ? ageText(value) : Math.round(value).toLocaleString())}
        />
        <Legend wrapperStyle={{ fontSize: 12 }} />
        <Line yAxisId="rows" type="linear" dataKey="unpublished" name="Unpublished rows" stroke="#0284c7" dot={data.length < 3} isAnimationActive={false} />
        <Line yAxisId="rate" type="linear" dataKey="rate" name="Published / min" stroke="#16a34a" dot={data.length < 3} isAnimationActive={false} connectNulls />
        <Line yAxisId="age" type="linear" dataKey="oldest" name="Oldest unpublished (age)" stroke="#dc2626" dot={data.length < 3} isAnimationActive={false} connectNulls />
      </LineChart>
    </ResponsiveContainer>
  );
}
