import { failsPermanently } from "../consumers/notification-sender";
import type { Faults, RabbitConsumerName } from "../faults";

// Pure decisions of the RabbitMQ consumers: what the fault knobs say about a consumer and a message, and how
// a failed delivery is settled. Each consumer shows one of the three ways RabbitMQ users dead-letter.

export type FailureStrategy =
  /** basic.reject requeue=false: the queue's DLX dead-letters it (x-death reason "rejected"). */
  | "reject"
  /** basic.nack requeue=true: redelivered until the quorum queue's delivery limit ("delivery_limit"). */
  | "requeue"
  /** Spring AMQP: retry in-process, then republish to an error exchange with x-exception-* headers, ack. */
  | "republish";

export const FAILURE_STRATEGY: Record<RabbitConsumerName, FailureStrategy> = {
  "push-notifier": "reject",
  "loyalty-service": "requeue",
  "invoice-service": "republish",
};

export interface ConsumerKnobs {
  stopped: boolean;
  delayMs: number;
  failureRate: number;
}

export function consumerKnobs(f: Faults, name: RabbitConsumerName): ConsumerKnobs {
  return {
    stopped: f.stoppedConsumers.includes(name),
    delayMs: f.slowConsumers[name] ?? 0,
    failureRate: f.rabbitmq.failureRate[name],
  };
}

/** Chosen by message id, so a failing message fails on every delivery (a retry cannot cure it; a fix can). */
export function failsByFault(f: Faults, name: RabbitConsumerName, messageId: string): boolean {
  return failsPermanently(`${name}:${messageId}`, f.rabbitmq.failureRate[name]);
}

export type Settlement =
  | { kind: "reject" }
  | { kind: "nack-requeue" }
  | { kind: "retry"; delayMs: number }
  | { kind: "republish" };

/** How the `attempt`-th in-process failure of a delivery is settled. */
export function settleFailure(
  strategy: FailureStrategy,
  attempt: number,
  retry: { attempts: number; baseMs: number; maxMs: number },
): Settlement {
  switch (strategy) {
    case "reject":
      return { kind: "reject" };
    case "requeue":
      return { kind: "nack-requeue" };
    case "republish":
      return attempt < retry.attempts
        ? { kind: "retry", delayMs: Math.min(retry.maxMs, retry.baseMs * 2 ** (attempt - 1)) }
        : { kind: "republish" };
  }
}
