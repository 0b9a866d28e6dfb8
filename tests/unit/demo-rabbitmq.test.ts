import { describe, expect, it } from "vitest";
import { configFromEnv, maskAmqpUrl } from "../../demo/config";
import { FaultStore, loadDefaultFaults, quietFaults, rabbitConsumers } from "../../demo/faults";
import { consumerKnobs, FAILURE_STRATEGY, failsByFault, settleFailure } from "../../demo/rabbitmq/decisions";
import { buildRepublishHeaders, errorRoutingKey, SPRING_REPUBLISH_HEADERS } from "../../demo/rabbitmq/spring-headers";
import { exchangeNames, QUEUE_BINDINGS, queueNames, rabbitNames } from "../../demo/rabbitmq/topology";

const retry = { attempts: 3, baseMs: 200, maxMs: 300 };

describe("demo RabbitMQ fault decisions", () => {
  it("reads stop, delay and failure rate of a consumer from the knobs", () => {
    const f = {
      ...quietFaults(),
      stoppedConsumers: ["loyalty-service"],
      slowConsumers: { "invoice-service": 750 },
      rabbitmq: { failureRate: { "push-notifier": 0.2, "loyalty-service": 0, "invoice-service": 1 }, poisonPerMinute: 0 },
    };
    expect(consumerKnobs(f, "loyalty-service")).toEqual({ stopped: true, delayMs: 0, failureRate: 0 });
    expect(consumerKnobs(f, "invoice-service")).toEqual({ stopped: false, delayMs: 750, failureRate: 1 });
    expect(consumerKnobs(f, "push-notifier")).toEqual({ stopped: false, delayMs: 0, failureRate: 0.2 });
  });

  it("fails a message on every delivery or never, at about the configured share", () => {
    const at = (rate: number) => ({ ...quietFaults(), rabbitmq: { failureRate: { "push-notifier": rate, "loyalty-service": 0, "invoice-service": 0 }, poisonPerMinute: 0 } });
    const ids = Array.from({ length: 4000 }, (_, i) => `evt-${i}`);
    expect(ids.some((id) => failsByFault(at(0), "push-notifier", id))).toBe(false);
    expect(ids.every((id) => failsByFault(at(1), "push-notifier", id))).toBe(true);
    const failing = ids.filter((id) => failsByFault(at(0.25), "push-notifier", id));
    expect(failing.length / ids.length).toBeGreaterThan(0.22);
    expect(failing.length / ids.length).toBeLessThan(0.28);
    // Deterministic: a redelivery of a failing message fails again, a passing one passes again.
    expect(failing.every((id) => failsByFault(at(0.25), "push-notifier", id))).toBe(true);
    // Another consumer's knob does not fail this consumer's messages.
    expect(ids.some((id) => failsByFault(at(1), "loyalty-service", id))).toBe(false);
  });

  it("settles failures per consumer: reject, requeue, or Spring's retries then republish", () => {
    expect(FAILURE_STRATEGY).toEqual({ "push-notifier": "reject", "loyalty-service": "requeue", "invoice-service": "republish" });
    expect(settleFailure("reject", 1, retry)).toEqual({ kind: "reject" });
    expect(settleFailure("requeue", 5, retry)).toEqual({ kind: "nack-requeue" });
    expect(settleFailure("republish", 1, retry)).toEqual({ kind: "retry", delayMs: 200 });
    expect(settleFailure("republish", 2, retry)).toEqual({ kind: "retry", delayMs: 300 }); // 400 capped at maxMs
    expect(settleFailure("republish", 3, retry)).toEqual({ kind: "republish" });
    expect(settleFailure("republish", 1, { ...retry, attempts: 1 })).toEqual({ kind: "republish" });
  });
});

