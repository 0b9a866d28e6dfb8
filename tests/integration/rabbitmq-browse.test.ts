import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RabbitMqAdapter } from "~/server/brokers/rabbitmq/adapter";
import { BrowseRefusedError } from "~/server/brokers/rabbitmq/reader";
import { rabbitAdapter, RabbitFixture } from "./helpers/rabbitmq";

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

const ids = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

async function fill(queue: string, messageIds: string[]) {
  for (const id of messageIds) rabbit.channel.sendToQueue(queue, Buffer.from(JSON.stringify({ id })), { messageId: id, headers: { "x-first-death-queue": "orders", "x-first-death-reason": "rejected" } });
  await rabbit.channel.waitForConfirms();
}

describe("browsing a DLQ", () => {
  it("a 500-message classic DLQ: every message read, none lost, order kept", async () => {
    const dlq = await rabbit.queue("dlq-classic");
    const all = ids(500, "c");
    await fill(dlq, all);
    const page = await adapter.browse(dlq, 500);
    expect(page.messages.map((m) => m.key)).toEqual(all.map((id) => `id:${id}`));
    expect(page.messages[0]!.failure).toMatchObject({ sourceQueue: "orders", deathReason: "rejected" });
    expect(page.effects).toContain("nothing is removed");
    expect(page.effects).toContain("They keep their order");
    expect(await rabbit.count(dlq)).toBe(500);
    // A second page from the top reads the same messages: the first browse returned them all.
    const again = await adapter.browse(dlq, 10);
    expect(again.messages.map((m) => m.key)).toEqual(all.slice(0, 10).map((id) => `id:${id}`));
    expect(again.messages.every((m) => m.redelivered)).toBe(true);
    const drained = await rabbit.drain(dlq);
    expect(drained.map((m) => m.properties.messageId)).toEqual(all);
  });

  it("a page smaller than the queue reads the head and leaves the rest", async () => {
    const dlq = await rabbit.queue("dlq-page");
    await fill(dlq, ids(30, "p"));
    const page = await adapter.browse(dlq, 20);
    expect(page.messages).toHaveLength(20);
    expect(page.reachedEnd).toBe(false);
    expect(await rabbit.count(dlq)).toBe(30);
    expect((await adapter.browse(dlq, 50)).reachedEnd).toBe(true);
  });

  it("a 500-message quorum DLQ without a delivery limit: none lost, each x-delivery-count up by one as the browse says", async () => {
    const dlq = await rabbit.queue("dlq-quorum", { "x-queue-type": "quorum" });
    const all = ids(500, "q");
    await fill(dlq, all);
    const page = await adapter.browse(dlq, 500);
    expect(new Set(page.messages.map((m) => m.key))).toEqual(new Set(all.map((id) => `id:${id}`)));
    expect(page.effects).toContain("x-delivery-count grows by one");
    expect(page.effects).toContain("do not keep their order");
    expect(await rabbit.count(dlq)).toBe(500);
    const drained = await rabbit.drain(dlq);
    expect(new Set(drained.map((m) => m.properties.messageId))).toEqual(new Set(all));
    expect(drained.length).toBe(500);
    expect(new Set(drained.map((m) => m.properties.headers?.["x-delivery-count"]))).toEqual(new Set([1]));
  });

  it("why a quorum queue with a delivery limit is never browsed: RabbitMQ counts a channel-close return and drops the message past its limit", async () => {
    const queue = await rabbit.queue("limit-proof", { "x-queue-type": "quorum", "x-delivery-limit": 1 });
    await fill(queue, ["only"]);
    for (let read = 0; read < 2; read++) {
      const channel = await rabbit.connection.createChannel();
      expect(await channel.get(queue)).not.toBe(false);
      await channel.close();
    }
    // Two reads that acknowledged nothing and processed nothing: the message is gone (no dead-letter exchange).
    expect(await rabbit.count(queue)).toBe(0);
  });

  it("refuses a 500-message quorum DLQ with a delivery limit and touches nothing", async () => {
    const dlq = await rabbit.queue("dlq-limited", { "x-queue-type": "quorum", "x-delivery-limit": 3 });
    const all = ids(500, "l");
    await fill(dlq, all);
    await expect(adapter.browse(dlq, 500)).rejects.toThrow(BrowseRefusedError);
    await expect(adapter.browse(dlq, 500)).rejects.toThrow(/delivery limit of 3/);
    expect(await rabbit.count(dlq)).toBe(500);
    const drained = await rabbit.drain(dlq);
    expect(drained.map((m) => m.properties.messageId)).toEqual(all);
    // Never delivered before this drain: no delivery was spent.
    expect(drained.every((m) => m.properties.headers?.["x-delivery-count"] === 0 && !m.fields.redelivered)).toBe(true);
  });

  it("refuses a DLQ whose max-length drops its head", async () => {
    const dlq = await rabbit.queue("dlq-maxlen", { "x-max-length": 100 });
    await fill(dlq, ids(5, "m"));
    await expect(adapter.browse(dlq, 10)).rejects.toThrow(/drop-head/);
    expect(await rabbit.count(dlq)).toBe(5);
  });

  it("reads a stream from an offset without changing it", async () => {
    const stream = await rabbit.queue("dlq-stream", { "x-queue-type": "stream" });
    const all = ids(20, "s");
    await fill(stream, all);
    const first = await adapter.browse(stream, 10);
    expect(first.messages.map((m) => m.key)).toEqual(all.slice(0, 10).map((id) => `id:${id}`));
    expect(first.messages.map((m) => m.streamOffset)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(first.effects).toContain("changes nothing");
    const next = await adapter.browse(stream, 50, 10);
    expect(next.messages.map((m) => m.key)).toEqual(all.slice(10).map((id) => `id:${id}`));
    expect(next.reachedEnd).toBe(true);
    expect((await adapter.browse(stream, 10)).messages.map((m) => m.key)).toEqual(first.messages.map((m) => m.key));
  });
});
