import {
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListTopicsCommand,
  PublishCommand,
  SNSClient,
  type MessageAttributeValue,
} from "@aws-sdk/client-sns";
import pLimit from "p-limit";
import { awsCredentialProvider } from "../shared/aws-credentials";
import type { SnsSubscriptionSummary, SnsTopicSummary } from "../types";
import type { SqsConnectionConfig } from "./config";
import { arnName, parseSubscriptionArn, subscriptionLabel } from "./sns-envelope";

export * from "./sns-envelope";

// SNS throttles per account, as SQS does: a few GetSubscriptionAttributes at a time.
const ATTRIBUTE_CONCURRENCY = 8;
const LISTING_CONCURRENCY = 4;

function deadLetterTargetOf(raw: string | undefined): string | null {
  if (!raw) return null;
  try {
    const policy = JSON.parse(raw) as { deadLetterTargetArn?: unknown };
    return typeof policy.deadLetterTargetArn === "string" && policy.deadLetterTargetArn !== "" ? policy.deadLetterTargetArn : null;
  } catch {
    return null;
  }
}

/** One subscription as GetSubscriptionAttributes tells it (Attributes as the API returns them). */
export function subscriptionSummary(attributes: Record<string, string>): SnsSubscriptionSummary {
  const arn = attributes.SubscriptionArn ?? "";
  const topicArn = attributes.TopicArn ?? parseSubscriptionArn(arn)?.topicArn ?? "";
  return {
    arn,
    topicArn,
    topic: arnName(topicArn),
    label: subscriptionLabel(arn),
    protocol: attributes.Protocol ?? "",
    endpoint: attributes.Endpoint ?? "",
    rawMessageDelivery: attributes.RawMessageDelivery === "true",
    filterPolicy: attributes.FilterPolicy || null,
    filterPolicyScope: attributes.FilterPolicyScope || null,
    redrivePolicy: attributes.RedrivePolicy || null,
    deadLetterTargetArn: deadLetterTargetOf(attributes.RedrivePolicy),
    pendingConfirmation: attributes.PendingConfirmation === "true",
  };
}

/**
 * SNS beside an SQS connection (the same AWS identity; the connection's endpoint unless `sns.endpoint` names
 * another): topics, their subscriptions with the attributes that decide delivery, and publishing to a topic.
 */
export class SnsClientOfConnection {
  private readonly client: SNSClient;

  constructor(config: SqsConnectionConfig) {
    this.client = new SNSClient({
      region: config.region,
      endpoint: config.sns?.endpoint ?? config.endpoint,
      credentials: awsCredentialProvider(config),
      maxAttempts: 2,
      requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000 },
    });
  }

  async topicArns(): Promise<string[]> {
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(new ListTopicsCommand({ NextToken: nextToken }));
      arns.push(...(page.Topics ?? []).flatMap((topic) => (topic.TopicArn ? [topic.TopicArn] : [])));
      nextToken = page.NextToken;
    } while (nextToken);
    return arns;
  }

  async subscriptionArnsOf(topicArn: string): Promise<string[]> {
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: nextToken }));
      // "PendingConfirmation" is what SNS lists for a subscription not confirmed yet: it has no attributes to read.
      for (const sub of page.Subscriptions ?? []) if (sub.SubscriptionArn?.startsWith("arn:")) arns.push(sub.SubscriptionArn);
      nextToken = page.NextToken;
    } while (nextToken);
    return arns;
  }

  /** One subscription, or null when it is gone (unsubscribed since it was listed). */
  async subscription(arn: string): Promise<SnsSubscriptionSummary | null> {
    try {
      const { Attributes } = await this.client.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: arn }));
      return subscriptionSummary({ SubscriptionArn: arn, ...(Attributes ?? {}) });
    } catch (error) {
      if ((error as { name?: string }).name === "NotFoundException" || (error as { name?: string }).name === "NotFound") return null;
      throw error;
    }
  }

  /** Every topic with its subscriptions, sorted by name. */
  async topics(): Promise<SnsTopicSummary[]> {
    const limit = pLimit(ATTRIBUTE_CONCURRENCY);
    // Two limiters: a topic's listing holds its slot while its subscriptions wait for theirs.
    const listing = pLimit(LISTING_CONCURRENCY);
    const topics = await Promise.all(
      (await this.topicArns()).map(async (arn) => {
        const arns = await listing(() => this.subscriptionArnsOf(arn));
        const subscriptions = await Promise.all(arns.map((sub) => limit(() => this.subscription(sub))));
        return {
          arn,
          name: arnName(arn),
          subscriptions: subscriptions.filter((s): s is SnsSubscriptionSummary => s !== null).sort((a, b) => a.endpoint.localeCompare(b.endpoint) || a.arn.localeCompare(b.arn)),
        };
      }),
    );
    return topics.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Publishes to a topic (every subscription whose filter matches receives it); resolves with SNS's MessageId. */
  async publish(topicArn: string, message: { body: string; attributes: Record<string, { dataType: string; value: string }>; groupId?: string; deduplicationId?: string }): Promise<string> {
    const attributes: Record<string, MessageAttributeValue> = Object.fromEntries(
      Object.entries(message.attributes).map(([name, a]) => [
        name,
        a.dataType.startsWith("Binary") ? { DataType: a.dataType, BinaryValue: Buffer.from(a.value, "base64") } : { DataType: a.dataType, StringValue: a.value },
      ]),
    );
    const result = await this.client.send(
      new PublishCommand({ TopicArn: topicArn, Message: message.body, MessageAttributes: attributes, MessageGroupId: message.groupId, MessageDeduplicationId: message.deduplicationId }),
    );
    if (!result.MessageId) throw new Error("SNS did not acknowledge the publish");
    return result.MessageId;
  }

  close(): void {
    this.client.destroy();
  }
}
