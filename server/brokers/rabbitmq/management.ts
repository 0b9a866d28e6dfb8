import { BrokerTimeoutError } from "../types";

/** What the management client needs: where the API is, whose credentials, which vhost, how long to wait. */
export interface ManagementOptions {
  baseUrl: string;
  username: string;
  password: string;
  vhost: string;
  timeoutMs: number;
}

export type QueueType = "classic" | "quorum" | "stream";

/** Arguments and policy definitions are AMQP tables: JSON values keyed by name. */
export type Table = Record<string, unknown>;

export interface RabbitQueue {
  name: string;
  vhost: string;
  type: QueueType;
  durable: boolean;
  messagesReady: number;
  messagesUnacknowledged: number;
  messages: number;
  consumers: number;
  /** Share of time the queue could deliver to consumers at once (0..1); null when the broker does not say (no consumers, quorum queues in some versions). */
  consumerUtilisation: number | null;
  /** Messages per second into and out of the queue, over the management sampling window; null before any was seen. */
  publishRate: number | null;
  deliverRate: number | null;
  /**
   * The AMQP `timestamp` property of the head message (epoch ms), as the broker reports it. Only classic
   * queues report it, only when the publisher set `timestamp`, and only while the head is paged in; null
   * otherwise (quorum and stream queues never). It is the publisher's clock, not the time of dead-lettering:
   * a DLQ's honest head age comes from the head message's x-death `time`, which only a read can tell.
   */
  headMessageTimestampMs: number | null;
  arguments: Table;
  /** The name of the policy that applies, and what it sets (merged by the broker). */
  policy: string | null;
  effectivePolicyDefinition: Table;
}

export interface RabbitPolicy {
  name: string;
  vhost: string;
  pattern: string;
  applyTo: "queues" | "exchanges" | "all" | string;
  priority: number;
  definition: Table;
}

export interface RabbitExchange {
  name: string;
  vhost: string;
  type: "direct" | "fanout" | "topic" | "headers" | string;
  durable: boolean;
  internal: boolean;
  arguments: Table;
}

export interface RabbitBinding {
  source: string;
  destination: string;
  destinationType: "queue" | "exchange";
  routingKey: string;
  arguments: Table;
}

export interface RabbitOverview {
  version: string;
  erlangVersion: string | null;
  clusterName: string | null;
  node: string | null;
  queueTotals: { messages: number; messagesReady: number; messagesUnacknowledged: number };
}

/** A dynamic shovel that moves messages from a queue to a queue or an exchange (AMQP 0-9-1 both ends). */
export interface ShovelDefinition {
  name: string;
  /** amqp URI of the source broker; "amqp://" means the local node with the shovel's own user. */
  srcUri: string;
  srcQueue: string;
  destUri: string;
  /** Either a queue, or an exchange with an optional routing key (empty: keep each message's own). */
  dest: { queue: string } | { exchange: string; routingKey?: string };
  /** Stop after this many messages, or after the queue's length when the shovel started. */
  deleteAfter: "never" | "queue-length" | number;
  /** Adds x-shovelled headers naming the shovel and the source. */
  addForwardHeaders?: boolean;
}

export interface ShovelStatus {
  name: string;
  vhost: string;
  /** "starting" | "running" | "terminated" as the shovel plugin reports, or "absent" when no such shovel exists. */
  state: string;
  /** Why a shovel failed or stopped, when the plugin says. */
  reason: string | null;
  timestamp: string | null;
}

export class ManagementApiError extends Error {
  constructor(
    readonly status: number,
    readonly path: string,
    detail: string,
  ) {
    super(`RabbitMQ management API ${path} answered HTTP ${status}${detail ? `: ${detail}` : ""}`);
    this.name = "ManagementApiError";
  }
}

type Json = Record<string, unknown>;

const num = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) ? value : 0);
const numOrNull = (value: unknown): number | null => (typeof value === "number" && Number.isFinite(value) ? value : null);
const str = (value: unknown): string | null => (typeof value === "string" ? value : null);
const table = (value: unknown): Table => (value && typeof value === "object" && !Array.isArray(value) ? (value as Table) : {});
const rate = (stats: Json, key: string): number | null => numOrNull((table(stats[`${key}_details`]) as Json).rate);

