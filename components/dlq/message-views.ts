import type { ComponentType } from "react";
import { KafkaMessages } from "./kafka-messages";
import { RabbitMessages } from "./rabbit-messages";
import { SqsMessages } from "./sqs-messages";
import type { DlqKind, DlqRef } from "./types";

/**
 * How each broker's DLQ messages are read on the page, one entry per broker plugin (as server/brokers/registry.ts
 * lists them): a Kafka topic by offsets, an SQS queue through a snapshot, a RabbitMQ queue by a lossless browse.
 */
export const MESSAGE_VIEWS: Record<DlqKind, ComponentType<{ dlq: DlqRef }>> = {
  kafka: KafkaMessages,
  sqs: SqsMessages,
  rabbitmq: RabbitMessages,
};

