import { describe, expect, it } from "vitest";
import { deadLetterQueuesOf } from "~/server/brokers/sqs/sqs";
import { subscriptionSummary } from "~/server/brokers/sqs/sns";
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
      { name: "shared-dlq", url: "http://sqs/000/shared-dlq", arn: "arn:aws:sqs:r:000:shared-dlq", depth: 7, sourceQueues: ["billing", "orders"], sourceSubscriptions: [] },
    ]);
  });

  it("ignores a policy whose target queue does not exist", () => {
    expect(deadLetterQueuesOf([queue("orders", 1, "gone")])).toEqual([]);
  });

  it("finds a subscription DLQ from the subscription's RedrivePolicy, next to the queues' sources", () => {
    const subscription = (id: string, dlq: string | null) =>
      subscriptionSummary({
        SubscriptionArn: `arn:aws:sns:r:000:orders:${id}`,
        TopicArn: "arn:aws:sns:r:000:orders",
        Protocol: "sqs",
        Endpoint: `arn:aws:sqs:r:000:${id}-queue`,
        ...(dlq ? { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: `arn:aws:sqs:r:000:${dlq}` }) } : {}),
      });
    const dlqs = deadLetterQueuesOf([queue("billing", 1, "shared-dlq"), queue("shared-dlq", 2), queue("sub-dlq", 3)], [
      subscription("b", "sub-dlq"),
      subscription("a", "shared-dlq"),
      subscription("c", null),
    ]);
    expect(dlqs).toEqual([
      {
        name: "shared-dlq",
        url: "http://sqs/000/shared-dlq",
        arn: "arn:aws:sqs:r:000:shared-dlq",
        depth: 2,
        sourceQueues: ["billing"],
        sourceSubscriptions: [{ arn: "arn:aws:sns:r:000:orders:a", topic: "orders", label: "subscription a of topic orders" }],
      },
      {
        name: "sub-dlq",
        url: "http://sqs/000/sub-dlq",
        arn: "arn:aws:sqs:r:000:sub-dlq",
        depth: 3,
        sourceQueues: [],
        sourceSubscriptions: [{ arn: "arn:aws:sns:r:000:orders:b", topic: "orders", label: "subscription b of topic orders" }],
      },
    ]);
  });
});
