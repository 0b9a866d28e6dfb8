import type { BrowsableQueue } from "~/server/brokers/rabbitmq/browse-safety";
import { ManagementClient } from "~/server/brokers/rabbitmq/management";
import { eventually, RABBITMQ_MANAGEMENT_URL, type RabbitFixture } from "./rabbitmq";

export const management = new ManagementClient({ baseUrl: RABBITMQ_MANAGEMENT_URL, username: "guest", password: "guest", vhost: "/", timeoutMs: 10_000 });

/** The DLQ as the management API describes it (type, arguments, policy): what batchReplay's safety check reads. */
export async function describeQueue(name: string): Promise<BrowsableQueue> {
  const queue = await eventually(`queue ${name} in the management API`, () => management.queue(name), (q) => q !== null);
  return queue!;
}

export const idOf = (i: number) => `m-${String(i).padStart(5, "0")}`;

/**
 * shop (direct) --orders.created--> orders --rejected--> dlq, holding `count` real dead letters (x-death names
 * shop / orders.created) with message ids m-00000..., bodies {"i": n, "tier": gold for even n, silver for odd}.
 */
export async function seedDeadLetters(rabbit: RabbitFixture, count: number, dlqArgs: Record<string, unknown> = {}): Promise<{ dlq: string; shop: string; orders: string }> {
  const dlq = await rabbit.queue("dlq", dlqArgs);
  const shop = await rabbit.exchange("shop", "direct");
  const orders = await rabbit.queue("orders", { "x-dead-letter-exchange": "", "x-dead-letter-routing-key": dlq });
  await rabbit.channel.bindQueue(orders, shop, "orders.created");
  for (let i = 0; i < count; i++) {
    const body = JSON.stringify({ i, tier: i % 2 === 0 ? "gold" : "silver" });
    rabbit.channel.publish(shop, "orders.created", Buffer.from(body), { messageId: idOf(i), contentType: "application/json", headers: { tenant: "t1" } });
  }
  await rabbit.channel.waitForConfirms();
  // Reject them all (requeue false) from a consumer: the broker dead-letters each one with an x-death entry.
  const channel = await rabbit.connection.createChannel();
  await channel.prefetch(500);
  let rejected = 0;
  await new Promise<void>((resolve) => {
    void channel.consume(orders, (m) => {
      if (!m) return;
      channel.nack(m, false, false);
      if (++rejected === count) resolve();
    });
  });
  await channel.close();
  await eventually(`${count} dead letters`, () => rabbit.count(dlq), (n) => n === count, 60_000);
  return { dlq, shop, orders };
}

/** The message ids of a queue's messages, drained (acknowledged). */
export async function drainIds(rabbit: RabbitFixture, queue: string): Promise<string[]> {
  return (await rabbit.drain(queue)).map((m) => String(m.properties.messageId));
}

/** Drains a queue once it holds `count` ready messages: a closed channel's messages are requeued just after the close. */
export async function drainIdsOnce(rabbit: RabbitFixture, queue: string, count: number): Promise<string[]> {
  await eventually(`${count} messages ready in ${queue}`, () => rabbit.count(queue), (n) => n >= count);
  return drainIds(rabbit, queue);
}
