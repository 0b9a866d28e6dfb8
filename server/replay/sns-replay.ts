/**
 * Replaying a dead letter of an SNS subscription's DLQ. It goes back to that subscription's endpoint only (an SQS
 * subscriber: its queue, with the envelope or the raw body as that subscription receives it), never republished to
 * the topic, which would deliver it again to every other subscriber. Publishing to the topic is a separate, explicit
 * action whose confirmation names every subscription that would receive it.
 */
import { randomUUID } from "node:crypto";
import { arnName, parseSnsEnvelope, rawAttributesOf, SNS_DLQ_ATTRIBUTE_NAMES, type SnsDeliveryFailure } from "~/server/brokers/sqs/sns";
import type { ReceivedSqsMessage, SqsAdapter } from "~/server/brokers/sqs/sqs";
import type { SnsSubscriptionSummary } from "~/server/brokers/types";
import type { ControlDb } from "~/server/db/control-store";
import { replayLedger } from "~/server/db/schema";
import { sqsFailure } from "~/server/dlq/failure";
import { DEFAULT_REPLAY_LIMIT, sqsReplayAttributes, sqsReplayMetadata, SQS_REPLAY_ATTRIBUTE } from "./headers";
import { ReplayRefused } from "./refused";
import { withReceivedSqsMessage } from "./sqs-receive";

type Attributes = Record<string, { dataType: string; value: string }>;

/** The subscription a dead letter failed for, as SNS describes it now; with the queue an SQS subscriber reads. */
export interface SnsSubscriber {
  subscription: SnsSubscriptionSummary;
  /** SQS subscribers: the queue's name on this connection; null for other protocols. */
  queue: string | null;
}

function snsOf(adapter: SqsAdapter) {
  if (!adapter.sns) throw new ReplayRefused(`The connection "${adapter.name}" has no sns: in redrive.yaml: Redrive cannot ask SNS about this message's subscription.`);
  return adapter.sns;
}

/**
 * Which subscription a dead letter of an SNS subscription DLQ failed for: the SubscriptionArn SNS added (or the
 * envelope's UnsubscribeURL names); else, when only one subscription of its topic names this DLQ, that one.
 */
export async function subscriberOf(adapter: SqsAdapter, dlq: string, sns: SnsDeliveryFailure): Promise<SnsSubscriber> {
  const client = snsOf(adapter);
  let arn = sns.subscriptionArn;
  if (!arn) {
    const entry = (await adapter.overview()).deadLetterQueues.find((d) => d.name === dlq);
    const candidates = (entry?.sourceSubscriptions ?? []).filter((sub) => sub.topic === sns.topic);
    if (candidates.length !== 1) {
      throw new ReplayRefused(
        candidates.length === 0
          ? `The message names no subscription, and no subscription of topic ${sns.topic} has ${dlq} as its DLQ: pick a destination queue.`
          : `The message names no subscription, and ${candidates.length} subscriptions of topic ${sns.topic} share ${dlq} as their DLQ: pick a destination queue.`,
      );
    }
    arn = candidates[0]!.arn;
  }
  const subscription = await client.subscription(arn);
  if (!subscription) throw new ReplayRefused(`The subscription ${arn} no longer exists (unsubscribed): pick a destination queue.`);
  return { subscription, queue: subscription.protocol === "sqs" ? arnName(subscription.endpoint) : null };
}

/** The message attributes that are SNS's account of the failure (or Redrive's replay metadata), not the message's own. */
function withoutFailureAttributes(attributes: Attributes, keepErrorHeaders: boolean): Attributes {
  return Object.fromEntries(
    Object.entries(attributes).filter(([name]) => name !== SQS_REPLAY_ATTRIBUTE && (keepErrorHeaders || !SNS_DLQ_ATTRIBUTE_NAMES.includes(name))),
  );
}

/**
 * The body and attributes an SQS subscriber receives: with raw delivery on, the published message and its
 * attributes (unwrapped from the envelope if the dead letter holds one); with it off, the envelope, which only SNS
 * can write and sign, so a raw dead letter cannot be turned into one.
 */
