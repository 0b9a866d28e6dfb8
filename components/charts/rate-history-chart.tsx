"use client";

import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { chartMargin, gridProps, timeAxisProps, formatTooltipTime, type ChartRange } from "./ranges";

export interface RatePoint {
  at: Date;
  produceRate: number | null;
  consumeRate: number | null;
}

const rateText = (value: number) => value.toLocaleString(undefined, { maximumFractionDigits: value < 10 ? 2 : 0 });

/** Produce vs consume rate in messages per second; a consumer falling behind shows as a gap between the lines. */
export function RateHistoryChart({ points, range }: { points: RatePoint[]; range: ChartRange }) {
  const data = points.map((p) => ({ t: p.at.getTime(), produceRate: p.produceRate, consumeRate: p.consumeRate }));
  return (
    <ResponsiveContainer width="100%" height="100%">
      <LineChart data={data} margin={chartMargin}>
        <CartesianGrid {...gridProps} />
        <XAxis {...timeAxisProps(range)} />
        <YAxis fontSize={11} tickFormatter={(v: number) => rateText(v)} width={64} />
        <Tooltip
          labelFormatter={(ms) => formatTooltipTime(Number(ms))}
          formatter={(value) => (typeof value === "number" ? `${rateText(value)} msg/s` : "—")}
        />
        <Legend wrapperStyle={{ fontSize: 12 }} />
        <Line type="monotone" dataKey="produceRate" name="Produced (msg/s)" stroke="#16a34a" dot={false} isAnimationActive={false} />
        <Line type="monotone" dataKey="consumeRate" name="Consumed (msg/s)" stroke="#9333ea" dot={false} isAnimationActive={false} />
      </LineChart>
    </ResponsiveContainer>
  );
}
