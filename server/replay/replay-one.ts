import { randomUUID } from "node:crypto";
import type { KafkaAdapter } from "~/server/brokers/kafka/kafka";
import type { RabbitMqAdapter } from "~/server/brokers/rabbitmq/adapter";
import type { ReplayDestination } from "~/server/brokers/rabbitmq/replay";
import type { SqsAdapter } from "~/server/brokers/sqs/sqs";
import type { ControlDb } from "~/server/db/control-store";
import { replayLedger } from "~/server/db/schema";
import { sqsFailure } from "~/server/dlq/failure";
import { kafkaMessage } from "~/server/dlq/kafka-dlq";
import { RABBIT_FIND_WINDOW, rabbitRefusalsAsDomain } from "~/server/dlq/rabbitmq-dlq";
import { formatRabbitTarget } from "~/server/brokers/rabbitmq/targets";
import { DEFAULT_REPLAY_LIMIT, replayCountOf, replayHeaders, sqsReplayMetadata } from "./headers";
import { refuseMissingTarget } from "./audience";
import { refuseAborted, ReplayRefused } from "./refused";
import { sendSqsCopy, withReceivedSqsMessage } from "./sqs-receive";
import { asSubscriberReceives, subscriberOf } from "./sns-replay";
import { formatLogPosition } from "~/server/lib/message-id";

export { ReplayRefused };

export interface ReplayResult {
  replayId: string;
  target: string;
  /** Kafka: "partition:offset" of the copy. SQS: the copy's MessageId. */
  targetPosition: string;
  replayCount: number;
}

interface ReplayOptions {
  /** Another destination than the message's origin. */
  target?: string;
  /** Replay even a quarantined message (replayed DEFAULT_REPLAY_LIMIT times already). */
  overrideLoopGuard?: boolean;
  keepErrorHeaders?: boolean;
  replayedBy: string;
}

function guardLoop(count: number, override: boolean | undefined): void {
  if (count >= DEFAULT_REPLAY_LIMIT && !override) {
    throw new ReplayRefused(`Quarantined: this message was already replayed ${count} times and died again. Replay it again only with an explicit override.`);
  }
}

/**
 * Replays one Kafka dead letter: the same key and value bytes and original headers (DLQ error headers
 * dropped by default) plus the replay id, count and origin, produced idempotently with acks=all. The
 * ledger row is written only after the broker acknowledged the copy; the DLQ record itself stays.
 */
export async function replayKafkaMessage(
  db: ControlDb,
  adapter: KafkaAdapter,
  dlq: string,
  position: { partition: number; offset: number },
  options: ReplayOptions,
): Promise<ReplayResult> {
  const message = await kafkaMessage(adapter, dlq, position.partition, position.offset);
  if (!message) throw new ReplayRefused(`No record at ${position.partition}:${position.offset} of ${dlq} (removed by retention?).`);
  refuseAborted(message);
  const target = options.target ?? message.failure?.originTopic ?? null;
  if (!target) throw new ReplayRefused("The record names no original topic (no kafka_dlt-original-topic or __connect.errors.topic header): pick a destination.");
  if (target === dlq) throw new ReplayRefused("The destination is the DLQ itself.");
  const count = replayCountOf(message.headers) + 1;
  guardLoop(count - 1, options.overrideLoopGuard);
  await refuseMissingTarget(adapter, target);
  const replayId = randomUUID();
  const from = `${dlq}/${position.partition}/${position.offset}`;
  const written = await adapter.produce(target, {
    key: message.key ? Buffer.from(message.key) : null,
    value: message.value ? Buffer.from(message.value) : null,
    headers: replayHeaders(message.headerEntries, { replayId, count, from, keepErrorHeaders: options.keepErrorHeaders ?? false }),
  });
  const targetPosition = formatLogPosition(written);
  await db.insert(replayLedger).values({
    replayId,
    kind: "kafka",
    connection: adapter.name,
    dlq,
    messageId: formatLogPosition(position),
    target,
    targetPosition,
    replayCount: count,
    replayedBy: options.replayedBy,
  });
  return { replayId, target, targetPosition, replayCount: count };
}

/**
 * Replays one SQS dead letter: receive it from the DLQ (a receipt handle is never guessed), send the copy
 * to its source queue (or the chosen one) with every message attribute and the replay metadata packed in
 * one "redrive" attribute, and delete it from the DLQ only after SQS acknowledged the copy. Other messages
 * received on the way are released at once.
 */