export function asSubscriberReceives(found: { body: string; messageAttributes: Attributes }, rawMessageDelivery: boolean, keepErrorHeaders: boolean): { body: string; attributes: Attributes } {
  const envelope = parseSnsEnvelope(found.body);
  const own = withoutFailureAttributes(found.messageAttributes, keepErrorHeaders);
  if (rawMessageDelivery) {
    return envelope ? { body: envelope.message, attributes: { ...own, ...rawAttributesOf(envelope) } } : { body: found.body, attributes: own };
  }
  if (!envelope) {
    throw new ReplayRefused("The subscription receives SNS envelopes (raw message delivery is off) but this dead letter is a raw message: only SNS can write the envelope. Pick a destination queue, or publish to the topic.");
  }
  return { body: found.body, attributes: own };
}

/** The message as it was published: the envelope's message and attributes, or the raw body with its own. */
function asPublished(found: ReceivedSqsMessage): { body: string; attributes: Attributes } {
  const envelope = parseSnsEnvelope(found.body);
  return envelope
    ? { body: envelope.message, attributes: rawAttributesOf(envelope) }
    : { body: found.body, attributes: withoutFailureAttributes(found.messageAttributes, false) };
}

/** The DLQ message's SNS failure, or a refusal: the message must have come from SNS. */
export function snsFailureOf(found: ReceivedSqsMessage): SnsDeliveryFailure | null {
  return sqsFailure(found.messageAttributes, found.attributes, found.body).sns ?? null;
}

/** Who would receive a copy published to this topic: every subscription, with what decides its delivery. */
export async function topicAudience(adapter: SqsAdapter, topicArn: string): Promise<SnsSubscriptionSummary[]> {
  const client = snsOf(adapter);
  const subscriptions = await Promise.all((await client.subscriptionArnsOf(topicArn)).map((arn) => client.subscription(arn)));
  return subscriptions.filter((s): s is SnsSubscriptionSummary => s !== null).sort((a, b) => a.arn.localeCompare(b.arn));
}

/**
 * Publishes one dead letter of an SNS subscription DLQ to its topic: only when the caller confirmed exactly the
 * subscriptions the topic has now (each of them receives it, where its filter policy lets it). The message goes
 * as it was published (the envelope's message and attributes) with the replay metadata; the DLQ message is deleted
 * only after SNS acknowledged the publish.
 */
export async function publishDeadLetterToTopic(
  db: ControlDb,
  adapter: SqsAdapter,
  dlq: string,
  messageId: string,
  options: { confirmedSubscriptions: string[]; overrideLoopGuard?: boolean; replayedBy: string },
): Promise<{ replayId: string; target: string; targetPosition: string; replayCount: number; subscriptions: string[] }> {
  const client = snsOf(adapter);
  return withReceivedSqsMessage(adapter, dlq, messageId, async (found, dlqUrl) => {
    const sns = snsFailureOf(found);
    if (!sns) throw new ReplayRefused("This dead letter names no SNS topic (no TopicArn attribute, no SNS envelope): there is no topic to publish it to.");
    const previous = sqsReplayMetadata(found.messageAttributes).count;
    if (previous >= DEFAULT_REPLAY_LIMIT && !options.overrideLoopGuard) {
      throw new ReplayRefused(`Quarantined: this message was already replayed ${previous} times and died again. Replay it again only with an explicit override.`);
    }
    const now = (await topicAudience(adapter, sns.topicArn)).map((s) => s.arn).sort();
    const confirmed = [...new Set(options.confirmedSubscriptions)].sort();
    if (now.length !== confirmed.length || now.some((arn, i) => arn !== confirmed[i])) {
      throw new ReplayRefused(`The subscriptions of topic ${sns.topic} changed since the confirmation (now ${now.length}): nothing was published. Review the list and confirm again.`);
    }
    const published = asPublished(found);
    if (Object.keys(published.attributes).length >= 10) throw new ReplayRefused("The message has 10 attributes (SNS's limit): there is no room for the replay metadata.");
    const replayId = randomUUID();
    const replayCount = previous + 1;
    const fifo = sns.topicArn.endsWith(".fifo");
    const targetPosition = await client.publish(sns.topicArn, {
      body: published.body,
      attributes: sqsReplayAttributes(published.attributes, { replayId, count: replayCount, from: `${dlq}/${found.messageId}` }),
      groupId: fifo ? (found.attributes.MessageGroupId ?? "redrive") : undefined,
      deduplicationId: fifo ? replayId : undefined,
    });
    // Only now, with the publish acknowledged, may the original leave the DLQ.
    await adapter.delete(dlqUrl, found.receiptHandle);
    const target = `topic ${sns.topic}`;
    await db.insert(replayLedger).values({
      replayId,
      kind: "sqs",
      action: "replay",
      connection: adapter.name,
      dlq,
      messageId: found.messageId,
      target,
      targetPosition,
      replayCount,
      replayedBy: options.replayedBy,
    });
    return { replayId, target, targetPosition, replayCount, subscriptions: now };
  });
}

