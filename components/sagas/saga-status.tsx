import { statusColours, statusLabel, statusTitles } from "./format";

export function SagaStatus({ status, testId }: { status: string; testId?: string }) {
  return (
    <span
      className={`inline-block rounded px-1.5 py-0.5 text-xs font-medium ${statusColours[status] ?? "bg-slate-100 text-slate-700"}`}
      title={statusTitles[status]}
      data-status={status}
      data-testid={testId}
    >
      {statusLabel(status)}
    </span>
  );
}
