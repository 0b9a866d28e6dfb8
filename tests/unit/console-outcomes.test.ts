import { describe, expect, it } from "vitest";
import { expiringFromEnqueueTimes, expiringFromOffsets } from "~/server/brokers/shared/retention";
import { jobProgress } from "~/server/replay/jobs/progress";
import { needsHuman, stuckKinds } from "~/server/sagas/attention";
import { jobOutcome } from "~/components/replay-jobs/format";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe("retention: what expires within a day", () => {
  it("Kafka: counts records from the log start to the first offset past the cutoff", () => {
    expect(expiringFromOffsets([{ logStartOffset: 10, cutoffOffset: 15 }, { logStartOffset: 4, cutoffOffset: 4 }, { logStartOffset: 9, cutoffOffset: 3 }])).toEqual({ count: 5 });
  });

  it("SQS: counts from the original enqueue time, not from when the message reached the DLQ", () => {
    const now = 10 * DAY;
    const retention = 4 * DAY;
    // Enqueued 3.5 days ago: goes in half a day. Enqueued 1 day ago: 3 days left. Unknown time: not counted.
    const result = expiringFromEnqueueTimes(retention, DAY, [now - 3.5 * DAY, now - DAY, 0, now - 3.9 * DAY], now);
    expect(result.count).toBe(2);
    expect(result.firstAtMs).toBe(now - 3.9 * DAY + retention);
    expect(expiringFromEnqueueTimes(retention, DAY, [now], now)).toEqual({ count: 0, firstAtMs: null });
  });
});

describe("replay job progress", () => {
  const base = { total: 100, done: 0, skipped: 0, failed: 0, rate: null as number | null, startedAt: new Date(0), finishedAt: null as Date | null };

  it("uses the measured rate while running and derives the ETA from it", () => {
    expect(jobProgress({ ...base, state: "running", done: 40, rate: 10 }, 8_000)).toEqual({ remaining: 60, rate: 10, etaSeconds: 6, elapsedSeconds: 8 });
  });

  it("falls back to the average rate when no rate was measured yet", () => {
    expect(jobProgress({ ...base, state: "running", done: 20 }, 10_000)).toMatchObject({ rate: 2, etaSeconds: 40 });
  });

  it("a completed job shows its average rate and an ETA of zero, not nothing", () => {
    expect(jobProgress({ ...base, state: "completed", done: 100, finishedAt: new Date(20_000) }, 99_000)).toEqual({ remaining: 0, rate: 5, etaSeconds: 0, elapsedSeconds: 20 });
  });

  it("a paused job has no ETA", () => {
    expect(jobProgress({ ...base, state: "paused", done: 50, rate: 5 }, 10_000).etaSeconds).toBeNull();
  });
});

describe("replay job outcome in words", () => {
  const job = { action: "replay" as const, total: 20, done: 20, skipped: 0, failed: 0, cameBack: 0, stateReason: null };
  it("says whether copies came back", () => {
    expect(jobOutcome({ ...job, state: "completed" })).toEqual({ text: "20 of 20 delivered, none came back", tone: "good" });
    expect(jobOutcome({ ...job, state: "completed", cameBack: 3 })).toEqual({ text: "20 of 20 delivered, 3 came back to a DLQ", tone: "bad" });
    expect(jobOutcome({ ...job, state: "running", done: 5 }).text).toBe("running: 5 of 20 delivered so far");
    expect(jobOutcome({ ...job, state: "draft", done: 0 }).text).toBe("dry run only: nothing sent");
  });
});

describe("stuck sagas: needs a human vs waiting", () => {
  it("counts compensation_failed and sagas failed into a DLQ as needing a human, the rest as waiting", () => {
    const kinds = stuckKinds(
      [
        { status: "compensation_failed", count: 2 },
        { status: "running", count: 50 },
      ],
      [{ count: 12 }],
      [
        { status: "compensation_failed", diagnosis: { kind: "compensation-failed" } },
        { status: "compensation_failed", diagnosis: { kind: "compensation-failed" } },
        { status: "running", diagnosis: { kind: "in-dlq" } },
        { status: "running", diagnosis: { kind: "participant-unhealthy" } },
        { status: "running", diagnosis: { kind: "awaiting-participant" } },
      ],
    );
    expect(kinds).toEqual({ needsHuman: 3, waiting: 9 });
    expect(needsHuman({ status: "running", diagnosis: { kind: "participant-unhealthy" } })).toBe(false);
    expect(needsHuman({ status: "running", diagnosis: { kind: "in-dlq" } })).toBe(true);
  });
});
