/**
 * SNS as it shows in SQS messages and ARNs: pure functions, no imports. Loaded by Node directly in the filter
 * worker threads too (through server/dlq/failure.ts, type stripping): erasable TypeScript only.
 */

/** The last segment of an ARN: a topic's or a queue's name (arn:aws:sns:region:account:name). */
export function arnName(arn: string): string {
  return arn.slice(arn.lastIndexOf(":") + 1);
}

/** A subscription ARN is its topic's ARN and an id: arn:aws:sns:region:account:topic:id. */
export function parseSubscriptionArn(arn: string): { topicArn: string; topic: string; id: string } | null {
  const parts = arn.split(":");
  if (parts.length !== 7 || parts[0] !== "arn" || parts[2] !== "sns" || !parts[5] || !parts[6]) return null;
  return { topicArn: parts.slice(0, 6).join(":"), topic: parts[5], id: parts[6] };
}

/** How people read a subscription: "subscription 1f2e… of topic orders". */
export function subscriptionLabel(arn: string): string {
  const parsed = parseSubscriptionArn(arn);
  return parsed ? `subscription ${parsed.id} of topic ${parsed.topic}` : `subscription ${arn}`;
}

/** The JSON SNS wraps a message in when a subscription's raw message delivery is off. */
export interface SnsEnvelope {
  type: string;
  messageId: string;
  topicArn: string;
  /** The published message itself (payload). */
  message: string;
  subject: string | null;
  timestamp: string | null;
  /** The subscription it was delivered for, from the envelope's UnsubscribeURL. */
  subscriptionArn: string | null;
  /** The published message attributes (payload), as SNS writes them: {Type, Value}. */
  messageAttributes: Record<string, { Type: string; Value: string }>;
}

/** The SNS envelope in an SQS body, or null when the body is not one (raw delivery, or not from SNS). */
export function parseSnsEnvelope(body: string): SnsEnvelope | null {
  if (!body.startsWith("{") || !body.includes('"TopicArn"')) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return null;
  }
  if (typeof parsed !== "object" || parsed === null) return null;
  const o = parsed as Record<string, unknown>;
  if (typeof o.Type !== "string" || typeof o.MessageId !== "string" || typeof o.TopicArn !== "string" || typeof o.Message !== "string") return null;
  if (!o.TopicArn.startsWith("arn:")) return null;
  let subscriptionArn: string | null = null;
  if (typeof o.UnsubscribeURL === "string") {
    try {
      subscriptionArn = new URL(o.UnsubscribeURL).searchParams.get("SubscriptionArn");
    } catch {
      subscriptionArn = null;
    }
  }
  const attributes = typeof o.MessageAttributes === "object" && o.MessageAttributes !== null ? (o.MessageAttributes as Record<string, { Type: string; Value: string }>) : {};
  return {
    type: o.Type,
    messageId: o.MessageId,
    topicArn: o.TopicArn,
    message: o.Message,
    subject: typeof o.Subject === "string" ? o.Subject : null,
    timestamp: typeof o.Timestamp === "string" ? o.Timestamp : null,
    subscriptionArn,
    messageAttributes: attributes,
  };
}

/** The message attributes SNS adds to a delivery it moves to a subscription's dead-letter queue. */
export const SNS_DLQ_ATTRIBUTES = { errorCode: "ErrorCode", errorMessage: "ErrorMessage", topicArn: "TopicArn", subscriptionArn: "SubscriptionArn" } as const;
export const SNS_DLQ_ATTRIBUTE_NAMES: readonly string[] = Object.values(SNS_DLQ_ATTRIBUTES);

/** What an SQS message says of the SNS delivery that failed (no payload: ids, ARNs and the error only). */
export interface SnsDeliveryFailure {
  topicArn: string;
  topic: string;
  subscriptionArn: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  /** Whether the body is SNS's JSON envelope (raw message delivery off) or the raw message. */
  envelope: boolean;
  snsMessageId: string | null;
  snsTimestamp: string | null;
}

/**
 * Reads an SNS delivery failure from a dead letter: the attributes SNS adds (ErrorCode, ErrorMessage, TopicArn,
 * SubscriptionArn) and, when raw delivery is off, the envelope in the body. Null when neither is there.
 */
export function snsDeliveryFailure(body: string, messageAttributes: Record<string, { dataType: string; value: string }>): SnsDeliveryFailure | null {
  const attribute = (name: string) => messageAttributes[name]?.value || null;
  const envelope = parseSnsEnvelope(body);
  const topicArn = attribute(SNS_DLQ_ATTRIBUTES.topicArn) ?? envelope?.topicArn ?? null;
  const errorCode = attribute(SNS_DLQ_ATTRIBUTES.errorCode);
  const errorMessage = attribute(SNS_DLQ_ATTRIBUTES.errorMessage);
  const attributeSubscription = attribute(SNS_DLQ_ATTRIBUTES.subscriptionArn);
  // Without SNS's own attributes, a body that is an envelope is still a message SNS delivered (and it names its topic).
  if (!topicArn || (!envelope && !errorCode && !errorMessage && !attributeSubscription)) return null;
  return {
    topicArn,
    topic: arnName(topicArn),
    subscriptionArn: attributeSubscription ?? envelope?.subscriptionArn ?? null,
    errorCode,
    errorMessage,
    envelope: envelope !== null,
    snsMessageId: envelope?.messageId ?? null,
    snsTimestamp: envelope?.timestamp ?? null,
  };
}

/** The SQS message attributes a raw delivery carries: the envelope's {Type, Value} as SQS {dataType, value}. */
export function rawAttributesOf(envelope: SnsEnvelope): Record<string, { dataType: string; value: string }> {
  return Object.fromEntries(Object.entries(envelope.messageAttributes).map(([name, a]) => [name, { dataType: a.Type, value: a.Value }]));
}
