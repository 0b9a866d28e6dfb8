import type { QueueType, RabbitBinding, RabbitExchange, Table } from "./management";

/** What topology needs of a queue (a RabbitQueue from the management API has all of it). */
export interface TopologyQueue {
  name: string;
  type: QueueType;
  messages: number;
  arguments: Table;
  effectivePolicyDefinition: Table;
}

export type SettingSource = "argument" | "policy";

/** Where a queue's rejected, expired, overflowed or over-delivered messages go. */
export interface DeadLetterRoute {
  queue: string;
  queueType: QueueType;
  exchange: string;
  exchangeSource: SettingSource;
  /** The routing key dead letters are published with; null: each message keeps its own routing key(s). */
  routingKey: string | null;
  routingKeySource: SettingSource | null;
  /** Quorum queues: deliveries before a message is dead-lettered (or dropped, without a dead-letter exchange). */
  deliveryLimit: number | null;
  /** Queues the dead letters reach. */
  targets: string[];
  /** False when the targets depend on each message (its own routing key, or its headers on a headers exchange): they are the queues it may reach. */
  exact: boolean;
  /** Why dead letters would not arrive anywhere, in words; null when they do. */
  problem: string | null;
}

/** A queue some other queue dead-letters into, and which (like an SQS DLQ and its redrive sources). */
export interface RabbitDeadLetterQueue {
  name: string;
  type: QueueType;
  depth: number;
  sourceQueues: string[];
}

/** A quorum queue with a delivery limit but nowhere to dead-letter drops over-delivered messages. */
export interface DeliveryLimitOnly {
  queue: string;
  deliveryLimit: number;
}

export interface DeadLetterTopology {
  routes: DeadLetterRoute[];
  deadLetterQueues: RabbitDeadLetterQueue[];
  /** Quorum queues whose delivery limit drops messages, with no dead-letter exchange to keep them. */
  droppingQueues: DeliveryLimitOnly[];
}

const stringOf = (value: unknown): string | null => (typeof value === "string" ? value : null);
const integerOf = (value: unknown): number | null => {
  const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
  return Number.isInteger(n) ? n : null;
};

/**
 * One setting from a queue argument (`x-<key>`) or its policy (`<key>`). The broker lets the argument win
 * for the dead-letter exchange and routing key; for delivery-limit it takes the lower of the two.
 */
function setting<T>(queue: TopologyQueue, key: string, read: (v: unknown) => T | null, combine: "argument" | "min"): { value: T; source: SettingSource } | null {
  const argument = read(queue.arguments[`x-${key}`]);
  const policy = read(queue.effectivePolicyDefinition[key]);
  if (argument !== null && policy !== null && combine === "min") {
    return (policy as number) < (argument as number) ? { value: policy, source: "policy" } : { value: argument, source: "argument" };
  }
  if (argument !== null) return { value: argument, source: "argument" };
  if (policy !== null) return { value: policy, source: "policy" };
  return null;
}

/** AMQP topic matching: words split on ".", "*" one word, "#" zero or more. */
export function topicMatches(pattern: string, routingKey: string): boolean {
  const p = pattern.split(".");
  const k = routingKey.split(".");
  const match = (i: number, j: number): boolean => {
    if (i === p.length) return j === k.length;
    if (p[i] === "#") {
      for (let skip = j; skip <= k.length; skip++) if (match(i + 1, skip)) return true;
      return false;
    }
    if (j === k.length) return false;
    return (p[i] === "*" || p[i] === k[j]) && match(i + 1, j + 1);
  };
  return match(0, 0);
}

interface Reached {
  queues: Set<string>;
  exact: boolean;
  missingExchange: string | null;
}

/**
 * The queues a message published to `exchange` with `routingKey` (null: unknown, the message's own) reaches,
 * following exchange-to-exchange bindings and alternate exchanges.
 */
