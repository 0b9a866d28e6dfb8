import { describe, expect, it } from "vitest";
import type { RabbitBinding, RabbitExchange, Table } from "~/server/brokers/rabbitmq/management";
import { deadLetterTopology, topicMatches, type TopologyQueue } from "~/server/brokers/rabbitmq/topology";

const queue = (name: string, args: Table = {}, policy: Table = {}, type: TopologyQueue["type"] = "classic", messages = 0): TopologyQueue => ({
  name,
  type,
  messages,
  arguments: args,
  effectivePolicyDefinition: policy,
});
const exchange = (name: string, type: string, args: Table = {}): RabbitExchange => ({ name, vhost: "/", type, durable: true, internal: false, arguments: args });
const bind = (source: string, destination: string, routingKey = "", destinationType: "queue" | "exchange" = "queue"): RabbitBinding => ({
  source,
  destination,
  destinationType,
  routingKey,
  arguments: {},
});

describe("topicMatches", () => {
  it.each([
    ["orders.*", "orders.created", true],
    ["orders.*", "orders.created.eu", false],
    ["orders.#", "orders", true],
    ["orders.#", "orders.created.eu", true],
    ["#.eu", "orders.created.eu", true],
    ["*.created.*", "orders.created.eu", true],
    ["#", "", true],
    ["a.*.c", "a.c", false],
  ])("%s against %s: %s", (pattern, key, expected) => {
    expect(topicMatches(pattern, key)).toBe(expected);
  });
});

describe("deadLetterTopology", () => {
  it("resolves queue arguments through a direct exchange to the DLQ and lists every source", () => {
    const topology = deadLetterTopology(
      [
        queue("orders", { "x-dead-letter-exchange": "dlx", "x-dead-letter-routing-key": "dead" }),
        queue("billing", { "x-dead-letter-exchange": "dlx", "x-dead-letter-routing-key": "dead" }),
        queue("orders-dlq", {}, {}, "classic", 7),
        queue("other"),
      ],
      [exchange("dlx", "direct")],
      [bind("dlx", "orders-dlq", "dead"), bind("dlx", "other", "elsewhere")],
    );
    expect(topology.deadLetterQueues).toEqual([{ name: "orders-dlq", type: "classic", depth: 7, sourceQueues: ["billing", "orders"] }]);
    expect(topology.routes[1]).toMatchObject({ queue: "orders", exchange: "dlx", exchangeSource: "argument", routingKey: "dead", routingKeySource: "argument", targets: ["orders-dlq"], exact: true, problem: null });
  });

  it("reads policy keys, lets arguments win for the exchange and key, and takes the lower delivery-limit", () => {
    const topology = deadLetterTopology(
      [
        queue("work", { "x-delivery-limit": 5, "x-dead-letter-routing-key": "by-arg" }, { "dead-letter-exchange": "", "dead-letter-routing-key": "by-policy", "delivery-limit": 3 }, "quorum"),
        queue("work2", { "x-delivery-limit": 2 }, { "dead-letter-exchange": "", "dead-letter-routing-key": "by-policy", "delivery-limit": 9 }, "quorum"),
        queue("by-arg"),
        queue("by-policy"),
      ],
      [],
      [],
    );
    const [work, work2] = topology.routes;
    expect(work).toMatchObject({ queue: "work", exchange: "", exchangeSource: "policy", routingKey: "by-arg", routingKeySource: "argument", deliveryLimit: 3, targets: ["by-arg"] });
    expect(work2).toMatchObject({ queue: "work2", routingKey: "by-policy", routingKeySource: "policy", deliveryLimit: 2, targets: ["by-policy"] });
  });

  it("ignores delivery-limit on classic queues (only quorum queues count deliveries)", () => {
    const topology = deadLetterTopology([queue("c", { "x-delivery-limit": 3, "x-dead-letter-exchange": "" , "x-dead-letter-routing-key": "d"}), queue("d")], [], []);
    expect(topology.routes[0]!.deliveryLimit).toBeNull();
  });

  it("reports quorum queues whose delivery limit drops messages for want of a dead-letter exchange", () => {
    const topology = deadLetterTopology([queue("q", { "x-delivery-limit": 4 }, {}, "quorum")], [], []);
    expect(topology.routes).toEqual([]);
    expect(topology.droppingQueues).toEqual([{ queue: "q", deliveryLimit: 4 }]);
  });

  it("follows fanout, exchange-to-exchange bindings and topic patterns", () => {
    const topology = deadLetterTopology(
      [queue("src", { "x-dead-letter-exchange": "dlx-fan" }), queue("dlq-a"), queue("dlq-b"), queue("dlq-c")],
      [exchange("dlx-fan", "fanout"), exchange("inner", "topic")],
      [bind("dlx-fan", "dlq-a"), bind("dlx-fan", "inner", "", "exchange"), bind("inner", "dlq-b", "#"), bind("inner", "dlq-c", "never.*")],
    );
    // The topic exchange sees each message's own key: dlq-c may be reached too, and the route is not exact.
    expect(topology.routes[0]).toMatchObject({ targets: ["dlq-a", "dlq-b", "dlq-c"], exact: false, routingKey: null });
  });

  it("with a routing key, a topic exchange routes exactly", () => {
    const topology = deadLetterTopology(
      [queue("src", { "x-dead-letter-exchange": "t", "x-dead-letter-routing-key": "dead.orders" }), queue("all"), queue("bills")],
      [exchange("t", "topic")],
      [bind("t", "all", "dead.#"), bind("t", "bills", "dead.bills")],
    );
    expect(topology.routes[0]).toMatchObject({ targets: ["all"], exact: true, problem: null });
  });

  it("uses the alternate exchange when nothing matches", () => {
    const topology = deadLetterTopology(
      [queue("src", { "x-dead-letter-exchange": "d", "x-dead-letter-routing-key": "k" }), queue("catch-all")],
      [exchange("d", "direct", { "alternate-exchange": "ae" }), exchange("ae", "fanout")],
      [bind("ae", "catch-all")],
    );
    expect(topology.routes[0]!.targets).toEqual(["catch-all"]);
  });

  it("says in words when dead letters go nowhere", () => {
    const topology = deadLetterTopology(
      [queue("a", { "x-dead-letter-exchange": "missing" }), queue("b", { "x-dead-letter-exchange": "d", "x-dead-letter-routing-key": "k" })],
      [exchange("d", "direct")],
      [],
    );
    expect(topology.routes.map((r) => r.problem)).toEqual([
      'dead-letter exchange "missing" does not exist: dead letters are dropped',
      'dead-letter exchange "d" routes "k" to no queue: dead letters are dropped',
    ]);
    expect(topology.deadLetterQueues).toEqual([]);
  });

  it("the default exchange without a routing key depends on each message's key", () => {
    const topology = deadLetterTopology([queue("a", { "x-dead-letter-exchange": "" })], [], []);
    expect(topology.routes[0]).toMatchObject({ targets: [], exact: false, problem: null });
  });
});
