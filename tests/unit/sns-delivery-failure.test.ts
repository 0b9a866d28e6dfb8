import { describe, expect, it } from "vitest";
import { parseSnsEnvelope, parseSubscriptionArn, snsDeliveryFailure, subscriptionLabel, subscriptionSummary } from "~/server/brokers/sqs/sns";
import { sqsFailure } from "~/server/dlq/failure";

const topicArn = "arn:aws:sns:us-east-1:000000000000:orders";
const subscriptionArn = `${topicArn}:4f1c9e2a-0d55-4b8e-9a51-3c2b7d7e1f00`;
const envelope = JSON.stringify({
  Type: "Notification",
  MessageId: "22f427a5-5a20-4a7d-8cbc-0d1ef4f0ffff",
  TopicArn: topicArn,
  Subject: "private subject",
  Message: '{"amount":42}',
  Timestamp: "2026-11-30T13:32:28.180Z",
  SignatureVersion: "1",
  Signature: "EXAMPLE",
  UnsubscribeURL: `https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${subscriptionArn}`,
  MessageAttributes: { type: { Type: "String", Value: "created" } },
});
const attribute = (value: string) => ({ dataType: "String", value });

describe("SNS subscription ARNs", () => {
  it("reads the topic and id of a subscription ARN, and names it", () => {
    expect(parseSubscriptionArn(subscriptionArn)).toEqual({ topicArn, topic: "orders", id: "4f1c9e2a-0d55-4b8e-9a51-3c2b7d7e1f00" });
    expect(subscriptionLabel(subscriptionArn)).toBe("subscription 4f1c9e2a-0d55-4b8e-9a51-3c2b7d7e1f00 of topic orders");
    expect(parseSubscriptionArn("PendingConfirmation")).toBeNull();
    expect(parseSubscriptionArn(topicArn)).toBeNull();
  });

  it("summarises GetSubscriptionAttributes: raw delivery, filter, redrive policy", () => {
    const summary = subscriptionSummary({
      SubscriptionArn: subscriptionArn,
      TopicArn: topicArn,
      Protocol: "sqs",
      Endpoint: "arn:aws:sqs:us-east-1:000000000000:billing",
      RawMessageDelivery: "true",
      FilterPolicy: '{"type":["created"]}',
      RedrivePolicy: '{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:billing-dlq"}',
    });
    expect(summary).toMatchObject({
      topic: "orders",
      protocol: "sqs",
      rawMessageDelivery: true,
      filterPolicy: '{"type":["created"]}',
      deadLetterTargetArn: "arn:aws:sqs:us-east-1:000000000000:billing-dlq",
    });
    expect(subscriptionSummary({ SubscriptionArn: subscriptionArn, RedrivePolicy: "not json" }).deadLetterTargetArn).toBeNull();
  });
});

describe("SNS delivery failures in an SQS DLQ", () => {
  it("reads the envelope (raw delivery off): topic, SNS message id, subscription from the UnsubscribeURL", () => {
    expect(parseSnsEnvelope(envelope)).toMatchObject({ type: "Notification", topicArn, message: '{"amount":42}', subscriptionArn });
    expect(parseSnsEnvelope('{"order":42}')).toBeNull();
    expect(parseSnsEnvelope('{"TopicArn": 1}')).toBeNull();
  });

  it("reads the attributes SNS adds, with or without an envelope", () => {
    const raw = snsDeliveryFailure('{"order":42}', {
      ErrorCode: attribute("SQS.QueueDoesNotExist"),
      ErrorMessage: attribute("The queue does not exist"),
      TopicArn: attribute(topicArn),
      SubscriptionArn: attribute(subscriptionArn),
    });
    expect(raw).toEqual({
      topicArn,
      topic: "orders",
      subscriptionArn,
      errorCode: "SQS.QueueDoesNotExist",
      errorMessage: "The queue does not exist",
      envelope: false,
      snsMessageId: null,
      snsTimestamp: null,
    });
    expect(snsDeliveryFailure(envelope, { ErrorCode: attribute("KMS.AccessDenied") })).toMatchObject({ envelope: true, subscriptionArn, errorCode: "KMS.AccessDenied", snsMessageId: "22f427a5-5a20-4a7d-8cbc-0d1ef4f0ffff" });
    // A plain SQS dead letter is not an SNS one, even with a TopicArn attribute of its own.
    expect(snsDeliveryFailure('{"order":42}', { TopicArn: attribute(topicArn) })).toBeNull();
  });

  it("makes the failure an SNS delivery failure, with no payload in it", () => {
    const failure = sqsFailure({ ErrorCode: attribute("SQS.QueueDoesNotExist"), ErrorMessage: attribute("The queue does not exist") }, { ApproximateReceiveCount: "1" }, envelope);
    expect(failure).toMatchObject({ convention: "sns-delivery", exceptionClass: "SQS.QueueDoesNotExist", message: "The queue does not exist", sourceQueue: null });
    expect(failure.sns).toMatchObject({ topic: "orders", subscriptionArn, envelope: true });
    expect(JSON.stringify(failure)).not.toContain("amount");
    expect(JSON.stringify(failure)).not.toContain("private subject");
  });
});
