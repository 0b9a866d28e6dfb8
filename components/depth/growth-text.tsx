import { formatGrowth } from "../lag/format";

/** Growth over the last hour: red when the queue is filling, green when it drains. */
export function GrowthText({ value }: { value: number | null }) {
  const tone = value === null ? "text-slate-400" : value > 0 ? "font-medium text-red-700" : value < 0 ? "text-emerald-700" : "text-slate-500";
  return (
    <span className={tone} title={value === null ? "No sample from an hour ago yet" : "Change in depth over the last hour"}>
      {formatGrowth(value)}
    </span>
  );
}
