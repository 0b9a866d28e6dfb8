import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RabbitMqAdapter } from "~/server/brokers/rabbitmq/adapter";
import { eventually, management, rabbitAdapter, RabbitFixture } from "./helpers/rabbitmq";

let rabbit: RabbitFixture;
let adapter: RabbitMqAdapter;

beforeAll(async () => {
  rabbit = await RabbitFixture.open();
  adapter = rabbitAdapter();
});

afterAll(async () => {
  await rabbit?.cleanup();
  await adapter?.close();
});

describe("RabbitMQ management client", () => {
  it("pings with the broker's version", async () => {
    const { version } = await adapter.ping();
    const raw = (await management("GET", "/api/overview")) as { rabbitmq_version: string };
    expect(version).toBe(raw.rabbitmq_version);
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("reports depth, unacknowledged and consumers as the broker counts them", async () => {
    const queue = await rabbit.queue("depth");
    for (let i = 0; i < 7; i++) await rabbit.publish("", queue, `m${i}`);
    // Two consumers (prefetch 1, never acking): each holds one message unacknowledged.
    const consumerChannel = await rabbit.connection.createChannel();
    await consumerChannel.prefetch(1);
    await consumerChannel.consume(queue, () => undefined, { noAck: false });
    await consumerChannel.consume(queue, () => undefined, { noAck: false });
    const seen = await eventually(
      "management stats",
      () => adapter.management.queue(queue),
      (q) => q !== null && q.consumers === 2 && q.messagesUnacknowledged === 2 && q.messagesReady === 5,
    );
    expect(seen).toMatchObject({ name: queue, type: "classic", messages: 7, messagesReady: 5, messagesUnacknowledged: 2, consumers: 2 });
    // The same figures over AMQP (queue.declare passive counts ready messages and consumers).
    const passive = await rabbit.channel.checkQueue(queue);
    expect(passive).toMatchObject({ messageCount: 5, consumerCount: 2 });
    const listed = (await adapter.management.queues()).find((q) => q.name === queue);
    expect(listed?.messagesReady).toBe(5);
    await consumerChannel.close();
    expect(await adapter.management.queue(`${queue}-missing`)).toBeNull();
  });

  it("reports the head message's publisher timestamp where the broker has it: classic queues, not lazy ones", async () => {
    const classic = await rabbit.queue("head-ts");
    const lazy = await rabbit.queue("head-ts-lazy", { "x-queue-mode": "lazy" });
    for (const queue of [classic, lazy]) {
      await rabbit.publish("", queue, "first", { timestamp: 1_700_000_000 });
      await rabbit.publish("", queue, "second", { timestamp: 1_700_000_100 });
    }
    const seen = await eventually("classic head timestamp", () => adapter.management.queue(classic), (q) => q?.headMessageTimestampMs != null);
    expect(seen?.headMessageTimestampMs).toBe(1_700_000_000_000);
    const paged = await eventually("lazy queue stats", () => adapter.management.queue(lazy), (q) => q?.messages === 2);
    expect(paged?.headMessageTimestampMs).toBeNull();
  });

  it("tells who receives a replayed copy: the queues an exchange routes the key to, and their consumers", async () => {
    const shop = await rabbit.exchange("audience", "topic");
    const all = await rabbit.queue("aud-all");
    const eu = await rabbit.queue("aud-eu");
    await rabbit.channel.bindQueue(all, shop, "orders.#");
    await rabbit.channel.bindQueue(eu, shop, "orders.*.eu");
    const channel = await rabbit.connection.createChannel();
    await channel.consume(eu, () => undefined);
    await eventually("consumer seen", () => adapter.management.queue(eu), (q) => q?.consumers === 1);
    expect(await adapter.replayAudience(shop, "orders.created.eu")).toEqual({
      target: `${shop} / orders.created.eu`,
      exists: true,
      kind: "queues",
      exact: true,
      queues: [
        { name: all, consumers: 0, messagesReady: 0 },
        { name: eu, consumers: 1, messagesReady: 0 },
      ],
    });
    expect(await adapter.replayAudience(shop, "billing.x")).toMatchObject({ exists: false, reason: expect.stringContaining("Nothing is bound") });
    expect(await adapter.replayAudience(`${shop}-gone`, "k")).toMatchObject({ exists: false, reason: expect.stringContaining("does not exist") });
    await channel.close();
  });

  it("reads policies, exchanges and bindings, and resolves DLQs from arguments and from policies", async () => {
    const dlx = await rabbit.exchange("dlx", "direct");
    const dlq = await rabbit.queue("dlq");
    await rabbit.channel.bindQueue(dlq, dlx, "dead");
    const byArgument = await rabbit.queue("src-arg", { "x-dead-letter-exchange": dlx, "x-dead-letter-routing-key": "dead" });
    const byPolicy = await rabbit.queue("src-pol", { "x-queue-type": "quorum" });
    const policy = await rabbit.policy(`^${byPolicy}$`, { "dead-letter-exchange": dlx, "dead-letter-routing-key": "dead", "delivery-limit": 4 });
    await rabbit.publish("", dlq, "x");

    const policies = await adapter.management.policies();
    expect(policies.find((p) => p.name === policy)).toMatchObject({ pattern: `^${byPolicy}$`, applyTo: "queues", definition: { "dead-letter-exchange": dlx, "delivery-limit": 4 } });
    expect((await adapter.management.exchanges()).find((e) => e.name === dlx)).toMatchObject({ type: "direct" });
    expect((await adapter.management.bindings()).find((b) => b.source === dlx)).toEqual({ source: dlx, destination: dlq, destinationType: "queue", routingKey: "dead", arguments: {} });

    // Policies reach a queue a moment after they are set.
    const overview = await eventually(
      "overview with the policy applied",
      () => adapter.overview(),
      (o) => o.deadLetterQueues.some((d) => d.name === dlq && d.sourceQueues.length === 2 && d.depth === 1),
    );
    expect(overview.deadLetterQueues.find((d) => d.name === dlq)).toEqual({ name: dlq, type: "classic", depth: 1, sourceQueues: [byArgument, byPolicy].sort() });
    expect(overview.deadLetterRoutes.find((r) => r.queue === byPolicy)).toMatchObject({ exchangeSource: "policy", routingKeySource: "policy", deliveryLimit: 4, targets: [dlq], exact: true });
    expect(overview.queues.find((q) => q.name === byPolicy)).toMatchObject({ type: "quorum", policy, effectivePolicyDefinition: { "delivery-limit": 4 } });
  });

  it("runs a dynamic shovel that moves a queue's messages and removes itself", async () => {
    const from = await rabbit.queue("shovel-from");
    const to = await rabbit.queue("shovel-to");
    for (let i = 0; i < 25; i++) await rabbit.publish("", from, `s${i}`, { messageId: `s${i}` });
    const name = rabbit.name("shovel");
    await adapter.management.createShovel({ name, srcUri: "amqp://", srcQueue: from, destUri: "amqp://", dest: { queue: to }, deleteAfter: "queue-length" });
    await eventually("shovel moved everything", async () => [await rabbit.count(from), await rabbit.count(to)], ([a, b]) => a === 0 && b === 25);
    // With deleteAfter, the shovel deletes itself once done.
    await eventually("shovel gone", () => adapter.management.shovelStatus(name), (s) => s.state === "absent");
    expect((await rabbit.drain(to)).map((m) => m.properties.messageId)).toEqual(Array.from({ length: 25 }, (_, i) => `s${i}`));
    expect(await adapter.management.deleteShovel(name)).toBe(false);
  });

  it("reports a running shovel and deletes it on request", async () => {
    const from = await rabbit.queue("shovel-live");
    const to = await rabbit.queue("shovel-live-to");
    const name = rabbit.name("shovel");
    await adapter.management.createShovel({ name, srcUri: "amqp://", srcQueue: from, destUri: "amqp://", dest: { exchange: "", routingKey: to }, deleteAfter: "never" });
    await eventually("shovel running", () => adapter.management.shovelStatus(name), (s) => s.state === "running");
    await rabbit.publish("", from, "live");
    await eventually("message shovelled", () => rabbit.count(to), (n) => n === 1);
    expect(await adapter.management.deleteShovel(name)).toBe(true);
    await eventually("shovel gone", () => adapter.management.shovelStatus(name), (s) => s.state === "absent");
  });
});
