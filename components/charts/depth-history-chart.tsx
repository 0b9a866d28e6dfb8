"use client";

import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { chartMargin, gridProps, palette, type ChartRange } from "./ranges";
import { markerLines, type ChartMarker } from "./markers";
import { useTimeAxis } from "./time-zone";

export interface DepthPoint {
  at: Date;
  name: string;
  depth: number;
}

interface Row {
  t: number;
  depths: Record<string, number>;
}

/** One line per queue or topic. Names go through accessor functions, never as key paths (they may contain dots). */
export function DepthHistoryChart({ points, names, range, markers = [] }: { points: DepthPoint[]; names: string[]; range: ChartRange; markers?: ChartMarker[] }) {
  const time = useTimeAxis(range);
  const byTime = new Map<number, Row>();
  for (const point of points) {
    const t = point.at.getTime();
    const row = byTime.get(t) ?? { t, depths: {} };
    row.depths[point.name] = point.depth;
    byTime.set(t, row);
  }
  const data = [...byTime.values()].sort((a, b) => a.t - b.t);
  return (
    <ResponsiveContainer width="100%" height="100%">
      <LineChart data={data} margin={chartMargin}>
        <CartesianGrid {...gridProps} />
        <XAxis {...time.axis} />
        <YAxis fontSize={11} tickFormatter={(v: number) => v.toLocaleString()} width={64} allowDecimals={false} />
        <Tooltip
          labelFormatter={time.hoverTime}
          formatter={(value) => (typeof value === "number" ? Math.round(value).toLocaleString() : "—")}
        />
        {/* Many DLQs: the legend scrolls instead of squeezing the plot to nothing. */}
        <Legend wrapperStyle={{ fontSize: 12, maxHeight: 44, overflowY: "auto" }} />
        {markerLines(markers, time.axis.domain)}
        {names.map((name, index) => (
          <Line
            key={name}
            type="linear"
            dataKey={(row: Row) => row.depths[name] ?? null}
            name={name}
            stroke={palette[index % palette.length]}
            dot={false}
            connectNulls
            isAnimationActive={false}
          />
        ))}
      </LineChart>
    </ResponsiveContainer>
  );
}
