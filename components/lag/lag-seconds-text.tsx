import { lagSecondsText, type LagSecondsKind } from "./format";

const explanations: Record<LagSecondsKind, string> = {
  exact: "From a record timestamp, or no lag",
  estimated: "Estimated by interpolating sampled log-end offsets",
  moreThan: "At least this much: the committed offset is older than the sampled history",
  unknown: "No committed offset or no sampled history yet",
};

/** Lag in seconds with its precision mark: "~" estimated, ">" lower bound. */
export function LagSecondsText({ seconds, kind }: { seconds: number | null; kind: LagSecondsKind | null }) {
  const text = lagSecondsText(seconds, kind);
  return (
    <span title={explanations[kind ?? "unknown"]} className={text === "unknown" ? "text-slate-400" : undefined}>
      {text}
    </span>
  );
}
