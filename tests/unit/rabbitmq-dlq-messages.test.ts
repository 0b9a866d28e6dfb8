import { describe, expect, it } from "vitest";
import { decodeRabbitFailure } from "~/server/brokers/rabbitmq/decoders";
import type { BrowsedMessage } from "~/server/brokers/rabbitmq/reader";
import { isFailureHeader } from "~/server/dlq/failure";
import { detail, summarise } from "~/server/dlq/messages";
import { fromBrowsedMessage, rabbitFailureInfo } from "~/server/dlq/rabbitmq-dlq";

const DEATH_SECONDS = 1_764_500_000;

/** A message as amqplib hands it over after a rejection: x-death a table array with a typed timestamp. */
function browsed(headers: Record<string, unknown>, body: Buffer = Buffer.from('{"order":1}'), messageId: string | null = "m-1"): BrowsedMessage {
  return {
    key: messageId ? `id:${messageId}` : "sha256:abc",
    position: 3,
    streamOffset: null,
    body,
    exchange: "",
    routingKey: "orders.dlq",
    redelivered: true,
    properties: { messageId: messageId ?? undefined, timestamp: 1_764_400_000 } as BrowsedMessage["properties"],
    headers,
    deliveryCount: null,
    failure: decodeRabbitFailure(headers),
  };
}

const X_DEATH = [
  { count: 2, reason: "rejected", queue: "orders", time: { "!": "timestamp", value: DEATH_SECONDS }, exchange: "shop", "routing-keys": ["orders.created"] },
];

describe("a browsed RabbitMQ dead letter in the broker-neutral message shape", () => {
  it("maps x-death into the failure: origin exchange and routing key, reason, count, first death queue, every entry", () => {
    const message = fromBrowsedMessage(browsed({ "x-death": X_DEATH, "x-first-death-reason": "rejected", "x-first-death-queue": "orders", "x-first-death-exchange": "shop" }));
    expect(message).toMatchObject({ id: "id:m-1", partition: null, offset: 3, timestampMs: DEATH_SECONDS * 1000 });
    expect(message.failure).toMatchObject({
      convention: "rabbitmq",
      sourceQueue: "orders",
      attempts: 2,
      rabbit: { origin: "shop / orders.created", originExchange: "shop", originRoutingKey: "orders.created", deathReason: "rejected", deathCount: 2, deathTimeMs: DEATH_SECONDS * 1000 },
    });
    expect(message.failure!.rabbit!.deaths).toEqual([{ queue: "orders", reason: "rejected", count: 2, exchange: "shop", routingKeys: ["orders.created"], timeMs: DEATH_SECONDS * 1000 }]);
    // x-death reads as JSON text in the header list (tables have no bytes of their own).
    expect(JSON.parse(Buffer.from(message.headers.get("x-death")!).toString())).toEqual([{ ...X_DEATH[0], time: DEATH_SECONDS }]);
  });

  it("maps Spring AMQP's recoverer headers: class from the stack trace, message, original exchange and routing key", () => {
    const stack = "com.example.BadOrder: no stock\n\tat com.example.L.handle(L.java:1)\nCaused by: java.io.IOException: disk";
    const info = rabbitFailureInfo(
      decodeRabbitFailure({ "x-exception-message": "no stock", "x-exception-stacktrace": Buffer.from(stack), "x-original-exchange": "", "x-original-routingKey": "orders" }),
    );
    expect(info).toMatchObject({ convention: "spring-amqp", exceptionClass: "com.example.BadOrder", causeClass: "java.io.IOException", message: "no stock", stacktrace: stack });
    expect(info!.rabbit).toMatchObject({ origin: "(default) / orders", originExchange: "", originRoutingKey: "orders", deaths: [] });
  });

  it("without failure headers: no failure, the publisher's timestamp, and no origin to replay to", () => {
    const message = fromBrowsedMessage(browsed({ tenant: "t1" }, Buffer.from("x"), null));
    expect(message.failure).toBeNull();
    expect(message.timestampMs).toBe(1_764_400_000 * 1000);
    expect(message.key).toBeNull();
    expect(summarise(message, { payloads: true, masks: [] }).origin).toBeNull();
  });

  it("shows failure headers to a role without payload access, and withholds the others and the body", () => {
    const message = fromBrowsedMessage(browsed({ "x-death": X_DEATH, "x-first-death-queue": "orders", "x-exception-message": "boom", tenant: "secret" }));
    const shown = detail(message, { payloads: false, masks: [] });
    expect(shown.value).toBeNull();
    expect(Object.fromEntries(shown.headers.map((h) => [h.name, h.value !== null]))).toEqual({ "x-death": true, "x-first-death-queue": true, "x-exception-message": true, tenant: false });
    expect(summarise(message, { payloads: true, masks: [] }).origin).toBe("shop / orders.created");
  });

  it("masks a JSON body by the role's rules, as for the other brokers", () => {
    const message = fromBrowsedMessage(browsed({ "x-death": X_DEATH }, Buffer.from('{"card":{"number":"4111"},"order":1}')));
    expect(detail(message, { payloads: true, masks: [{ part: "value", path: ["card", "number"] }] }).value!.text).toContain('"number": "****"');
  });

  it("counts RabbitMQ's and Spring AMQP's failure headers as failure headers", () => {
    for (const name of ["x-death", "x-first-death-reason", "x-first-death-queue", "x-exception-message", "x-exception-stacktrace", "x-original-exchange", "x-original-routingKey"]) {
      expect(isFailureHeader(name), name).toBe(true);
    }
    expect(isFailureHeader("x-delivery-count")).toBe(false);
  });
});
