import { describe, expect, it } from "vitest";
import { browseSafety, type BrowsableQueue } from "~/server/brokers/rabbitmq/browse-safety";
import { messageKey } from "~/server/brokers/rabbitmq/reader";
import type { Message } from "amqplib";

const q = (type: BrowsableQueue["type"], args: Record<string, unknown> = {}, policy: Record<string, unknown> = {}): BrowsableQueue => ({ name: "dlq", type, arguments: args, effectivePolicyDefinition: policy });

describe("browseSafety", () => {
  it("browses classic queues by get-and-return and says what that changes", () => {
    const safety = browseSafety(q("classic"));
    expect(safety).toMatchObject({ allowed: true, method: "get-and-return" });
    expect(safety.allowed && safety.effects).toContain("nothing is removed");
  });

  it("browses quorum queues without a delivery limit, naming the x-delivery-count it raises", () => {
    const safety = browseSafety(q("quorum"));
    expect(safety.allowed && safety.effects).toContain("x-delivery-count grows by one");
  });

  it.each([
    ["argument", { "x-delivery-limit": 5 }, {}],
    ["policy", {}, { "delivery-limit": 5 }],
  ])("refuses a quorum queue with a delivery limit by %s", (_by, args, policy) => {
    const safety = browseSafety(q("quorum", args, policy));
    expect(safety.allowed).toBe(false);
    expect(!safety.allowed && safety.reason).toContain("delivery limit of 5");
  });

  it("refuses a max-length queue that drops its head, and allows one that rejects publishes", () => {
    expect(browseSafety(q("classic", { "x-max-length": 10 })).allowed).toBe(false);
    expect(browseSafety(q("classic", {}, { "max-length-bytes": 1000 })).allowed).toBe(false);
    expect(browseSafety(q("classic", { "x-max-length": 10, "x-overflow": "reject-publish" })).allowed).toBe(true);
    expect(browseSafety(q("quorum", {}, { "max-length": 10, overflow: "reject-publish-dlx" })).allowed).toBe(true);
  });

  it("reads streams by offset", () => {
    expect(browseSafety(q("stream", { "x-max-length-bytes": 1000 }))).toMatchObject({ allowed: true, method: "stream-offset" });
  });
});

const message = (content: string, properties: Partial<Message["properties"]>): Message =>
  ({ content: Buffer.from(content), fields: { deliveryTag: 1, redelivered: false, exchange: "", routingKey: "q" }, properties: { headers: {}, ...properties } }) as Message;

describe("messageKey", () => {
  it("uses the publisher's message-id", () => {
    expect(messageKey(message("a", { messageId: "m-1" }))).toBe("id:m-1");
  });

  it("otherwise hashes body and properties, ignoring the counters the broker rewrites", () => {
    const a = messageKey(message("a", { headers: { k: 1, "x-delivery-count": 0 } }));
    expect(a).toMatch(/^sha256:[0-9a-f]{32}$/);
    expect(messageKey(message("a", { headers: { "x-delivery-count": 3, k: 1 } }))).toBe(a);
    expect(messageKey(message("b", { headers: { k: 1 } }))).not.toBe(a);
    expect(messageKey(message("a", { headers: { k: 2 } }))).not.toBe(a);
  });
});
