import { connect, type ChannelModel } from "amqplib";
import { maskAmqpUrl, type DemoConfig, type RabbitConfig } from "../config";
import type { DemoDb } from "../db/client";
import type { FaultStore } from "../faults";
import { RabbitConsumer } from "./consumer";
import { RabbitPoisonInjector } from "./poison";
import { RabbitPublisher } from "./publisher";
import { declareTopology, type RabbitNames } from "./topology";

// The RabbitMQ part of the demo: one connection, the topology, a confirming publisher (used by the outbox
// relay and the Spring-style recoverer), three consumers and a poison injector. Optional by design: when
// RabbitMQ is not reachable, startRabbitPart logs one line and returns undefined, and the rest runs.

export interface RabbitPart {
  names: RabbitNames;
  connection: ChannelModel;
  publisher: RabbitPublisher;
  consumers: RabbitConsumer[];
  poison: RabbitPoisonInjector;
  /** What the outbox relay needs to publish its RabbitMQ routes. */
  relayTarget: { publisher: RabbitPublisher; exchange: string; routes: RabbitConfig["routes"] };
  stats(): Record<string, unknown>;
  stop(): Promise<void>;
}

export interface RabbitPartDeps {
  config: RabbitConfig;
  retry: DemoConfig["retry"];
  db: DemoDb;
  faults: FaultStore;
  log?: (m: string) => void;
  /** Start the consumers / the poison injector (default true). Tests drive them. */
  consumers?: boolean;
  poison?: boolean;
  connectTimeoutMs?: number;
}

export async function startRabbitPart(d: RabbitPartDeps): Promise<RabbitPart | undefined> {
  const log = d.log ?? ((m: string) => console.log(m));
  const where = maskAmqpUrl(d.config.url);
  let connection: ChannelModel;
  try {
    connection = await connect(d.config.url, { timeout: d.connectTimeoutMs ?? 3_000, clientProperties: { connection_name: "redrive-demo" } });
  } catch (err) {
    log(`[rabbitmq] not reachable at ${where} (${describe(err)}): running the demo without its RabbitMQ part`);
    return undefined;
  }
  let stopping = false;
  connection.on("error", () => undefined); // the close event below reports it, once
  connection.on("close", (err?: Error) => {
    if (!stopping) log(`[rabbitmq] connection to ${where} lost (${err ? describe(err) : "closed"}): the RabbitMQ part is down until the demo restarts`);
  });
  try {
    const setup = await connection.createChannel();
    const names = await declareTopology(setup, d.config);
    await setup.close();
    const publisher = new RabbitPublisher(await connection.createConfirmChannel());
    const retry = { ...d.retry, attempts: d.config.republishAttempts };
    const common = { connection, db: d.db, faults: d.faults, retry, log: d.log };
    const consumers = [
      new RabbitConsumer({ ...common, name: "push-notifier", queue: names.notifications }),
      new RabbitConsumer({ ...common, name: "loyalty-service", queue: names.loyalty }),
      new RabbitConsumer({
        ...common,
        name: "invoice-service",
        queue: names.invoicing,
        republish: { publisher, exchange: names.invoicingErrors },
      }),
    ];
    const routes = Object.values(d.config.routes);
    const poison = new RabbitPoisonInjector(publisher, names.ordersExchange, d.faults, log, (key) =>
      routes.find((r) => r.routingKey === key)?.expirationMs,
    );
    if (d.consumers ?? true) await Promise.all(consumers.map((c) => c.start()));
    if (d.poison ?? true) poison.start();
    log(`[rabbitmq] connected to ${where}; topology ${d.config.prefix}* declared`);
    let stopped: Promise<void> | undefined;
    return {
      names,
      connection,
      publisher,
      consumers,
      poison,
      relayTarget: { publisher, exchange: names.ordersExchange, routes: d.config.routes },
      stats: () => ({
        poisonSent: poison.sent,
        consumers: Object.fromEntries(consumers.map((c) => [c.name, { running: c.running, ...c.stats }])),
      }),
      stop: () =>
        (stopped ??= (async () => {
          stopping = true;
          poison.stop();
          await Promise.allSettled(consumers.map((c) => c.stop()));
          await publisher.close();
          await connection.close().catch(() => undefined);
        })()),
    };
  } catch (err) {
    stopping = true;
    await connection.close().catch(() => undefined);
    log(`[rabbitmq] setting up ${d.config.prefix}* on ${where} failed (${describe(err)}): running the demo without its RabbitMQ part`);
    return undefined;
  }
}

function describe(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  const msg = typeof e?.message === "string" && e.message ? e.message : String(err);
  return typeof e?.code === "string" && !msg.includes(e.code) ? `${e.code}: ${msg}` : msg;
}
