import { describe, expect, it } from "vitest";
import { summarizeAudit } from "~/components/audit/summary";

const ok = (procedure: string, parameters: unknown) => summarizeAudit({ procedure, parameters, outcome: "ok", error: null });

describe("audit rows in words, with a link to the object acted on", () => {
  it("a one-message replay names the message, the destination and links to the message", () => {
    const summary = ok("replay.one", { kind: "kafka", connection: "local", dlq: "orders.DLQ", id: "0:12", target: "orders" });
    expect(summary.text).toBe("replayed message 0:12 to orders from orders.DLQ (local)");
    expect(summary.href).toBe("/dlqs/kafka/local/orders.DLQ?msg=0%3A12");
  });

  it("an SQS snapshot links to the queue", () => {
    expect(ok("dlq.sqs.takeSnapshot", { connection: "aws", queue: "payments-dlq" })).toEqual({
      text: "took a snapshot of payments-dlq (aws)",
      href: "/dlqs/sqs/aws/payments-dlq",
    });
  });

  it("jobs, sagas and alert rules link to their pages", () => {
    expect(ok("replayJobs.cancel", { jobId: "0f8e1c2a-1111-4222-8333-444455556666" }).href).toBe("/replays/0f8e1c2a-1111-4222-8333-444455556666");
    expect(ok("sagas.issue", { database: "shop", sagaId: "abc", command: "retry", reason: "fixed" })).toEqual({
      text: 'issued retry to saga abc in shop ("fixed")',
      href: "/sagas/shop/abc",
    });
    expect(ok("alerts.setRuleEnabled", { id: "r1", enabled: false })).toEqual({ text: "disabled an alert rule", href: "/alerts/rules/r1" });
  });

  it("a refusal says what was tried and why it was refused", () => {
    const summary = summarizeAudit({ procedure: "replay.discard", parameters: { kind: "sqs", connection: "aws", dlq: "q", id: "7" }, outcome: "error", error: "FORBIDDEN" });
    expect(summary.text).toBe("tried: discarded message 7 from q (aws) — refused: FORBIDDEN");
  });

  it("an unknown procedure or missing parameters still read as words", () => {
    expect(ok("replayJobs.somethingNew", null)).toEqual({ text: "replay jobs something new", href: null });
    expect(ok("replay.one", {}).text).toBe("replayed message ? from");
  });
});
