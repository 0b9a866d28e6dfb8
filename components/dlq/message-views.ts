import type { ComponentType } from "react";
import { KafkaMessages } from "./kafka-messages";
import type { ReplaySection } from "./message-detail";
import { NatsMessages } from "./nats-messages";
import { natsReplaySection } from "./nats-replay-panel";
import { RabbitMessages } from "./rabbit-messages";
import { rabbitReplaySection } from "./rabbit-replay-panel";
import { SqsMessages } from "./sqs-messages";
import type { DlqKind, DlqRef } from "./types";

/**
 * How each broker's DLQ messages are read on the page, one entry per broker plugin (as server/brokers/registry.ts
 * lists them): a Kafka topic by offsets, an SQS queue through a snapshot, a RabbitMQ queue by a lossless browse, a
 * NATS consumer's dead letters from the advisory capture stream.
 */
export const MESSAGE_VIEWS: Record<DlqKind, ComponentType<{ dlq: DlqRef }>> = {
  kafka: KafkaMessages,
  sqs: SqsMessages,
  rabbitmq: RabbitMessages,
  nats: NatsMessages,
};
/**
 * A broker's own replay section of the message detail, where its destinations are not a topic or queue name
 * (RabbitMQ: an exchange and a routing key; NATS: a subject, published with a Nats-Msg-Id); null: the common one
 * (ReplayPanel).
 */
export const REPLAY_SECTIONS: Record<DlqKind, ((dlq: DlqRef) => ReplaySection) | null> = {
  kafka: null,
  sqs: null,
  rabbitmq: rabbitReplaySection,
  nats: natsReplaySection,
};
