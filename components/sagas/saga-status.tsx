import { statusColours, statusLabel, statusTitles } from "./format";

/** `resolved`: a human closed it (a resolve command was applied), so a "failed" saga is not said to be compensated. */
export function SagaStatus({ status, testId, resolved = false }: { status: string; testId?: string; resolved?: boolean }) {
  const closedByHand = resolved && status === "failed";
  return (
    <span
      className={`inline-block rounded px-1.5 py-0.5 text-xs font-medium ${closedByHand ? "bg-slate-200 text-slate-800" : (statusColours[status] ?? "bg-slate-100 text-slate-700")}`}
      title={closedByHand ? "Resolved by an operator: closed without finishing its compensations." : statusTitles[status]}
      data-status={status}
      data-testid={testId}
    >
      {closedByHand ? "resolved" : statusLabel(status)}
    </span>
  );
}
