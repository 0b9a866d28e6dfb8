import type { QueueType, Table } from "./management";

/** What browse safety needs of a queue (a RabbitQueue from the management API has all of it). */
export interface BrowsableQueue {
  name: string;
  type: QueueType;
  arguments: Table;
  effectivePolicyDefinition: Table;
}

export type BrowseSafety =
  | { allowed: true; method: "get-and-return" | "stream-offset"; effects: string }
  | { allowed: false; reason: string };

const integerOf = (value: unknown): number | null => (typeof value === "number" && Number.isInteger(value) ? value : null);

function lowest(queue: BrowsableQueue, key: string): number | null {
  const values = [integerOf(queue.arguments[`x-${key}`]), integerOf(queue.effectivePolicyDefinition[key])].filter((v): v is number => v !== null);
  return values.length ? Math.min(...values) : null;
}

/**
 * Whether a queue can be browsed without losing a message or spending a delivery attempt, and what a browse
 * changes, in words for the UI. Classic and quorum queues cannot be peeked: a browse takes messages with
 * basic.get and returns them all at once (channel close). Measured on RabbitMQ 3.10.8:
 *  - a quorum queue counts every return, even from a closed channel, in x-delivery-count, and dead-letters
 *    (or, with no dead-letter exchange, drops) a message whose count passes its delivery-limit: a browse of a
 *    message at its limit would remove it. Per-message counts are only visible after the read, so a quorum
 *    queue with a delivery limit is never browsed.
 *  - max-length counts ready messages only: while a page is held, publishers refill the queue, and with
 *    overflow drop-head the returned messages (back at the head) are the ones dropped. Refused as well;
 *    reject-publish and reject-publish-dlx keep them (the queue is briefly over its limit).
 *  - a classic queue puts returned messages back at their original positions; a quorum queue requeues them
 *    in an order of its own (neither channel close, nor nack one by one, nor nack multiple keeps the order).
 * Streams are read from an offset by a consumer and nothing in them changes.
 */
export function browseSafety(queue: BrowsableQueue): BrowseSafety {
  if (queue.type === "stream") {
    return { allowed: true, method: "stream-offset", effects: "Reading a stream changes nothing: messages are read from an offset and stay where they are." };
  }
  const deliveryLimit = queue.type === "quorum" ? lowest(queue, "delivery-limit") : null;
  if (deliveryLimit !== null) {
    return {
      allowed: false,
      reason:
        `"${queue.name}" is a quorum queue with a delivery limit of ${deliveryLimit}. RabbitMQ counts every message a browse reads and returns as a ` +
        "delivery, and a message past its limit is dead-lettered (or dropped): browsing could remove messages, so it is refused. " +
        "Remove the delivery limit from this DLQ (it protects consumers, and a DLQ has none), or move its messages to a classic queue with a shovel.",
    };
  }
  const maxLength = lowest(queue, "max-length");
  const maxBytes = lowest(queue, "max-length-bytes");
  const overflow = queue.arguments["x-overflow"] ?? queue.effectivePolicyDefinition.overflow ?? "drop-head";
  if ((maxLength !== null || maxBytes !== null) && overflow === "drop-head") {
    return {
      allowed: false,
      reason:
        `"${queue.name}" has a ${maxLength !== null ? `max-length of ${maxLength}` : `max-length-bytes of ${maxBytes}`} with overflow drop-head. While a browse ` +
        "holds a page, new dead letters fill the queue, and the returned messages (at the head) are the ones the broker then drops: browsing is refused. " +
        'Set overflow to "reject-publish" on this DLQ to browse it.',
    };
  }
  const common =
    "Browsing reads up to a page of messages without acknowledging them and returns them all at once when the page is read: nothing is removed. " +
    "Returned messages are marked redelivered, and while the page is read consumers of this queue do not receive them.";
  if (queue.type === "quorum") {
    return {
      allowed: true,
      method: "get-and-return",
      effects:
        `${common} On this quorum queue each returned message's x-delivery-count grows by one (the queue has no delivery limit, so none is dead-lettered for it), ` +
        "and the returned messages do not keep their order: RabbitMQ requeues them in an order of its own.",
    };
  }
  return {
    allowed: true,
    method: "get-and-return",
    effects: `${common} They keep their order. A message whose TTL passes during the read expires when it is returned, as it would have in the queue.`,
  };
}
