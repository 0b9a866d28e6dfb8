import type { LagTrend } from "~/server/lag/lag-words";

const tone: Record<LagTrend["kind"], string> = {
  "caught-up": "text-emerald-700",
  "catching-up": "text-sky-800",
  steady: "text-amber-800",
  "falling-behind": "text-red-700 font-medium",
  "not-consuming": "text-red-700",
  unknown: "text-slate-400",
};

const arrow: Record<LagTrend["kind"], string> = {
  "caught-up": "",
  "catching-up": "↘ ",
  steady: "→ ",
  "falling-behind": "↗ ",
  "not-consuming": "↗ ",
  unknown: "",
};

/** A group's lag in words (server/lag/lag-words.ts), the same sentence on every page that shows the group. */
export function TrendText({ trend, testId = "group-trend" }: { trend: LagTrend; testId?: string }) {
  return (
    <span className={`text-xs ${tone[trend.kind]}`} data-testid={testId} data-trend={trend.kind}>
      {arrow[trend.kind]}
      {trend.text}
    </span>
  );
}
