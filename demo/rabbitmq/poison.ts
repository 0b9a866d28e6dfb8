import { randomUUID } from "node:crypto";
import { poisonKinds, type FaultStore } from "../faults";
import { poisonMessage } from "../poison";
import type { RabbitPublisher } from "./publisher";
import { QUEUE_BINDINGS } from "./topology";

// Poison messages for the RabbitMQ consumers: the four poison kinds, published straight to the orders
// exchange (bypassing the outbox), round robin over the bound routing keys so each queue gets some.

const ROUTING_KEYS = Object.values(QUEUE_BINDINGS);

export async function publishRabbitPoison(
  publisher: RabbitPublisher,
  exchange: string,
  routingKey: string,
  kind: (typeof poisonKinds)[number],
  expirationMs?: number,
): Promise<string> {
  const { value, eventType } = poisonMessage(kind);
  const id = randomUUID();
  await publisher.publish(exchange, routingKey, value, {
    persistent: true,
    messageId: id,
    contentType: "application/json",
    type: eventType,
    headers: { "event-id": id, "event-type": eventType },
    ...(expirationMs ? { expiration: String(expirationMs) } : {}),
  });
  return id;
}

export class RabbitPoisonInjector {
  sent = 0;
  private timer: NodeJS.Timeout | undefined;
  private credit = 0;
  private next = 0;

  constructor(
    private readonly publisher: RabbitPublisher,
    private readonly exchange: string,
    private readonly faults: FaultStore,
    private readonly log: (m: string) => void,
    /** The TTL the outbox gives messages with this routing key: poison impersonates that publisher. A
     *  TTL-less message at the head of a classic queue would keep the TTL'd ones behind it from expiring. */
    private readonly expirationFor: (routingKey: string) => number | undefined = () => undefined,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => {
      const perMinute = this.faults.get().rabbitmq.poisonPerMinute;
      this.credit = Math.min(this.credit + perMinute / 60, 5);
      if (perMinute <= 0 || this.credit < 1) return;
      this.credit -= 1;
      const n = this.next++;
      const kind = poisonKinds[n % poisonKinds.length] ?? "unparseable-json";
      const key = ROUTING_KEYS[n % ROUTING_KEYS.length] ?? QUEUE_BINDINGS.notifications;
      publishRabbitPoison(this.publisher, this.exchange, key, kind, this.expirationFor(key))
        .then(() => this.sent++)
        .catch((err: Error) => this.log(`[rabbitmq poison] ${err.message}`));
    }, 1000);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
