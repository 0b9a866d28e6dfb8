import { describe, expect, it } from "vitest";
import { checkCompletion } from "~/server/replay/jobs/completion";

const items = (counts: Partial<Record<"pending" | "sending" | "sent" | "done" | "skipped" | "failed", number>>) => ({ pending: 0, sending: 0, sent: 0, done: 0, skipped: 0, failed: 0, ...counts });

describe("a replay job completes only when its items say so", () => {
  it("completes when every item is settled and the counters agree", () => {
    expect(checkCompletion({ total: 10, done: 7, skipped: 2, failed: 1 }, items({ done: 7, skipped: 2, failed: 1 }))).toEqual({ complete: true, counters: null });
  });

  it("refuses to complete while items are pending or in flight, and says how many", () => {
    const check = checkCompletion({ total: 10, done: 6, skipped: 0, failed: 0 }, items({ pending: 3, sent: 1, done: 6 }));
    expect(check.complete).toBe(false);
    expect(check.complete ? "" : check.reason).toMatch(/^Stopped before completing: 4 of 10 messages are not settled \(3 not taken yet, 1 in flight\)/);
  });

  it("takes the items' counts when the running counters drifted", () => {
    expect(checkCompletion({ total: 5, done: 6, skipped: 0, failed: 0 }, items({ done: 4, skipped: 1 }))).toEqual({ complete: true, counters: { done: 4, skipped: 1, failed: 0 } });
  });
});
