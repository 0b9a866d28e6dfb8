import amqp, { type ChannelModel } from "amqplib";
import { expiringFromEnqueueTimes } from "../shared/retention";
import {
  withTimeout,
  type BrokerAdapter,
  type BulkReplayEffects,
  type ExpiringSoon,
  type NativeMove,
  type NativeMovePlan,
  type NativeMoveStatus,
  type ReplayAudience,
  type ReplayCapabilities,
} from "../types";
import type { RabbitMqConnectionConfig } from "./config";
import { ManagementClient, type RabbitQueue } from "./management";
import { browseSafety } from "./browse-safety";
import { browseQueue, type BrowsedMessage, type BrowsePage } from "./reader";
import { bulkReplayEffects, scanDeadLetters, type ScanResult } from "./scan";
import { readyCount, shovelMovePlan, shovelMoveStatus, startShovelMove } from "./shovel";
import { replayOne, type ReplayOneOptions, type ReplayOneResult } from "./replay";
import { formatRabbitTarget, parseRabbitTarget } from "./targets";
import { deadLetterTopology, route, type DeadLetterRoute, type DeliveryLimitOnly, type RabbitDeadLetterQueue } from "./topology";

export interface RabbitMqOverview {
  version: string;
  queueCount: number;
  queues: RabbitQueue[];
  deadLetterRoutes: DeadLetterRoute[];
  deadLetterQueues: RabbitDeadLetterQueue[];
  /** Quorum queues whose delivery limit drops messages: there is no dead-letter exchange to keep them. */
  droppingQueues: DeliveryLimitOnly[];
}

/** Who receives a copy published to an exchange with a routing key: the queues it routes to and their consumers. */
export type RabbitReplayAudience = Extract<ReplayAudience, { exists: false } | { kind: "queues" }>;

const CONNECT_TIMEOUT_MS = 5_000;

/** The RabbitMQ plugin's adapter: management API for state and topology, one AMQP connection (opened on first use) for messages. */
const integerOf = (value: unknown): number | null => (typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : null);

/** The queue's message TTL (ms): the lower of its x-message-ttl argument and its policy's message-ttl, as the broker applies it. */
export function messageTtlMs(queue: Pick<RabbitQueue, "arguments" | "effectivePolicyDefinition">): number | null {
  const values = [integerOf(queue.arguments["x-message-ttl"]), integerOf(queue.effectivePolicyDefinition["message-ttl"])].filter((v): v is number => v !== null);
  return values.length ? Math.min(...values) : null;
}

export class RabbitMqAdapter implements BrokerAdapter<RabbitMqOverview>, ReplayCapabilities, NativeMove {
  readonly kind = "rabbitmq" as const;
  readonly name: string;
  readonly management: ManagementClient;
  private connection: Promise<ChannelModel> | null = null;

  constructor(private readonly config: RabbitMqConnectionConfig) {
    this.name = config.name;
    this.management = new ManagementClient({
      baseUrl: config.managementUrl,
      username: config.username,
      password: config.password,
      vhost: config.vhost,
      timeoutMs: config.timeoutMs,
    });
  }

  /** The AMQP connection, opened once; a closed or failed one is replaced on the next call. */
  amqp(): Promise<ChannelModel> {
    if (!this.connection) {
      const url = new URL(this.config.url);
      url.username = encodeURIComponent(this.config.username);
      url.password = encodeURIComponent(this.config.password);
      url.pathname = `/${encodeURIComponent(this.config.vhost)}`;
      // noDelay: one-at-a-time requests (basic.get, a single confirm) otherwise wait ~40 ms on Nagle's algorithm.
      const opening = withTimeout(`RabbitMQ AMQP connect to ${url.host}`, CONNECT_TIMEOUT_MS, amqp.connect(url.toString(), { noDelay: true }));
      this.connection = opening;
      opening.then(
        (connection) => {
          connection.on("error", () => undefined);
          connection.on("close", () => {
            if (this.connection === opening) this.connection = null;
          });
        },
        () => {
          if (this.connection === opening) this.connection = null;
        },
      );
    }
    return this.connection;
  }

  async ping(): Promise<{ version: string | null }> {
    return { version: (await this.management.overview()).version };
  }

  async overview(): Promise<RabbitMqOverview> {
    const [about, queues, exchanges, bindings] = await Promise.all([this.management.overview(), this.management.queues(), this.management.exchanges(), this.management.bindings()]);
    const topology = deadLetterTopology(queues, exchanges, bindings);
    return {
      version: about.version,
      queueCount: queues.length,
      queues,
      deadLetterRoutes: topology.routes,
      deadLetterQueues: topology.deadLetterQueues,
      droppingQueues: topology.droppingQueues,
    };
  }

  private async requireQueue(name: string): Promise<RabbitQueue> {
    const queue = await this.management.queue(name);
    if (!queue) throw new Error(`Queue "${name}" does not exist on "${this.name}".`);
    return queue;
  }

  /** A page of a DLQ, read losslessly (or refused where a read could remove a message); `effects` says what the read changed. */
  async browse(queue: string, limit: number, streamOffset = 0): Promise<BrowsePage> {
    return browseQueue(await this.amqp(), await this.requireQueue(queue), limit, streamOffset);
  }

  /** Reads the whole DLQ once and returns every message to it (see scanDeadLetters): a bulk replay's dry run. */
  async scan(queue: string, visit: (message: BrowsedMessage, replayCount: number) => void, options: { maxMessages?: number } = {}): Promise<ScanResult> {
    return scanDeadLetters(await this.amqp(), await this.requireQueue(queue), visit, options);
  }

  async bulkReplayEffects(dlq: string): Promise<BulkReplayEffects | null> {
    return bulkReplayEffects(await this.requireQueue(dlq));
  }