/** What the message detail says of an SNS dead letter's subscriber: where a replay goes, or why it cannot go there. */
export type SubscriberView =
  | { ok: true; subscriptionArn: string; label: string; protocol: string; endpoint: string; queue: string | null; rawMessageDelivery: boolean; filterPolicy: string | null }
  | { ok: false; reason: string };

export async function describeSubscriber(adapter: SqsAdapter, dlq: string, sns: SnsDeliveryFailure): Promise<SubscriberView> {
  try {
    const { subscription, queue } = await subscriberOf(adapter, dlq, sns);
    return {
      ok: true,
      subscriptionArn: subscription.arn,
      label: subscription.label,
      protocol: subscription.protocol,
      endpoint: subscription.endpoint,
      queue,
      rawMessageDelivery: subscription.rawMessageDelivery,
      filterPolicy: subscription.filterPolicy,
    };
  } catch (error) {
    if (error instanceof ReplayRefused) return { ok: false, reason: error.message };
    throw error;
  }
}

/**
 * For a bulk job's dry run: the subscriber queue each SNS dead letter of this DLQ goes back to, by the subscription
 * it names (or the one subscription of its topic that names this DLQ). Subscriptions that are not SQS are left out
 * (their messages then have no target, as the dry run says).
 */
export function subscriberQueueResolver(adapter: SqsAdapter, dlq: string): Promise<(sns: SnsDeliveryFailure) => string | null> {
  return adapter.overview().then(({ topics, deadLetterQueues }) => {
    const subscriptions = new Map((topics ?? []).flatMap((topic) => topic.subscriptions).map((sub) => [sub.arn, sub]));
    const sources = deadLetterQueues.find((d) => d.name === dlq)?.sourceSubscriptions ?? [];
    const queueOf = (arn: string) => {
      const sub = subscriptions.get(arn);
      return sub?.protocol === "sqs" ? arnName(sub.endpoint) : null;
    };
    return (sns) => {
      if (sns.subscriptionArn) return queueOf(sns.subscriptionArn);
      const candidates = sources.filter((source) => source.topic === sns.topic);
      return candidates.length === 1 ? queueOf(candidates[0]!.arn) : null;
    };
  });
}

/**
 * For a bulk job's executor: the copy of an SNS dead letter as its subscriber receives it (subscriptions asked of
 * SNS once per job). Refused (the item fails, the message stays) where the subscription is gone or wants an
 * envelope the dead letter does not have.
 */
export function subscriberCopies(adapter: SqsAdapter, dlq: string): (found: ReceivedSqsMessage) => Promise<{ body: string; attributes: Attributes } | null> {
  const subscribers = new Map<string, Promise<SnsSubscriber>>();
  return async (found) => {
    const sns = snsFailureOf(found);
    if (!sns) return null;
    const key = sns.subscriptionArn ?? `topic:${sns.topicArn}`;
    let subscriber = subscribers.get(key);
    if (!subscriber) subscribers.set(key, (subscriber = subscriberOf(adapter, dlq, sns)));
    return asSubscriberReceives(found, (await subscriber).subscription.rawMessageDelivery, false);
  };
}