function queueType(raw: unknown): QueueType {
  return raw === "quorum" || raw === "stream" ? raw : "classic";
}

/** The management API reports head_message_timestamp in seconds (AMQP timestamps), or null. */
function toMs(seconds: unknown): number | null {
  const n = numOrNull(seconds);
  return n === null ? null : n * 1000;
}

export function parseQueue(raw: Json): RabbitQueue {
  const stats = table(raw.message_stats) as Json;
  return {
    name: String(raw.name),
    vhost: String(raw.vhost),
    type: queueType(raw.type),
    durable: raw.durable === true,
    messagesReady: num(raw.messages_ready),
    messagesUnacknowledged: num(raw.messages_unacknowledged),
    messages: num(raw.messages),
    consumers: num(raw.consumers),
    consumerUtilisation: numOrNull(raw.consumer_utilisation),
    publishRate: rate(stats, "publish"),
    deliverRate: rate(stats, "deliver_get"),
    headMessageTimestampMs: toMs(raw.head_message_timestamp),
    arguments: table(raw.arguments),
    policy: str(raw.policy),
    effectivePolicyDefinition: table(raw.effective_policy_definition),
  };
}

/** A typed client for the RabbitMQ management HTTP API, scoped to one vhost. */
export class ManagementClient {
  private readonly authorization: string;
  private readonly vhostPath: string;

