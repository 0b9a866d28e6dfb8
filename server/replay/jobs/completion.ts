import type { ReplayItemState } from "~/server/db/schema";
import type { ReplayJob } from "./dry-run";

// The last word before a job says "completed": its items, not the executor's say-so. An executor that reports
// "finished" while items are still pending or in flight would otherwise close a job with messages never replayed.

export type CompletionCheck =
  | { complete: true; counters: Pick<ReplayJob, "done" | "skipped" | "failed"> | null }
  | { complete: false; reason: string };

/**
 * `counters` is set when the job's running counters disagree with its items (the items are the record, so they win).
 */
export function checkCompletion(job: Pick<ReplayJob, "total" | "done" | "skipped" | "failed">, items: Record<ReplayItemState, number>): CompletionCheck {
  const unsettled = items.pending + items.sending + items.sent;
  if (unsettled > 0) {
    const inFlight = items.sending + items.sent;
    return {
      complete: false,
      reason:
        `Stopped before completing: ${unsettled} of ${job.total} messages are not settled ` +
        `(${items.pending} not taken yet, ${inFlight} in flight). Nothing was lost: they are still in the DLQ or their copy is recorded. Resume to take them again.`,
    };
  }
  const fromItems = { done: items.done, skipped: items.skipped, failed: items.failed };
  const agree = job.done === fromItems.done && job.skipped === fromItems.skipped && job.failed === fromItems.failed;
  return { complete: true, counters: agree ? null : fromItems };
}