  /**
   * When the DLQ's head message died, from its x-death time (first death) — the honest age of a dead letter.
   * Reading the head is a one-message browse (same effects, same refusals); where that is refused or the head
   * has no x-death, the management API's head_message_timestamp (the publisher's clock, classic queues only)
   * is all there is, and `source` says which one it is.
   */
  async headDeadLetteredAt(dlq: string): Promise<{ atMs: number | null; source: "x-death time" | "publisher timestamp" | null }> {
    const queue = await this.requireQueue(dlq);
    if (browseSafety(queue).allowed && queue.type !== "stream") {
      const head = (await browseQueue(await this.amqp(), queue, 1)).messages[0];
      if (!head) return { atMs: null, source: null };
      if (head.failure?.deathTimeMs != null) return { atMs: head.failure.deathTimeMs, source: "x-death time" };
    }
    return queue.headMessageTimestampMs === null ? { atMs: null, source: null } : { atMs: queue.headMessageTimestampMs, source: "publisher timestamp" };
  }

  async replayOne(dlq: string, options: Omit<ReplayOneOptions, "dlq">): Promise<ReplayOneResult> {
    return replayOne(await this.amqp(), { ...options, dlq: await this.requireQueue(dlq) });
  }

  /**
   * The queues a copy published to an exchange with a routing key reaches, and their consumers. The target is
   * "exchange / routing key" or a queue name (server/brokers/rabbitmq/targets.ts); or the exchange and key apart.
   */
  async replayAudience(targetOrExchange: string, routingKey?: string): Promise<RabbitReplayAudience> {
    const { exchange, routingKey: key } = routingKey === undefined ? parseRabbitTarget(targetOrExchange) : { exchange: targetOrExchange, routingKey };
    return this.audienceOf(exchange, key);
  }

  private async audienceOf(exchange: string, routingKey: string): Promise<RabbitReplayAudience> {
    const target = formatRabbitTarget({ exchange, routingKey });
    const [queues, exchanges, bindings] = await Promise.all([this.management.queues(), this.management.exchanges(), this.management.bindings()]);
    const reached = route(exchange, routingKey, exchanges, bindings, new Set(queues.map((q) => q.name)));
    if (reached.missingExchange !== null) return { target, exists: false, reason: `Exchange "${reached.missingExchange}" does not exist on "${this.name}": nothing was sent.` };
    if (reached.exact && reached.queues.size === 0) return { target, exists: false, reason: `Nothing is bound to ${target} on "${this.name}": a copy would be returned unroutable.` };
    const byName = new Map(queues.map((q) => [q.name, q]));
    return {
      target,
      exists: true,
      kind: "queues",
      exact: reached.exact,
      queues: [...reached.queues].sort().map((name) => ({ name, consumers: byName.get(name)?.consumers ?? 0, messagesReady: byName.get(name)?.messagesReady ?? 0 })),
    };
  }

  /** Why nothing can be published to the target: its exchange is missing or nothing is bound for the key (the copy would come back unroutable). */
  async missingTarget(target: string): Promise<string | null> {
    const audience = await this.replayAudience(target);
    return audience.exists ? null : audience.reason;
  }

  /**
   * Dead letters a message TTL removes within `withinMs`. A queue TTL counts from when the message entered the
   * DLQ (its dead-lettering), and a classic queue expires from the head in order. With a TTL no longer than the
   * horizon every message goes; a longer one needs each message's x-death time, which only a read tells: the
   * caller's (`enqueuedAtMs`), else nothing is read here (a read is not free on RabbitMQ) and none are counted.
   * Without a TTL RabbitMQ keeps dead letters until they are consumed. (x-expires deletes an unused queue as a
   * whole; a DLQ being read by Redrive is used, so it is not counted here.)
   */
  async expiringSoon(dlq: string, withinMs: number, enqueuedAtMs: number[] | null): Promise<ExpiringSoon> {
    const queue = await this.requireQueue(dlq);
    const retentionMs = messageTtlMs(queue);
    const base = { retentionMs, countsFrom: "time dead-lettered" as const, withinMs };
    if (retentionMs === null) return { ...base, count: 0, firstAtMs: null };
    if (retentionMs <= withinMs && !enqueuedAtMs) return { ...base, count: queue.messages, firstAtMs: null };
    return { ...base, ...expiringFromEnqueueTimes(retentionMs, withinMs, enqueuedAtMs ?? [], Date.now()) };
  }

  /** "Move everything back" by a dynamic shovel to the DLQ's one source queue, where the shovel plugin is enabled. */
  nativeMovePlan(dlq: string): Promise<NativeMovePlan> {
    return shovelMovePlan(this.management, dlq);
  }

  async startNativeMove(dlq: string, options: { ratePerSecond: number | null }): Promise<{ handle: string; total: number }> {
    if (options.ratePerSecond !== null) throw new Error("A shovel takes no rate limit.");
    const plan = await this.nativeMovePlan(dlq);
    if (!plan.available) throw new Error(plan.reason);
    // The shovel takes as many as the queue holds when it starts: counted exactly here (the management API lags).
    const total = (await readyCount(await this.amqp(), dlq)) ?? plan.depth;
    return { handle: await startShovelMove(this.management, dlq, plan.destination), total };
  }

  async nativeMoveStatus(dlq: string, handle: string, total: number): Promise<NativeMoveStatus> {
    return shovelMoveStatus(this.management, await this.amqp(), dlq, handle, total);
  }

  /** Deletes the shovel: what it moved stays moved, the rest stays in the DLQ (on-confirm acks lose nothing). */
  async cancelMoveTask(handle: string): Promise<void> {
    await this.management.deleteShovel(handle);
  }

  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = null;
    if (connection) await (await connection.catch(() => null))?.close().catch(() => undefined);
  }
}
