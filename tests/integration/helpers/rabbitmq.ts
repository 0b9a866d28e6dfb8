import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type Options } from "amqplib";
import { RabbitMqAdapter } from "~/server/brokers/rabbitmq/adapter";
import { rabbitMqConnectionSchema } from "~/server/brokers/rabbitmq/config";
import { uniqueName } from "../../fixtures/names";

/** The local RabbitMQ (scripts/stack.mjs enables its management API), overridable. */
export const RABBITMQ_URL = process.env.RABBITMQ_URL ?? "amqp://guest:guest@127.0.0.1:5672";
export const RABBITMQ_MANAGEMENT_URL = process.env.RABBITMQ_MANAGEMENT_URL ?? "http://127.0.0.1:15672";
const AUTH = `Basic ${Buffer.from("guest:guest").toString("base64")}`;

export const rabbitAdapter = () => new RabbitMqAdapter(rabbitMqConnectionSchema.parse({ name: "local-rabbit", url: RABBITMQ_URL, managementUrl: RABBITMQ_MANAGEMENT_URL }));

/** A test's own connection and confirm channel, and everything it declares, deleted by cleanup(). */
export class RabbitFixture {
  readonly queues: string[] = [];
  readonly exchanges: string[] = [];
  readonly policies: string[] = [];
  private constructor(
    readonly connection: ChannelModel,
    readonly channel: ConfirmChannel,
  ) {}

  static async open(): Promise<RabbitFixture> {
    const connection = await amqp.connect(RABBITMQ_URL);
    const channel = await connection.createConfirmChannel();
    return new RabbitFixture(connection, channel);
  }

  name(prefix: string): string {
    return uniqueName(`redrive-${prefix}`);
  }

  async queue(prefix: string, args: Record<string, unknown> = {}, durable = false): Promise<string> {
    const name = this.name(prefix);
    // Quorum queues and streams must be durable.
    const mustBeDurable = args["x-queue-type"] === "quorum" || args["x-queue-type"] === "stream";
    await this.channel.assertQueue(name, { durable: durable || mustBeDurable, arguments: args });
    this.queues.push(name);
    return name;
  }

  async exchange(prefix: string, type: string, args: Record<string, unknown> = {}): Promise<string> {
    const name = this.name(prefix);
    await this.channel.assertExchange(name, type, { durable: false, arguments: args });
    this.exchanges.push(name);
    return name;
  }

  async policy(pattern: string, definition: Record<string, unknown>): Promise<string> {
    const name = this.name("policy");
    await management("PUT", `/api/policies/%2F/${name}`, { pattern, definition, "apply-to": "queues", priority: 100 });
    this.policies.push(name);
    return name;
  }

  /** Publishes and waits for the broker's confirm. */
  async publish(exchange: string, routingKey: string, body: string, options: Options.Publish = {}): Promise<void> {
    this.channel.publish(exchange, routingKey, Buffer.from(body), options);
    await this.channel.waitForConfirms();
  }

  async count(queue: string): Promise<number> {
    const channel = await this.connection.createChannel();
    try {
      return (await channel.checkQueue(queue)).messageCount;
    } finally {
      await channel.close();
    }
  }

  /** Takes every message off a queue (acknowledged): what is left, in order. */
  async drain(queue: string): Promise<amqp.GetMessage[]> {
    const channel: Channel = await this.connection.createChannel();
    const all: amqp.GetMessage[] = [];
    try {
      for (;;) {
        const m = await channel.get(queue, { noAck: true });
        if (!m) return all;
        all.push(m);
      }
    } finally {
      await channel.close();
    }
  }

  async cleanup(): Promise<void> {
    for (const name of this.policies) await management("DELETE", `/api/policies/%2F/${name}`).catch(() => undefined);
    for (const name of this.queues) await this.channel.deleteQueue(name).catch(() => undefined);
    for (const name of this.exchanges) await this.channel.deleteExchange(name).catch(() => undefined);
    await this.connection.close().catch(() => undefined);
  }
}

export async function management(method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${RABBITMQ_MANAGEMENT_URL}${path}`, {
    method,
    headers: { authorization: AUTH, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${await response.text()}`);
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

/** Polls until `check` passes (management stats refresh every ~5 s): returns the last value, or throws with it. */
export async function eventually<T>(what: string, read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await read();
  while (!check(last)) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 250));
    last = await read();
  }
  return last;
}
