import { Kafka, logLevel, type Admin, type logCreator } from "kafkajs";
import type { DemoConfig } from "../config";

// Topic names are `<aggregate_type>.<event_type>` (the outbox relay derives them the same way).
export const TOPICS = {
  orderPlaced: "order.OrderPlaced",
  authorizePayment: "payment.AuthorizePayment",
  refundPayment: "payment.RefundPayment",
  reserveInventory: "inventory.ReserveInventory",
  releaseInventory: "inventory.ReleaseInventory",
  scheduleShipment: "shipping.ScheduleShipment",
  stepReply: "saga.StepReply",
  paymentAuthorized: "payment.PaymentAuthorized",
  shipmentScheduled: "shipping.ShipmentScheduled",
  invoiceRequested: "invoice.InvoiceRequested",
} as const;

/** Topics a demo consumer group reads: each gets a `<topic>.DLQ`. */
export const CONSUMED_TOPICS = [
  TOPICS.orderPlaced,
  TOPICS.authorizePayment,
  TOPICS.refundPayment,
  TOPICS.reserveInventory,
  TOPICS.releaseInventory,
  TOPICS.scheduleShipment,
  TOPICS.stepReply,
  TOPICS.paymentAuthorized,
];

export const dlqTopic = (topic: string) => `${topic}.DLQ`;

export function topicName(config: Pick<DemoConfig, "topicPrefix">, logical: string): string {
  return `${config.topicPrefix}${logical}`;
}

export function allTopics(config: Pick<DemoConfig, "topicPrefix">): string[] {
  const logical = [...Object.values(TOPICS), ...CONSUMED_TOPICS.map(dlqTopic)];
  return logical.map((t) => topicName(config, t));
}

// Retriable broker responses right after topic creation (leader election, coordinator loading) are
// retried by kafkajs; logging them as errors would only be noise.
const TRANSIENT = /not the leader|coordinator is loading|leader not available|There is no leader|coordinator is not available|not the correct coordinator/i;

const quietLogCreator: logCreator =
  () =>
  ({ namespace, level, log }) => {
    const { message, error, ...rest } = log as { message: string; error?: string };
    if (level > logLevel.ERROR) return;
    if (TRANSIENT.test(`${message} ${error ?? ""}`)) return;
    console.error(`[kafkajs] ${namespace}: ${message}${error ? ` (${error})` : ""}`, Object.keys(rest).length ? "" : "");
  };

export function createKafka(config: Pick<DemoConfig, "brokers" | "clientId">, clientId = config.clientId): Kafka {
  return new Kafka({
    clientId,
    brokers: config.brokers,
    logLevel: logLevel.ERROR,
    logCreator: quietLogCreator,
    retry: { retries: 8, initialRetryTime: 200 },
  });
}

/** Creates the demo topics (3 partitions each, plus the .DLQ topics); existing ones are left alone. */
export async function ensureTopics(
  admin: Admin,
  config: Pick<DemoConfig, "topicPrefix" | "partitions">,
  topics = allTopics(config),
): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t));
  if (missing.length === 0) return;
  await admin.createTopics({
    waitForLeaders: true,
    topics: missing.map((topic) => ({ topic, numPartitions: config.partitions, replicationFactor: 1 })),
  });
}
