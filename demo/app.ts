import { SQSClient } from "@aws-sdk/client-sqs";
import { Partitioners, type Producer } from "kafkajs";
import { AvroSerde } from "./avro/serde";
import { queueUrl, type DemoConfig } from "./config";
import { ledgerService } from "./consumers/ledger-service";
import { inventoryService } from "./consumers/inventory-service";
import { NotificationSender } from "./consumers/notification-sender";
import { paymentProcessor } from "./consumers/payment-processor";
import type { ConsumerRunner } from "./consumers/runner";
import { shippingService } from "./consumers/shipping-service";
import { connect, type DbHandle } from "./db/client";
import type { FaultStore } from "./faults";
import { createKafka, ensureTopics } from "./kafka/topics";
import { OutboxRelay } from "./outbox/relay";
import { PoisonInjector } from "./poison";
import { startRabbitPart, type RabbitPart } from "./rabbitmq/part";
import { natsConfigFromEnv, startNatsPart, type NatsPart } from "./nats/part";
import { startSnsPart, type SnsPart } from "./sns/part";
import { SagaOrchestrator } from "./saga/orchestrator";
import { TrafficGenerator } from "./traffic";

// Wires the whole order-fulfilment system for one config. main.ts runs it; tests run it with a
// unique database and topic prefix. Shutdown order: traffic, injectors, consumers, relay, producer, pools.

export interface DemoApp {
  handle: DbHandle;
  producer: Producer;
  sqs: SQSClient;
  relay: OutboxRelay;
  orchestrator: SagaOrchestrator;
  consumers: ConsumerRunner[];
  notifications: NotificationSender;
  traffic: TrafficGenerator;
  poison: PoisonInjector;
  /** Undefined when RabbitMQ is not configured or not reachable (the rest runs without it). */
  rabbit: RabbitPart | undefined;
  nats: NatsPart | undefined;
  /** Undefined when not asked for or fauxqs is not reachable. */
  sns: SnsPart | undefined;
  /** The payment topics' Avro serde; undefined when the config has no registry or it is not reachable (all JSON). */
  avro: AvroSerde | undefined;
  stats(): Record<string, unknown>;
  stop(): Promise<void>;
}

export function createProducer(config: DemoConfig): Producer {
  return createKafka(config).producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
}

export function createSqsClient(config: DemoConfig): SQSClient {
  return new SQSClient({
    endpoint: config.sqs.endpoint,
    region: config.sqs.region,
    credentials: { accessKeyId: config.sqs.accessKeyId, secretAccessKey: config.sqs.secretAccessKey },
  });
}

export async function startDemo(
  config: DemoConfig,
  faults: FaultStore,
  opts: { traffic?: boolean; poison?: boolean; notifications?: boolean; rabbitmq?: boolean; sns?: boolean; nats?: boolean; log?: (m: string) => void } = {},
): Promise<DemoApp> {
  const handle = connect(config.databaseUrl, 20);
  const kafka = createKafka(config);
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, config);
  } finally {
    await admin.disconnect();
  }
  const producer = createProducer(config);
  await producer.connect();
  const sqs = createSqsClient(config);
  const avro = await startAvro(config, faults, opts.log ?? console.log);
  const deps = { kafka, producer, db: handle.db, config, faults, log: opts.log, avro };
  // Opt-in: a test that starts the demo must not consume from a running demo's demo.* queues.
  const rabbit = opts.rabbitmq
    ? await startRabbitPart({
        config: config.rabbitmq,
        retry: config.retry,
        db: handle.db,
        faults,
        log: opts.log,
        poison: opts.poison ?? true,
      })
    : undefined;
  // Opt-in too: a topic with two SQS subscribers, one with a subscription DLQ (demo/sns/part.ts).
  const sns = opts.sns ? await startSnsPart(config.sns, { log: opts.log, traffic: opts.traffic ?? true }) : undefined;

  // Opt-in as the RabbitMQ part: a test that starts the demo must not consume a running demo's stream.
  const nats = opts.nats ? await startNatsPart({ config: natsConfigFromEnv(), faults, log: opts.log }) : undefined;

  const relay = new OutboxRelay({ db: handle.db, producer, sqs, rabbit: rabbit?.relayTarget, avro, config, faults });
  const orchestrator = new SagaOrchestrator(deps);
  const consumers = [paymentProcessor(deps), inventoryService(deps), shippingService(deps), ledgerService(deps)];
  const notifications = new NotificationSender({
    sqs,
    db: handle.db,
    faults,
    queues: Object.fromEntries(config.notificationQueues.map((q) => [q, queueUrl(config, q)])),
    log: opts.log,
  });
  const traffic = new TrafficGenerator(handle.db, faults);
  const poison = new PoisonInjector(producer, config, faults);

  relay.start();
  await Promise.all([orchestrator.start(), ...consumers.map((c) => c.start())]);
  if (opts.notifications ?? true) notifications.start();
  if (opts.traffic ?? true) traffic.start();
  if (opts.poison ?? true) poison.start();

  let stopped: Promise<void> | undefined;
  return {
    handle,
    producer,
    sqs,
    relay,
    orchestrator,
    consumers,
    notifications,
    traffic,
    poison,
    rabbit,
    nats,
    sns,
    avro,
    stats: () => ({
      ordersPlaced: traffic.placed,
      poisonSent: poison.sent,
      relay: relay.stats,
      notifications: notifications.stats,
      rabbitmq: rabbit ? rabbit.stats() : "not running",
      nats: nats ? nats.stats() : "not running",
      sns: sns ? sns.stats() : "not running",
      consumers: Object.fromEntries(
        [orchestrator.runner, ...consumers].map((c) => [c.groupId, { running: c.running, ...c.stats }]),
      ),
    }),
    stop: () =>
      (stopped ??= (async () => {
        poison.stop();
        await traffic.stop();
        await notifications.stop();
        await Promise.allSettled([orchestrator.stop(), ...consumers.map((c) => c.stop())]);
        await relay.stop();
        await rabbit?.stop();
        await nats?.stop();
        await sns?.stop();
        await producer.disconnect();
        sqs.destroy();
        await handle.close();
      })()),
  };
}

/**
 * The payment topics' serde, once the registry answered (writer schemas registered), with the fault knob followed:
 * avroBreakingChange registers or rolls back the breaking version. A registry that does not answer within a few
 * seconds leaves every topic JSON, as a missing RabbitMQ leaves out its part.
 */
async function startAvro(config: DemoConfig, faults: FaultStore, log: (m: string) => void): Promise<AvroSerde | undefined> {
  if (!config.avro) return undefined;
  const avro = new AvroSerde(config.avro, config);
  try {
    await avro.ready(AbortSignal.timeout(15_000));
  } catch (err) {
    log(`[avro] schema registry ${config.avro.registryUrl} not usable (${(err as Error).message}): the payment topics stay JSON`);
    return undefined;
  }
  // One change at a time, in the order the knob moved.
  let chain = Promise.resolve();
  let applied: boolean | undefined;
  const follow = (on: boolean) => {
    if (on === applied) return;
    applied = on;
    chain = chain
      .then(() => avro.setBreakingChange(on))
      .then(() => log(`[avro] ${on ? "registered the breaking change to" : "rolled back the breaking change to"} ${avro.breakingSubject}`))
      .catch((err: Error) => {
        applied = undefined;
        log(`[avro] breaking change ${on ? "on" : "off"}: ${err.message}`);
      });
  };
  follow(faults.get().avroBreakingChange);
  faults.onChange((f) => follow(f.avroBreakingChange));
  return avro;
}