describe("Spring AMQP RepublishMessageRecoverer headers", () => {
  it("keeps the original headers and adds the four Spring headers", () => {
    const error = new Error("listener threw", { cause: new TypeError("amount is not a number") });
    const h = buildRepublishHeaders({ headers: { "event-id": "e-1", "x-custom": 7 }, error, exchange: "demo.orders", routingKey: "shipping.scheduled" });
    expect(h).toMatchObject({ "event-id": "e-1", "x-custom": 7 });
    expect(Object.keys(SPRING_REPUBLISH_HEADERS).map((k) => SPRING_REPUBLISH_HEADERS[k as keyof typeof SPRING_REPUBLISH_HEADERS])).toEqual([
      "x-exception-stacktrace",
      "x-exception-message",
      "x-original-exchange",
      "x-original-routingKey",
    ]);
    // Spring reports the cause's message when there is one.
    expect(h["x-exception-message"]).toBe("amount is not a number");
    expect(h["x-original-exchange"]).toBe("demo.orders");
    expect(h["x-original-routingKey"]).toBe("shipping.scheduled");
    expect(h["x-exception-stacktrace"]).toBe(error.stack);
    expect(errorRoutingKey("shipping.scheduled")).toBe("error.shipping.scheduled");
  });

  it("truncates the stack trace so that trace and message fit the budget", () => {
    const error = new Error("boom");
    error.stack = `Error: boom\n${"    at frame (file.ts:1:1)\n".repeat(2000)}`;
    const h = buildRepublishHeaders({ headers: undefined, error, exchange: "", routingKey: "q", maxStacktraceChars: 1000 });
    const stack = h["x-exception-stacktrace"] as string;
    expect(stack.length).toBe(1000 - "boom".length);
    expect(error.stack.startsWith(stack)).toBe(true);
    expect(h["x-exception-message"]).toBe("boom");
  });

  it("uses the error's name and message when it has no stack", () => {
    const error = new Error("no stack");
    error.stack = undefined;
    expect(buildRepublishHeaders({ headers: {}, error, exchange: "x", routingKey: "k" })["x-exception-stacktrace"]).toBe("Error: no stack");
  });
});

describe("demo RabbitMQ topology, routes and knobs", () => {
  it("prefixes every exchange and queue", () => {
    const n = rabbitNames("demo.");
    for (const name of [...exchangeNames(n), ...queueNames(n)]) expect(name.startsWith("demo.")).toBe(true);
    expect(new Set([...exchangeNames(n), ...queueNames(n)]).size).toBe(10);
  });

  it("routes every outbox event to a bound routing key, and the default URL is the local broker", () => {
    const { rabbitmq } = configFromEnv({});
    const bound: string[] = Object.values(QUEUE_BINDINGS);
    for (const route of Object.values(rabbitmq.routes)) expect(bound).toContain(route.routingKey);
    expect(rabbitmq).toMatchObject({ url: "amqp://guest:guest@127.0.0.1:5672", prefix: "demo." });
    expect(configFromEnv({ RABBITMQ_URL: "amqp://u:p@rabbit:5673/vh", DEMO_RABBITMQ_PREFIX: "x." }).rabbitmq).toMatchObject({
      url: "amqp://u:p@rabbit:5673/vh",
      prefix: "x.",
    });
  });

  it("masks the password of an AMQP URL for logs", () => {
    expect(maskAmqpUrl("amqp://guest:guest@127.0.0.1:5672")).toBe("amqp://guest:***@127.0.0.1:5672");
    expect(maskAmqpUrl("amqps://user:p%40ss@host/vhost")).toBe("amqps://user:***@host/vhost");
    expect(maskAmqpUrl("amqp://127.0.0.1")).toBe("amqp://127.0.0.1");
    expect(maskAmqpUrl("not a url :// at all")).toBe("(unparseable RABBITMQ_URL)");
  });

  it("faults.yaml sets the RabbitMQ knobs; patches merge and are validated", () => {
    const defaults = loadDefaultFaults();
    expect(Object.keys(defaults.rabbitmq.failureRate).sort()).toEqual([...rabbitConsumers].sort());
    const store = new FaultStore(defaults);
    store.patch({ rabbitmq: { failureRate: { "loyalty-service": 0.5 } } });
    expect(store.get().rabbitmq.failureRate).toEqual({ ...defaults.rabbitmq.failureRate, "loyalty-service": 0.5 });
    expect(store.get().rabbitmq.poisonPerMinute).toBe(defaults.rabbitmq.poisonPerMinute);
    expect(() => store.patch({ rabbitmq: { failureRate: { "loyalty-service": 1.5 } } })).toThrow();
    expect(() => store.patch({ rabbitmq: { failureRate: { "unknown-service": 0.1 } } })).toThrow();
    expect(store.get().rabbitmq.failureRate["loyalty-service"]).toBe(0.5);
  });
});
