import { describe, expect, it } from "vitest";
import { messageTtlMs } from "~/server/brokers/rabbitmq/adapter";
import { formatRabbitTarget, parseRabbitTarget } from "~/server/brokers/rabbitmq/targets";

describe("RabbitMQ replay targets", () => {
  it("reads 'exchange / routing key', the default exchange, and a bare queue name", () => {
    expect(parseRabbitTarget("orders / order.created")).toEqual({ exchange: "orders", routingKey: "order.created" });
    expect(parseRabbitTarget("(default) / orders.q")).toEqual({ exchange: "", routingKey: "orders.q" });
    expect(parseRabbitTarget("orders.q")).toEqual({ exchange: "", routingKey: "orders.q" });
    expect(parseRabbitTarget("ex / a / b")).toEqual({ exchange: "ex", routingKey: "a / b" });
  });

  it("writes what it reads", () => {
    for (const destination of [{ exchange: "orders", routingKey: "order.created" }, { exchange: "", routingKey: "q" }, { exchange: "x", routingKey: "" }]) {
      expect(parseRabbitTarget(formatRabbitTarget(destination))).toEqual(destination);
    }
    expect(formatRabbitTarget({ exchange: "", routingKey: "q" })).toBe("(default) / q");
  });
});

describe("RabbitMQ message TTL", () => {
  it("is the lower of the queue argument and the policy, or none", () => {
    expect(messageTtlMs({ arguments: {}, effectivePolicyDefinition: {} })).toBeNull();
    expect(messageTtlMs({ arguments: { "x-message-ttl": 60_000 }, effectivePolicyDefinition: {} })).toBe(60_000);
    expect(messageTtlMs({ arguments: { "x-message-ttl": 60_000 }, effectivePolicyDefinition: { "message-ttl": 5_000 } })).toBe(5_000);
    expect(messageTtlMs({ arguments: { "x-message-ttl": "soon" }, effectivePolicyDefinition: {} })).toBeNull();
  });
});