  constructor(private readonly options: ManagementOptions) {
    this.authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString("base64")}`;
    // "/" (the default vhost) must travel as %2F: the API splits paths on slashes.
    this.vhostPath = encodeURIComponent(options.vhost);
  }

  get vhost(): string {
    return this.options.vhost;
  }

  private async request(method: "GET" | "PUT" | "DELETE", path: string, body?: unknown): Promise<unknown> {
    const url = `${this.options.baseUrl.replace(/\/$/, "")}${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: { authorization: this.authorization, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
        throw new BrokerTimeoutError(`RabbitMQ management API ${method} ${path}`, this.options.timeoutMs);
      }
      // fetch says only "fetch failed"; the cause says why (ECONNREFUSED, ENOTFOUND). The host only: a URL may carry credentials.
      const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
      throw new Error(`RabbitMQ management API at ${new URL(this.options.baseUrl).host} is unreachable (${cause?.code ?? cause?.message ?? String(error)})`, { cause: error });
    }
    const text = await response.text();
    if (!response.ok) {
      let detail = text.slice(0, 300);
      try {
        const parsed = JSON.parse(text) as Json;
        detail = str(parsed.reason) ?? str(parsed.error) ?? detail;
      } catch {
        // Not JSON: keep the raw text.
      }
      throw new ManagementApiError(response.status, path, detail);
    }
    return text ? (JSON.parse(text) as unknown) : null;
  }

  private async list(path: string): Promise<Json[]> {
    const body = await this.request("GET", path);
    return Array.isArray(body) ? (body as Json[]) : [];
  }

  async overview(): Promise<RabbitOverview> {
    const raw = (await this.request("GET", "/api/overview")) as Json;
    const totals = table(raw.queue_totals) as Json;
    return {
      version: String(raw.rabbitmq_version ?? "unknown"),
      erlangVersion: str(raw.erlang_version),
      clusterName: str(raw.cluster_name),
      node: str(raw.node),
      queueTotals: {
        messages: num(totals.messages),
        messagesReady: num(totals.messages_ready),
        messagesUnacknowledged: num(totals.messages_unacknowledged),
      },
    };
  }

  async queues(): Promise<RabbitQueue[]> {
    return (await this.list(`/api/queues/${this.vhostPath}`)).map(parseQueue);
  }

  /** One queue, or null when it does not exist. */
  async queue(name: string): Promise<RabbitQueue | null> {
    try {
      return parseQueue((await this.request("GET", `/api/queues/${this.vhostPath}/${encodeURIComponent(name)}`)) as Json);
    } catch (error) {
      if (error instanceof ManagementApiError && error.status === 404) return null;
      throw error;
    }
  }

  async policies(): Promise<RabbitPolicy[]> {
    return (await this.list(`/api/policies/${this.vhostPath}`)).map((raw) => ({
      name: String(raw.name),
      vhost: String(raw.vhost),
      pattern: String(raw.pattern),
      applyTo: String(raw["apply-to"] ?? "all"),
      priority: num(raw.priority),
      definition: table(raw.definition),
    }));
  }

  async exchanges(): Promise<RabbitExchange[]> {
    return (await this.list(`/api/exchanges/${this.vhostPath}`)).map((raw) => ({
      name: String(raw.name),
      vhost: String(raw.vhost),
      type: String(raw.type),
      durable: raw.durable === true,
      internal: raw.internal === true,
      arguments: table(raw.arguments),
    }));
  }

  async bindings(): Promise<RabbitBinding[]> {
    return (await this.list(`/api/bindings/${this.vhostPath}`)).map((raw) => ({
      source: String(raw.source),
      destination: String(raw.destination),
      destinationType: raw.destination_type === "exchange" ? "exchange" : "queue",
      routingKey: String(raw.routing_key ?? ""),
      arguments: table(raw.arguments),
    }));
  }

  /** Creates (or replaces) a dynamic shovel: it starts at once and, with a deleteAfter limit, removes itself when done. */
  async createShovel(shovel: ShovelDefinition): Promise<void> {
    const dest =
      "queue" in shovel.dest
        ? { "dest-queue": shovel.dest.queue }
        : { "dest-exchange": shovel.dest.exchange, ...(shovel.dest.routingKey === undefined ? {} : { "dest-exchange-key": shovel.dest.routingKey }) };
    await this.request("PUT", `/api/parameters/shovel/${this.vhostPath}/${encodeURIComponent(shovel.name)}`, {
      value: {
        "src-protocol": "amqp091",
        "src-uri": shovel.srcUri,
        "src-queue": shovel.srcQueue,
        "dest-protocol": "amqp091",
        "dest-uri": shovel.destUri,
        ...dest,
        // A source message is acked only after the destination confirmed its copy: nothing is lost in between.
        "ack-mode": "on-confirm",
        "src-delete-after": shovel.deleteAfter,
        "dest-add-forward-headers": shovel.addForwardHeaders ?? false,
      },
    });
  }

  /**
   * Whether dynamic shovels can run and be watched here: the management API lists the shovel management
   * extension (rabbitmq_shovel_management, which needs rabbitmq_shovel) among its UI extensions.
   */
  async shovelPluginEnabled(): Promise<boolean> {
    const extensions = await this.request("GET", "/api/extensions");
    return Array.isArray(extensions) && extensions.some((e) => table(e).javascript === "shovel.js");
  }

  /** Whether a dynamic shovel's definition exists (a shovel with a delete-after limit deletes it when done). */
  async shovelExists(name: string): Promise<boolean> {
    try {
      await this.request("GET", `/api/parameters/shovel/${this.vhostPath}/${encodeURIComponent(name)}`);
      return true;
    } catch (error) {
      if (error instanceof ManagementApiError && error.status === 404) return false;
      throw error;
    }
  }

  /** Deletes a dynamic shovel; false when there was none. */
  async deleteShovel(name: string): Promise<boolean> {
    try {
      await this.request("DELETE", `/api/parameters/shovel/${this.vhostPath}/${encodeURIComponent(name)}`);
      return true;
    } catch (error) {
      if (error instanceof ManagementApiError && error.status === 404) return false;
      throw error;
    }
  }

  /** A shovel's state from the shovel management plugin; "absent" once it was deleted (or deleted itself). */
  async shovelStatus(name: string): Promise<ShovelStatus> {
    const all = await this.list(`/api/shovels/${this.vhostPath}`);
    const raw = all.find((s) => s.name === name);
    if (!raw) return { name, vhost: this.options.vhost, state: "absent", reason: null, timestamp: null };
    return {
      name,
      vhost: String(raw.vhost ?? this.options.vhost),
      state: String(raw.state ?? "unknown"),
      reason: str(raw.reason) ?? (raw.reason === undefined ? null : JSON.stringify(raw.reason)),
      timestamp: str(raw.timestamp),
    };
  }
}
