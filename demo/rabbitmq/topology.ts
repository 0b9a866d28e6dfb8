import type { Channel } from "amqplib";
import type { RabbitConfig } from "../config";

// The RabbitMQ topology of the demo, declared idempotently at start (assert* is a no-op when the object
// exists with the same arguments; different arguments fail with PRECONDITION_FAILED, which start reports).
//
//   <p>orders (topic) --order.placed-------> <p>notifications    classic, DLX <p>notifications.dlx (fanout) -> <p>notifications.dlq
//                     --payment.authorized-> <p>loyalty-points   quorum, x-delivery-limit, DLX <p>loyalty-points.dlx -> <p>loyalty-points.dlq
//                     --shipping.scheduled-> <p>invoicing        classic, no DLX: its consumer republishes failures (Spring
//                                                                 RepublishMessageRecoverer) to <p>invoicing.errors (topic)
//                                                                 --error.#--> <p>invoicing.dlq

/** Routing keys each work queue is bound with on the orders exchange. */
export const QUEUE_BINDINGS = {
  notifications: "order.placed",
  loyalty: "payment.authorized",
  invoicing: "shipping.scheduled",
} as const;

/** Spring's default error routing key prefix (RepublishMessageRecoverer.errorRoutingKeyPrefix). */
export const ERROR_ROUTING_KEY_PREFIX = "error.";

export interface RabbitNames {
  ordersExchange: string;
  notifications: string;
  notificationsDlx: string;
  notificationsDlq: string;
  loyalty: string;
  loyaltyDlx: string;
  loyaltyDlq: string;
  invoicing: string;
  invoicingErrors: string;
  invoicingDlq: string;
}

export function rabbitNames(prefix: string): RabbitNames {
  return {
    ordersExchange: `${prefix}orders`,
    notifications: `${prefix}notifications`,
    notificationsDlx: `${prefix}notifications.dlx`,
    notificationsDlq: `${prefix}notifications.dlq`,
    loyalty: `${prefix}loyalty-points`,
    loyaltyDlx: `${prefix}loyalty-points.dlx`,
    loyaltyDlq: `${prefix}loyalty-points.dlq`,
    invoicing: `${prefix}invoicing`,
    invoicingErrors: `${prefix}invoicing.errors`,
    invoicingDlq: `${prefix}invoicing.dlq`,
  };
}

export function exchangeNames(n: RabbitNames): string[] {
  return [n.ordersExchange, n.notificationsDlx, n.loyaltyDlx, n.invoicingErrors];
}

export function queueNames(n: RabbitNames): string[] {
  return [n.notifications, n.notificationsDlq, n.loyalty, n.loyaltyDlq, n.invoicing, n.invoicingDlq];
}

export async function declareTopology(ch: Channel, config: Pick<RabbitConfig, "prefix" | "deliveryLimit">): Promise<RabbitNames> {
  const n = rabbitNames(config.prefix);
  await ch.assertExchange(n.ordersExchange, "topic", { durable: true });
  await ch.assertExchange(n.notificationsDlx, "fanout", { durable: true });
  await ch.assertExchange(n.loyaltyDlx, "fanout", { durable: true });
  await ch.assertExchange(n.invoicingErrors, "topic", { durable: true });

  for (const dlq of [n.notificationsDlq, n.loyaltyDlq, n.invoicingDlq]) await ch.assertQueue(dlq, { durable: true });
  await ch.bindQueue(n.notificationsDlq, n.notificationsDlx, "");
  await ch.bindQueue(n.loyaltyDlq, n.loyaltyDlx, "");
  await ch.bindQueue(n.invoicingDlq, n.invoicingErrors, `${ERROR_ROUTING_KEY_PREFIX}#`);

  // Rejected (requeue=false) and expired messages go to the DLX with x-death reason rejected / expired.
  await ch.assertQueue(n.notifications, { durable: true, deadLetterExchange: n.notificationsDlx });
  // A quorum queue counts deliveries (x-delivery-count); past the limit it dead-letters (reason delivery_limit).
  await ch.assertQueue(n.loyalty, {
    durable: true,
    arguments: {
      "x-queue-type": "quorum",
      "x-delivery-limit": config.deliveryLimit,
      "x-dead-letter-exchange": n.loyaltyDlx,
    },
  });
  await ch.assertQueue(n.invoicing, { durable: true });
  await ch.bindQueue(n.notifications, n.ordersExchange, QUEUE_BINDINGS.notifications);
  await ch.bindQueue(n.loyalty, n.ordersExchange, QUEUE_BINDINGS.loyalty);
  await ch.bindQueue(n.invoicing, n.ordersExchange, QUEUE_BINDINGS.invoicing);
  return n;
}

/** Deletes everything declareTopology made (tests; the demo keeps its topology between runs). */
export async function deleteTopology(ch: Channel, n: RabbitNames): Promise<void> {
  for (const q of queueNames(n)) await ch.deleteQueue(q);
  for (const x of exchangeNames(n)) await ch.deleteExchange(x);
}
