import { isPartitionStatus, type PartitionStatus } from "./format";

const styles: Record<PartitionStatus, string> = {
  OK: "bg-emerald-100 text-emerald-800 ring-emerald-200",
  WARN: "bg-amber-100 text-amber-800 ring-amber-200",
  REWIND: "bg-purple-100 text-purple-800 ring-purple-200",
  STALL: "bg-red-100 text-red-700 ring-red-200",
  STOP: "bg-red-700 text-white ring-red-800",
};

const titles: Record<PartitionStatus, string> = {
  OK: "Keeping up",
  WARN: "Lag has been growing across the recent samples",
  REWIND: "The committed offset went backwards (offsets were reset)",
  STALL: "Members are present but the committed offset is not moving while there is lag",
  STOP: "The group has no members and has lag",
};

export function StatusBadge({ status, testId }: { status: string; testId?: string }) {
  const known = isPartitionStatus(status);
  return (
    <span
      data-testid={testId}
      title={known ? titles[status] : undefined}
      className={`inline-block rounded px-1.5 py-0.5 text-xs font-semibold ring-1 ring-inset ${
        known ? styles[status] : "bg-slate-100 text-slate-700 ring-slate-200"
      }`}
    >
      {status}
    </span>
  );
}