export function route(exchange: string, routingKey: string | null, exchanges: RabbitExchange[], bindings: RabbitBinding[], queueNames: Set<string>): Reached {
  const reached: Reached = { queues: new Set(), exact: true, missingExchange: null };
  const byName = new Map(exchanges.map((e) => [e.name, e]));
  const visited = new Set<string>();
  const visit = (name: string) => {
    if (visited.has(name)) return;
    visited.add(name);
    if (name === "") {
      // The default exchange routes to the queue named by the routing key.
      if (routingKey === null) reached.exact = false;
      else if (queueNames.has(routingKey)) reached.queues.add(routingKey);
      return;
    }
    const ex = byName.get(name);
    if (!ex) {
      reached.missingExchange ??= name;
      return;
    }
    const outgoing = bindings.filter((b) => b.source === name);
    let matched: RabbitBinding[];
    if (ex.type === "fanout") matched = outgoing;
    else if (ex.type === "direct") matched = routingKey === null ? outgoing : outgoing.filter((b) => b.routingKey === routingKey);
    else if (ex.type === "topic") matched = routingKey === null ? outgoing : outgoing.filter((b) => topicMatches(b.routingKey, routingKey));
    else matched = outgoing; // headers (and plugin exchanges): decided per message, these are the candidates.
    const keyed = ex.type === "direct" || ex.type === "topic";
    if (!(ex.type === "fanout" || (keyed && routingKey !== null))) reached.exact = false;
    for (const b of matched) {
      if (b.destinationType === "queue") reached.queues.add(b.destination);
      else visit(b.destination);
    }
    const alternate = stringOf(ex.arguments["alternate-exchange"]);
    if (matched.length === 0 && alternate !== null) visit(alternate);
  };
  visit(exchange);
  return reached;
}

/** Dead-letter routes of every queue, resolved through exchanges and bindings, and the DLQs they make. */
export function deadLetterTopology(queues: TopologyQueue[], exchanges: RabbitExchange[], bindings: RabbitBinding[]): DeadLetterTopology {
  const queueNames = new Set(queues.map((q) => q.name));
  const routes: DeadLetterRoute[] = [];
  const droppingQueues: DeliveryLimitOnly[] = [];
  for (const queue of queues) {
    const limit = queue.type === "quorum" ? setting(queue, "delivery-limit", integerOf, "min") : null;
    const exchange = setting(queue, "dead-letter-exchange", stringOf, "argument");
    if (!exchange) {
      if (limit) droppingQueues.push({ queue: queue.name, deliveryLimit: limit.value });
      continue;
    }
    const routingKey = setting(queue, "dead-letter-routing-key", stringOf, "argument");
    const reached = route(exchange.value, routingKey?.value ?? null, exchanges, bindings, queueNames);
    const targets = [...reached.queues].sort();
    let problem: string | null = null;
    if (reached.missingExchange !== null) problem = `dead-letter exchange "${reached.missingExchange}" does not exist: dead letters are dropped`;
    else if (targets.length === 0 && reached.exact) problem = `dead-letter exchange "${exchange.value || "(default)"}" routes ${routingKey ? `"${routingKey.value}"` : "these messages"} to no queue: dead letters are dropped`;
    routes.push({
      queue: queue.name,
      queueType: queue.type,
      exchange: exchange.value,
      exchangeSource: exchange.source,
      routingKey: routingKey?.value ?? null,
      routingKeySource: routingKey?.source ?? null,
      deliveryLimit: limit?.value ?? null,
      targets,
      exact: reached.exact,
      problem,
    });
  }
  const sources = new Map<string, string[]>();
  for (const r of routes) for (const target of r.targets) if (target !== r.queue) sources.set(target, [...(sources.get(target) ?? []), r.queue]);
  const byName = new Map(queues.map((q) => [q.name, q]));
  const deadLetterQueues = [...sources.entries()]
    .map(([name, sourceQueues]) => ({ name, type: byName.get(name)!.type, depth: byName.get(name)!.messages, sourceQueues: sourceQueues.sort() }))
    .sort((a, b) => a.name.localeCompare(b.name));
  return { routes: routes.sort((a, b) => a.queue.localeCompare(b.queue)), deadLetterQueues, droppingQueues };
}
