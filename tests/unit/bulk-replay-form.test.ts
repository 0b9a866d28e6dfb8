import { describe, expect, it } from "vitest";
import { checkBulkForm, initialBulkForm, wholeNumber } from "~/components/replay-jobs/bulk-form";

describe("the bulk replay dialog's form", () => {
  it("reads whole numbers: blank is null, anything else that is not a whole number at least min is NaN", () => {
    expect(wholeNumber(" ", 1)).toBeNull();
    expect(wholeNumber("12", 1)).toBe(12);
    expect(wholeNumber("0", 1)).toBeNaN();
    expect(wholeNumber("0", 0)).toBe(0);
    expect(wholeNumber("2.5", 1)).toBeNaN();
    expect(wholeNumber("ten", 1)).toBeNaN();
  });

  it("sends the server's defaults for a replay to each message's origin", () => {
    const checked = checkBulkForm(initialBulkForm("replay"), "kafka");
    expect(checked.problems).toEqual([]);
    expect(checked.target).toBeUndefined();
    expect(checked.options).toEqual({
      ratePerSecond: null,
      batchSize: 500,
      canarySize: 10,
      canaryWaitSeconds: 30,
      maxFailShare: 0.2,
      keepErrorHeaders: false,
      includeResolved: false,
      overrideLoopGuard: false,
    });
  });

  it("names every problem in words and names the destination by the broker's noun", () => {
    const form = { ...initialBulkForm("replay"), destination: "custom" as const, target: "  ", rate: "0", batchSize: "", canarySize: "-1", canaryWait: "x", maxFailPercent: "101" };
    expect(checkBulkForm(form, "sqs").problems).toEqual([
      "The rate limit is a whole number of messages per second (or blank for unlimited).",
      "The batch size is a whole number, at least 1.",
      "The canary size is a whole number (0 turns the canary off).",
      "The canary wait is a whole number of seconds.",
      "The canary's maximum fail share is a percentage from 0 to 100.",
      "Type the destination queue.",
    ]);
    expect(checkBulkForm(form, "kafka").problems).toContain("Type the destination topic.");
    expect(checkBulkForm(form, "rabbitmq").problems).toContain("Type the destination queue.");
  });

  it("sends a custom destination trimmed", () => {
    expect(checkBulkForm({ ...initialBulkForm("replay"), destination: "custom", target: " orders " }, "kafka").target).toBe("orders");
  });

  it("asks a discard for a reason and sends no canary, loop guard or header options with it", () => {
    const form = { ...initialBulkForm("discard"), destination: "custom" as const, target: "elsewhere", canarySize: "bad" };
    expect(checkBulkForm(form, "kafka").problems).toEqual(["A discard needs a reason."]);
    const checked = checkBulkForm({ ...form, reason: "  poison pill, fixed upstream " }, "kafka");
    expect(checked.problems).toEqual([]);
    expect(checked.reason).toBe("poison pill, fixed upstream");
    expect(checked.target).toBeUndefined();
    expect(checked.options).toEqual({ ratePerSecond: null, batchSize: 500, includeResolved: false });
  });
});