export async function replaySqsMessage(
  db: ControlDb,
  adapter: SqsAdapter,
  dlq: string,
  messageId: string,
  options: ReplayOptions,
): Promise<ReplayResult> {
  return withReceivedSqsMessage(adapter, dlq, messageId, async (found, dlqUrl) => {
    const failure = sqsFailure(found.messageAttributes, found.attributes, found.body);
    let target = options.target ?? failure.sourceQueue;
    let copy = { body: found.body, attributes: found.messageAttributes };
    // A delivery SNS failed goes back to that one subscriber, as it receives messages; never to the topic.
    if (!target && failure.sns) {
      const subscriber = await subscriberOf(adapter, dlq, failure.sns);
      if (!subscriber.queue) {
        throw new ReplayRefused(
          `${subscriber.subscription.label} delivers over ${subscriber.subscription.protocol} to ${subscriber.subscription.endpoint}: Redrive replays to SQS subscribers only. Pick a destination queue, or publish to the topic.`,
        );
      }
      target = subscriber.queue;
      copy = asSubscriberReceives(found, subscriber.subscription.rawMessageDelivery, options.keepErrorHeaders ?? false);
    }
    if (!target) throw new ReplayRefused("SQS did not record a source queue for this message: pick a destination.");
    const previous = sqsReplayMetadata(found.messageAttributes).count;
    guardLoop(previous, options.overrideLoopGuard);
    await refuseMissingTarget(adapter, target);
    const sent = await sendSqsCopy(db, adapter, {
      dlq,
      dlqUrl,
      found,
      target,
      body: copy.body,
      attributes: copy.attributes,
      previousCount: previous,
      action: "replay",
      replayedBy: options.replayedBy,
    });
    return { ...sent, target };
  });
}

/**
 * Replays one RabbitMQ dead letter (by its browse key): the adapter takes it from the DLQ, publishes a copy to
 * its origin (x-original-* or the first death's exchange and routing key) or the chosen destination on a
 * confirm channel, mandatory, and acks the DLQ message only after the broker confirmed the copy and did not
 * return it. The loop guard and the destination check run before anything is published; the ledger row is
 * written once the original is acked.
 */
export async function replayRabbitMessage(
  db: ControlDb,
  adapter: RabbitMqAdapter,
  dlq: string,
  key: string,
  options: Omit<ReplayOptions, "target" | "keepErrorHeaders"> & { destination?: ReplayDestination },
): Promise<ReplayResult> {
  if (options.destination && options.destination.exchange === "" && options.destination.routingKey === dlq) throw new ReplayRefused("The destination is the DLQ itself.");
  const replayId = randomUUID();
  const result = await rabbitRefusalsAsDomain(() =>
    adapter.replayOne(dlq, {
      key,
      destination: options.destination,
      replayId,
      maxScan: RABBIT_FIND_WINDOW,
      check: async ({ destination, replayedBefore }) => {
        guardLoop(replayedBefore, options.overrideLoopGuard);
        const audience = await adapter.replayAudience(destination.exchange, destination.routingKey);
        if (!audience.exists) throw new ReplayRefused(audience.reason);
        // Only where routing is known (a headers exchange decides per message): the copy would land back in the DLQ.
        if (audience.exact && audience.queues.some((queue) => queue.name === dlq)) throw new ReplayRefused(`${formatRabbitTarget(destination)} routes to the DLQ itself.`);
      },
    }),
  );
  switch (result.outcome) {
    case "replayed":
      break;
    case "not-found":
      throw new ReplayRefused(`No message ${key} in the first ${result.scanned.toLocaleString()} messages of ${dlq} (replayed or removed since it was listed?).`);
    case "no-destination":
      throw new ReplayRefused(`Nothing was sent: ${result.reason}.`);
    default:
      throw new ReplayRefused(`Nothing was removed from ${dlq}: ${result.reason} (${formatRabbitTarget(result.destination)}).`);
  }
  const target = formatRabbitTarget(result.destination);
  await db.insert(replayLedger).values({
    replayId,
    kind: "rabbitmq",
    connection: adapter.name,
    dlq,
    messageId: key,
    target,
    targetPosition: "publisher-confirmed",
    replayCount: result.replayCount,
    replayedBy: options.replayedBy,
  });
  return { replayId, target, targetPosition: "publisher-confirmed", replayCount: result.replayCount };
}
