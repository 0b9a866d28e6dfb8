import { describe, expect, it } from "vitest";
import { deadLetterQueuesOf } from "~/server/brokers/sqs/sqs";
import type { SqsQueueSummary } from "~/server/brokers/types";

const queue = (name: string, visible: number, dlq: string | null = null): SqsQueueSummary => ({
  name,
  url: `http://sqs/000/${name}`,
  arn: `arn:aws:sqs:r:000:${name}`,
  visible,
  inFlight: 0,
  delayed: 0,
  fifo: false,
  deadLetterTargetArn: dlq ? `arn:aws:sqs:r:000:${dlq}` : null,
  maxReceiveCount: dlq ? 3 : null,
});

describe("deadLetterQueuesOf", () => {
  it("finds DLQs from the sources' RedrivePolicy and lists every source", () => {
    const dlqs = deadLetterQueuesOf([
      queue("orders", 5, "shared-dlq"),
      queue("billing", 1, "shared-dlq"),
      queue("shared-dlq", 7),
      queue("plain", 9),
    ]);
    expect(dlqs).toEqual([
      { name: "shared-dlq", url: "http://sqs/000/shared-dlq", arn: "arn:aws:sqs:r:000:shared-dlq", depth: 7, sourceQueues: ["billing", "orders"] },
    ]);
  });

  it("ignores a policy whose target queue does not exist", () => {
    expect(deadLetterQueuesOf([queue("orders", 1, "gone")])).toEqual([]);
  });
});
