import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RabbitMqAdapter } from "~/server/brokers/rabbitmq/adapter";
import { BrowseRefusedError } from "~/server/brokers/rabbitmq/reader";
import { eventually, rabbitAdapter, RabbitFixture } from "./helpers/rabbitmq";

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

/** shop (direct) --orders.created--> orders --rejected--> dlq, with three dead letters: a, b, c. */
async function deadLetters() {
  const dlq = await rabbit.queue("dlq");
  const shop = await rabbit.exchange("shop", "direct");
  const orders = await rabbit.queue("orders", { "x-dead-letter-exchange": "", "x-dead-letter-routing-key": dlq });
  await rabbit.channel.bindQueue(orders, shop, "orders.created");
  for (const id of ["a", "b", "c"]) await rabbit.publish(shop, "orders.created", JSON.stringify({ id }), { messageId: id, contentType: "application/json", headers: { tenant: "t1" } });
  const channel = await rabbit.connection.createChannel();
  for (let i = 0; i < 3; i++) {
    const m = await channel.get(orders);
    if (m) channel.nack(m, false, false);
  }
  await channel.close();
  await eventually("three dead letters", () => rabbit.count(dlq), (n) => n === 3);
  return { dlq, shop, orders };
}

describe("replay one RabbitMQ dead letter", () => {
  it("publishes to the origin x-death names, with a confirm, then removes it from the DLQ", async () => {
    const { dlq, shop, orders } = await deadLetters();
    const result = await adapter.replayOne(dlq, { key: "id:b" });
    expect(result).toMatchObject({ outcome: "replayed", key: "id:b", destination: { exchange: shop, routingKey: "orders.created" }, replayCount: 1 });
    const back = await rabbit.drain(orders);
    expect(back).toHaveLength(1);
    expect(back[0]!.content.toString()).toBe('{"id":"b"}');
    expect(back[0]!.properties).toMatchObject({ messageId: "b", contentType: "application/json", headers: { tenant: "t1", "x-redrive-replayed-from": dlq, "x-redrive-replay-count": 1, "x-redrive-replay-id": result.outcome === "replayed" ? result.replayId : "" } });
    // The copy keeps the history of its earlier death.
    expect(back[0]!.properties.headers?.["x-first-death-reason"]).toBe("rejected");
    expect((await rabbit.drain(dlq)).map((m) => m.properties.messageId)).toEqual(["a", "c"]);
  });

  it("publishes to a chosen destination instead", async () => {
    const { dlq } = await deadLetters();
    const elsewhere = await rabbit.queue("elsewhere");
    const result = await adapter.replayOne(dlq, { key: "id:a", destination: { exchange: "", routingKey: elsewhere } });
    expect(result.outcome).toBe("replayed");
    expect((await rabbit.drain(elsewhere)).map((m) => m.properties.messageId)).toEqual(["a"]);
    expect(await rabbit.count(dlq)).toBe(2);
  });

  it("keeps the DLQ message when the copy is returned unroutable", async () => {
    const { dlq, shop } = await deadLetters();
    const result = await adapter.replayOne(dlq, { key: "id:c", destination: { exchange: shop, routingKey: "nobody.listens" } });
    expect(result).toMatchObject({ outcome: "unroutable", key: "id:c" });
    expect((await rabbit.drain(dlq)).map((m) => m.properties.messageId)).toEqual(["a", "b", "c"]);
  });

  it("keeps the DLQ message when the destination exchange does not exist (no confirm)", async () => {
    const { dlq } = await deadLetters();
    const result = await adapter.replayOne(dlq, { key: "id:a", destination: { exchange: rabbit.name("missing"), routingKey: "k" }, confirmTimeoutMs: 5_000 });
    expect(result).toMatchObject({ outcome: "not-confirmed", key: "id:a" });
    expect(result.outcome === "not-confirmed" && result.reason).toMatch(/did not confirm.*NOT_FOUND|did not confirm.*404|did not confirm.*closed/i);
    expect(await rabbit.count(dlq)).toBe(3);
  });

  it("touches nothing for a key that is not there", async () => {
    const { dlq } = await deadLetters();
    expect(await adapter.replayOne(dlq, { key: "id:zzz" })).toEqual({ outcome: "not-found", key: "id:zzz", scanned: 3 });
    expect((await rabbit.drain(dlq)).map((m) => m.properties.messageId)).toEqual(["a", "b", "c"]);
  });

  it("asks for a destination when the message names no origin", async () => {
    const dlq = await rabbit.queue("dlq-plain");
    await rabbit.publish("", dlq, "plain", { messageId: "p" });
    expect(await adapter.replayOne(dlq, { key: "id:p" })).toMatchObject({ outcome: "no-destination" });
    expect(await rabbit.count(dlq)).toBe(1);
  });

  it("refuses a quorum DLQ with a delivery limit, like browsing", async () => {
    const dlq = await rabbit.queue("dlq-limited", { "x-queue-type": "quorum", "x-delivery-limit": 2 });
    await rabbit.publish("", dlq, "x", { messageId: "x" });
    await expect(adapter.replayOne(dlq, { key: "id:x", destination: { exchange: "", routingKey: dlq } })).rejects.toThrow(BrowseRefusedError);
    expect(await rabbit.count(dlq)).toBe(1);
  });
});
