import { describe, expect, it } from "vitest";
import { decodeRabbitFailure } from "~/server/brokers/rabbitmq/decoders";
import { springAmqpDecoder, stackTraceClasses } from "~/server/brokers/rabbitmq/decoders/spring-amqp";
import { amqpTimestampMs, xDeathDecoder } from "~/server/brokers/rabbitmq/decoders/x-death";
import { xFirstDeathDecoder } from "~/server/brokers/rabbitmq/decoders/x-first-death";

// As amqplib 2.3.1 decodes them (measured): timestamps are { "!": "timestamp", value: seconds }.
const ts = (seconds: number) => ({ "!": "timestamp", value: seconds });

const twoDeaths = {
  "x-death": [
    { count: 2, reason: "expired", queue: "retry", time: ts(1_796_000_100), exchange: "retry-x", "routing-keys": ["orders.retry"], "original-expiration": "500" },
    { count: 1, reason: "rejected", queue: "orders", time: ts(1_796_000_000), exchange: "shop", "routing-keys": ["orders.created", "cc-key"] },
  ],
  "x-first-death-exchange": "shop",
  "x-first-death-queue": "orders",
  "x-first-death-reason": "rejected",
};

describe("x-death", () => {
  it("reads every entry, most recent first, with times in ms", () => {
    expect(xDeathDecoder.canDecode(twoDeaths)).toBe(true);
    const decoded = xDeathDecoder.decode(twoDeaths);
    expect(decoded.deaths).toEqual([
      { queue: "retry", reason: "expired", count: 2, exchange: "retry-x", routingKeys: ["orders.retry"], timeMs: 1_796_000_100_000, originalExpiration: "500" },
      { queue: "orders", reason: "rejected", count: 1, exchange: "shop", routingKeys: ["orders.created", "cc-key"], timeMs: 1_796_000_000_000, originalExpiration: null },
    ]);
    // The origin is the oldest death: where the message was published before it first died.
    expect(decoded).toMatchObject({ sourceQueue: "orders", deathReason: "rejected", deathCount: 1, originalExchange: "shop", originalRoutingKey: "orders.created" });
  });

  it("does not claim headers without x-death, or with a malformed one", () => {
    expect(xDeathDecoder.canDecode({})).toBe(false);
    expect(xDeathDecoder.canDecode({ "x-death": "rejected" })).toBe(false);
    expect(xDeathDecoder.canDecode({ "x-death": [{ reason: "rejected" }] })).toBe(false);
  });

  it("accepts timestamps as Dates, seconds, or typed values, and Buffers as text", () => {
    expect(amqpTimestampMs(new Date(5_000))).toBe(5_000);
    expect(amqpTimestampMs(7)).toBe(7_000);
    expect(amqpTimestampMs(ts(9))).toBe(9_000);
    expect(amqpTimestampMs("soon")).toBeNull();
    const decoded = xDeathDecoder.decode({ "x-death": [{ count: BigInt(3), reason: Buffer.from("maxlen"), queue: Buffer.from("q"), exchange: "", "routing-keys": [Buffer.from("q")] }] });
    expect(decoded).toMatchObject({ deathReason: "maxlen", deathCount: 3, sourceQueue: "q", originalRoutingKey: "q", deathTimeMs: null });
  });
});

describe("x-first-death", () => {
  it("names the first death's queue, reason and exchange", () => {
    expect(xFirstDeathDecoder.canDecode(twoDeaths)).toBe(true);
    expect(xFirstDeathDecoder.decode(twoDeaths)).toEqual({ sourceQueue: "orders", deathReason: "rejected", originalExchange: "shop" });
    expect(xFirstDeathDecoder.canDecode({ "x-death": [] })).toBe(false);
  });
});

const trace = [
  "org.springframework.amqp.rabbit.support.ListenerExecutionFailedException: Listener method 'handle' threw exception",
  "\tat org.springframework.amqp.rabbit.listener.AbstractMessageListenerContainer.wrapToListenerExecutionFailedExceptionIfNeeded(AbstractMessageListenerContainer.java:1759)",
  "Caused by: java.lang.IllegalStateException: order 42 not found",
  "\tat com.example.Orders.handle(Orders.java:12)",
  "Caused by: com.example.db.MissingRowException",
  "\t... 12 more",
].join("\n");

describe("Spring AMQP RepublishMessageRecoverer", () => {
  const headers = {
    "x-exception-message": "Listener method 'handle' threw exception",
    "x-exception-stacktrace": trace,
    "x-original-exchange": "shop",
    "x-original-routingKey": "orders.created",
  };

  it("reads the message, the origin, and the classes from the stack trace", () => {
    expect(springAmqpDecoder.canDecode(headers)).toBe(true);
    expect(springAmqpDecoder.decode(headers)).toEqual({
      exceptionClass: "org.springframework.amqp.rabbit.support.ListenerExecutionFailedException",
      causeClass: "com.example.db.MissingRowException",
      message: "Listener method 'handle' threw exception",
      stacktrace: trace,
      originalExchange: "shop",
      originalRoutingKey: "orders.created",
    });
  });

  it("reads a bare class line and leaves no cause", () => {
    expect(stackTraceClasses("java.lang.NullPointerException\n\tat x.Y.z(Y.java:1)")).toEqual({ exceptionClass: "java.lang.NullPointerException", causeClass: null });
    expect(stackTraceClasses("not a trace")).toEqual({ exceptionClass: null, causeClass: null });
  });

  it("takes precedence for the origin over x-death (the listener's exchange is where the message was consumed from)", () => {
    const failure = decodeRabbitFailure({ ...twoDeaths, ...headers, "x-original-exchange": "listener-x", "x-original-routingKey": "listener-key" });
    expect(failure).toMatchObject({
      conventions: ["spring-amqp", "x-first-death", "x-death"],
      originalExchange: "listener-x",
      originalRoutingKey: "listener-key",
      exceptionClass: "org.springframework.amqp.rabbit.support.ListenerExecutionFailedException",
      sourceQueue: "orders",
      deathReason: "rejected",
      deathCount: 1,
      deathTimeMs: 1_796_000_000_000,
    });
  });
});

describe("decodeRabbitFailure", () => {
  it("returns null for a message without any failure convention", () => {
    expect(decodeRabbitFailure({ "content-kind": "order" })).toBeNull();
    expect(decodeRabbitFailure(undefined)).toBeNull();
  });

  it("takes count and time from the x-death entry x-first-death names", () => {
    const failure = decodeRabbitFailure(twoDeaths);
    expect(failure).toMatchObject({ conventions: ["x-first-death", "x-death"], sourceQueue: "orders", deathReason: "rejected", deathCount: 1, originalExchange: "shop", originalRoutingKey: "orders.created" });
    expect(failure!.deaths).toHaveLength(2);
  });

  it("works from x-first-death alone when x-death was stripped", () => {
    expect(decodeRabbitFailure({ "x-first-death-queue": "q", "x-first-death-reason": "expired", "x-first-death-exchange": "x" })).toMatchObject({
      conventions: ["x-first-death"],
      sourceQueue: "q",
      deathReason: "expired",
      originalExchange: "x",
      originalRoutingKey: null,
      deathCount: null,
    });
  });
});
