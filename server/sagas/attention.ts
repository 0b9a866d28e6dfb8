import type { DiagnosisKind } from "./diagnosis";

/**
 * Stuck sagas a human has to act on: a compensation that failed, or a step whose message died in a DLQ. The
 * other stuck ones wait on something that moves by itself (a slow or lagging participant, the relay, a retry
 * backoff): they are shown, apart, but not counted where a person is paged.
 */
export const NEEDS_HUMAN: ReadonlySet<DiagnosisKind> = new Set<DiagnosisKind>(["compensation-failed", "in-dlq"]);

export interface StuckKinds {
  needsHuman: number;
  waiting: number;
}

/**
 * Splits the stuck total. Every compensation_failed saga counts (from the exact per-status count); of the
 * other stuck sagas, those diagnosed (up to the diagnosis limit) as failed in a DLQ count too.
 */
export function stuckKinds(
  statusCounts: { status: string; count: number }[],
  stuckCounts: { count: number }[],
  diagnosed: { status: string; diagnosis: { kind: DiagnosisKind } | null }[] | null,
): StuckKinds {
  const total = stuckCounts.reduce((sum, c) => sum + c.count, 0);
  const compensationFailed = statusCounts.filter((c) => c.status === "compensation_failed").reduce((sum, c) => sum + c.count, 0);
  const failedInDlq = (diagnosed ?? []).filter((s) => s.status !== "compensation_failed" && s.diagnosis && NEEDS_HUMAN.has(s.diagnosis.kind)).length;
  const needsHuman = Math.min(total, compensationFailed + failedInDlq);
  return { needsHuman, waiting: Math.max(0, total - needsHuman) };
}

/** Whether one diagnosed stuck saga needs a human (for the page's split). */
export const needsHuman = (saga: { status: string; diagnosis: { kind: DiagnosisKind } | null }) =>
  saga.status === "compensation_failed" || (saga.diagnosis !== null && NEEDS_HUMAN.has(saga.diagnosis.kind));
