import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, RetentionPolicy, type JetStreamClient } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { FaultStore } from "../faults";

// The NATS JetStream part of the demo: shipment notifications on a stream, one pull consumer that sends them
// (max_deliver 3), and a poison knob. A poison notification is one the notifier cannot send (no recipient): it
// naks it every time, so after three deliveries JetStream gives up and announces MAX_DELIVERIES, which Redrive's
// capture stream records (redrive.demo.yaml: advisoryCapture.create). slowConsumers / stoppedConsumers
// ("shipment-notifier") make it fall behind. Optional: without a reachable NATS server it logs one line.

export const NATS_CONSUMER = "shipment-notifier";

export interface NatsConfig {
  servers: string;
  /** The stream (subjects <stream>.>); tests use their own. */
  stream: string;
  maxDeliver: number;
  ackWaitMs: number;
}

export function natsConfigFromEnv(env: Record<string, string | undefined> = process.env): NatsConfig {
  return { servers: env.NATS_URL || "127.0.0.1:4222", stream: env.DEMO_NATS_STREAM || "DEMO_SHIPMENTS", maxDeliver: 3, ackWaitMs: 2_000 };
}

export interface NatsPart {
  published: number;
  poisonSent: number;
  stats(): Record<string, unknown>;
  stop(): Promise<void>;
}

const CARRIERS = ["dhl", "ups", "postnl"] as const;

/** A notification the notifier can send, or (poison) one without a recipient. */
export function shipmentNotification(n: number, poison: boolean): { subject: string; body: string } {
  const carrier = CARRIERS[n % CARRIERS.length]!;
  const body = poison ? { shipmentId: `S-${n}`, carrier, recipient: null, reason: "demo poison: no recipient" } : { shipmentId: `S-${n}`, carrier, recipient: `customer-${n % 97}@example.com` };
  return { subject: `notification.${carrier}`, body: JSON.stringify(body) };
}

export function isSendable(body: string): boolean {
  try {
    const parsed = JSON.parse(body) as { recipient?: unknown };
    return typeof parsed.recipient === "string" && parsed.recipient.length > 0;
  } catch {
    return false;
  }
}

export async function startNatsPart(d: { config: NatsConfig; faults: FaultStore; log?: (m: string) => void; publish?: boolean }): Promise<NatsPart | undefined> {
  const log = d.log ?? ((m: string) => console.log(m));
  let nc: NatsConnection;
  try {
    nc = await connect({ servers: d.config.servers, name: "redrive-demo", timeout: 3_000, maxReconnectAttempts: 3 });
  } catch (err) {
    log(`[nats] not reachable at ${d.config.servers} (${err instanceof Error ? err.message : String(err)}): running the demo without its JetStream part`);
    return undefined;
  }
  const { stream } = d.config;
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.info(stream).catch(async () => jsm.streams.add({ name: stream, subjects: [`${stream}.>`], retention: RetentionPolicy.Limits, max_age: 86_400 * 1e9 }));
    await jsm.consumers.info(stream, NATS_CONSUMER).catch(async () =>
      jsm.consumers.add(stream, {
        durable_name: NATS_CONSUMER,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        max_deliver: d.config.maxDeliver,
        ack_wait: d.config.ackWaitMs * 1_000_000,
      }),
    );
  } catch (err) {
    await nc.close().catch(() => undefined);
    log(`[nats] setting up ${stream} failed (${err instanceof Error ? err.message : String(err)}): running the demo without its JetStream part`);
    return undefined;
  }
  const js = jetstream(nc);
  const stats = { published: 0, poisonSent: 0, sent: 0, naked: 0 };
  let running = true;
  const publisher = d.publish === false ? Promise.resolve() : publishLoop(js, stream, d.faults, stats, () => running);
  const consumer = consumeLoop(js, stream, d.faults, stats, () => running, log);
  log(`[nats] connected to ${d.config.servers}; stream ${stream}, consumer ${NATS_CONSUMER} (max_deliver ${d.config.maxDeliver})`);
  let stopped: Promise<void> | undefined;
  return {
    get published() {
      return stats.published;
    },
    get poisonSent() {
      return stats.poisonSent;
    },
    stats: () => ({ ...stats }),
    stop: () =>
      (stopped ??= (async () => {
        running = false;
        await Promise.allSettled([publisher, consumer]);
        await nc.close().catch(() => undefined);
      })()),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function publishLoop(js: JetStreamClient, stream: string, faults: FaultStore, stats: { published: number; poisonSent: number }, alive: () => boolean): Promise<void> {
  let n = 0;
  let poisonDue = Date.now();
  while (alive()) {
    const { shipmentsPerSecond, poisonPerMinute } = faults.get().nats;
    const poison = poisonPerMinute > 0 && Date.now() >= poisonDue;
    if (poison) poisonDue = Date.now() + 60_000 / poisonPerMinute;
    if (shipmentsPerSecond > 0 || poison) {
      const { subject, body } = shipmentNotification(++n, poison);
      await js.publish(`${stream}.${subject}`, body).then(
        () => {
          stats.published++;
          if (poison) stats.poisonSent++;
        },
        () => undefined,
      );
    }
    await sleep(shipmentsPerSecond > 0 ? 1_000 / shipmentsPerSecond : 1_000);
  }
}

async function consumeLoop(js: JetStreamClient, stream: string, faults: FaultStore, stats: { sent: number; naked: number }, alive: () => boolean, log: (m: string) => void): Promise<void> {
  while (alive()) {
    const f = faults.get();
    if (f.stoppedConsumers.includes(NATS_CONSUMER)) {
      await sleep(1_000);
      continue;
    }
    try {
      const consumer = await js.consumers.get(stream, NATS_CONSUMER);
      for await (const m of await consumer.fetch({ max_messages: 10, expires: 1_000 })) {
        const delay = faults.get().slowConsumers[NATS_CONSUMER] ?? 0;
        if (delay > 0) await sleep(delay);
        if (isSendable(m.string())) {
          m.ack();
          stats.sent++;
        } else {
          m.nak();
          stats.naked++;
        }
        if (!alive()) break;
      }
    } catch (err) {
      if (alive()) log(`[nats] ${NATS_CONSUMER}: ${err instanceof Error ? err.message : String(err)}`);
      await sleep(1_000);
    }
  }
}
