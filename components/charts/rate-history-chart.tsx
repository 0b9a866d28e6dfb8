"use client";

import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { chartMargin, gridProps, type ChartRange } from "./ranges";
import { useTimeAxis } from "./time-zone";

export interface RatePoint {
  at: Date;
  produceRate: number | null;
  consumeRate: number | null;
}

const rateText = (value: number) => value.toLocaleString(undefined, { maximumFractionDigits: value < 10 ? 2 : 0 });

/** Produce vs consume rate in messages per second; a consumer falling behind shows as a gap between the lines. */
export function RateHistoryChart({ points, range }: { points: RatePoint[]; range: ChartRange }) {
  const time = useTimeAxis(range);
  const data = points.map((p) => ({ t: p.at.getTime(), produceRate: p.produceRate, consumeRate: p.consumeRate }));
  return (
    <ResponsiveContainer width="100%" height="100%">
      <LineChart data={data} margin={chartMargin}>
        <CartesianGrid {...gridProps} />
        <XAxis {...time.axis} />
        <YAxis fontSize={11} tickFormatter={(v: number) => rateText(v)} width={64} />
        <Tooltip
          labelFormatter={time.hoverTime}
          formatter={(value) => (typeof value === "number" ? `${rateText(value)} msg/s` : "—")}
        />
        <Legend wrapperStyle={{ fontSize: 12 }} />
        <Line type="linear" dataKey="produceRate" name="Produced (msg/s)" stroke="#16a34a" dot={false} isAnimationActive={false} />
        <Line type="linear" dataKey="consumeRate" name="Consumed (msg/s)" stroke="#9333ea" dot={false} isAnimationActive={false} />
      </LineChart>
    </ResponsiveContainer>
  );
}
