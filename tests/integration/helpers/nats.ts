import { AckPolicy, jetstreamManager, type ConsumerConfig, type StreamConfig } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { natsConnectionSchema } from "~/server/brokers/nats/config";
import { openNats, type NatsSession } from "~/server/brokers/nats/connection";
import { uniqueName } from "../../fixtures/names";

/** The local nats-server (a system service with JetStream), overridable. */
export const NATS_URL = process.env.NATS_URL ?? "127.0.0.1:4222";

export const natsConfig = () => natsConnectionSchema.parse({ name: "local-nats", servers: NATS_URL });

/** A stream name: no dots or dashes in NATS names we build subjects from. */
export function natsName(prefix: string): string {
  return uniqueName(prefix).replace(/[^A-Za-z0-9_]/g, "_").toUpperCase();
}

/**
 * A test's own Redrive session plus a second, raw connection for independent reads (requests to
 * $JS.API.* by hand), and every stream it creates, deleted by cleanup().
 */
export class NatsFixture {
  readonly streams: string[] = [];
  private constructor(
    readonly session: NatsSession,
    readonly raw: NatsConnection,
  ) {}

  static async open(): Promise<NatsFixture> {
    const session = await openNats(natsConfig());
    const raw = await connect({ servers: NATS_URL, name: "redrive-test-raw" });
    return new NatsFixture(session, raw);
  }

  /** Registers a stream created elsewhere (e.g. by createCaptureStream) for cleanup. */
  track(name: string): string {
    this.streams.push(name);
    return name;
  }

  async stream(prefix: string, config: Partial<StreamConfig> = {}): Promise<string> {
    const name = natsName(prefix);
    await this.session.jsm.streams.add({ name, subjects: [`${name}.>`], ...config });
    return this.track(name);
  }

  async consumer(stream: string, name: string, config: Partial<ConsumerConfig> = {}): Promise<string> {
    await this.session.jsm.consumers.add(stream, { durable_name: name, ack_policy: AckPolicy.Explicit, ...config });
    return name;
  }

  /** `consumer info` read independently: a raw request on the second connection, parsed here. */
  async rawConsumerInfo(stream: string, consumer: string): Promise<Record<string, unknown> & { num_pending: number; num_ack_pending: number; num_redelivered: number; num_waiting: number; delivered: { stream_seq: number }; ack_floor: { stream_seq: number } }> {
    const reply = await this.raw.request(`$JS.API.CONSUMER.INFO.${stream}.${consumer}`, "", { timeout: 5_000 });
    return JSON.parse(reply.string()) as never;
  }

  /** A stored message read independently through $JS.API.STREAM.MSG.GET on the raw connection. */
  async rawMessage(stream: string, seq: number): Promise<{ subject: string; seq: number; data: string; time: string; hdrs?: string } | null> {
    const reply = await this.raw.request(`$JS.API.STREAM.MSG.GET.${stream}`, JSON.stringify({ seq }), { timeout: 5_000 });
    const body = JSON.parse(reply.string()) as { message?: { subject: string; seq: number; data?: string; time: string; hdrs?: string }; error?: { err_code: number } };
    if (body.error?.err_code === 10037) return null;
    if (!body.message) throw new Error(`STREAM.MSG.GET ${stream} ${seq}: ${reply.string()}`);
    const m = body.message;
    return { subject: m.subject, seq: m.seq, time: m.time, data: Buffer.from(m.data ?? "", "base64").toString("utf8"), hdrs: m.hdrs ? Buffer.from(m.hdrs, "base64").toString("utf8") : undefined };
  }

  async lastSeq(stream: string): Promise<number> {
    return (await this.session.jsm.streams.info(stream)).state.last_seq;
  }

  async cleanup(): Promise<void> {
    const jsm = await jetstreamManager(this.raw).catch(() => this.session.jsm);
    for (const name of this.streams) await jsm.streams.delete(name).catch(() => undefined);
    await this.raw.close().catch(() => undefined);
    await this.session.close();
  }
}

/** Polls until `check` passes: returns the last value, or throws with it. */
export async function eventually<T>(what: string, read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await read();
  while (!check(last)) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 100));
    last = await read();
  }
  return last;
}
