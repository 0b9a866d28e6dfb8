import { TOPICS } from "./kafka/topics";
import { snsConfigFromEnv, type SnsConfig } from "./sns/part";
// Runtime configuration of the demo application. Everything is injectable so tests can run the
// same components against their own database, topic prefix and queues without touching a running demo.

export interface DemoConfig {
  databaseUrl: string;
  brokers: string[];
  /** Prepended to every topic name (tests use a unique prefix; the demo uses none). */
  topicPrefix: string;
  /** Prepended to every consumer group id. */
  groupPrefix: string;
  clientId: string;
  sqs: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string };
  /** Outbox routing to SQS: `<aggregate_type>.<event_type>` -> queue name. */
  sqsRoutes: Record<string, string>;
  /** Queues the notification-sender consumes. */
  notificationQueues: string[];
  partitions: number;
  admin: { port: number; token: string | undefined };
  retry: { attempts: number; baseMs: number; maxMs: number };
  /** The RabbitMQ part (demo/rabbitmq/), started when startDemo is asked to (main.ts does). */
  rabbitmq: RabbitConfig;
  /** The SNS part (demo/sns/, on the stack's fauxqs), started when startDemo is asked to (main.ts does). */
  sns: SnsConfig;
  /**
   * The payment topics in Avro through a schema registry (demo/avro/): the relay encodes, the payment processor
   * decodes (JSON records still read, as during a migration). Undefined: every topic stays JSON (DEMO_AVRO=off).
   */
  avro: { registryUrl: string; topics: string[]; readerRefreshMs: number } | undefined;
}

export interface RabbitConfig {
  /** AMQP URL; it may hold a password, so log it only through maskAmqpUrl. */
  url: string;
  /** Prepended to every exchange and queue name (`demo.`; tests use a unique prefix). */
  prefix: string;
  /** Outbox routing to the `<prefix>orders` exchange: `<aggregate_type>.<event_type>` -> routing key. */
  routes: Record<string, { routingKey: string; expirationMs?: number }>;
  /** Delivery limit of the quorum queue (deliveries before RabbitMQ dead-letters with delivery_limit). */
  deliveryLimit: number;
  /** In-process attempts of the Spring-style consumer before it republishes to its DLQ. */
  republishAttempts: number;
}

export const DEFAULT_RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672";

/** The stack's Apicurio Registry (scripts/stack.mjs), through its Confluent-compatible API. */
export const DEFAULT_SCHEMA_REGISTRY_URL = "http://127.0.0.1:8085/apis/ccompat/v7";

export const DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/redrive_demo";

export function configFromEnv(env: Record<string, string | undefined> = process.env): DemoConfig {
  return {
    databaseUrl: env.DEMO_DATABASE_URL || DEFAULT_DATABASE_URL,
    brokers: (env.KAFKA_BROKER || "127.0.0.1:9092").split(","),
    topicPrefix: env.DEMO_TOPIC_PREFIX ?? "",
    groupPrefix: env.DEMO_GROUP_PREFIX ?? "",
    clientId: "redrive-demo",
    sqs: {
      endpoint: env.SQS_ENDPOINT || "http://localhost:9324",
      region: "elasticmq",
      accessKeyId: env.SQS_ACCESS_KEY_ID || "local",
      secretAccessKey: env.SQS_SECRET_ACCESS_KEY || "local",
    },
    sqsRoutes: {
      "payment.PaymentAuthorized": "orders-payments",
      "shipping.ShipmentScheduled": "orders-shipping",
    },
    notificationQueues: ["orders-payments", "orders-shipping"],
    partitions: 3,
    admin: { port: Number(env.DEMO_ADMIN_PORT || 3300), token: env.DEMO_ADMIN_TOKEN || undefined },
    retry: { attempts: 3, baseMs: 200, maxMs: 2_000 },
    rabbitmq: {
      url: env.RABBITMQ_URL || DEFAULT_RABBITMQ_URL,
      prefix: env.DEMO_RABBITMQ_PREFIX ?? "demo.",
      routes: {
        // An order-confirmation push is stale after a minute (the email covers it): per-message TTL, so a
        // stopped notification-service turns into `expired` dead letters.
        "order.OrderPlaced": { routingKey: "order.placed", expirationMs: 60_000 },
        "payment.PaymentAuthorized": { routingKey: "payment.authorized" },
        "shipping.ShipmentScheduled": { routingKey: "shipping.scheduled" },
      },
      deliveryLimit: 3,
      republishAttempts: 3,
    },
    sns: snsConfigFromEnv(env),
    avro:
      env.DEMO_AVRO === "off"
        ? undefined
        : {
            registryUrl: env.SCHEMA_REGISTRY_URL || DEFAULT_SCHEMA_REGISTRY_URL,
            topics: [TOPICS.authorizePayment, TOPICS.refundPayment, TOPICS.paymentAuthorized],
            readerRefreshMs: 5_000,
          },
  };
}

/** The URL without its password, for logs. */
export function maskAmqpUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString().replace(/\/$/, "");
  } catch {
    return "(unparseable RABBITMQ_URL)";
  }
}

export function queueUrl(config: DemoConfig, queue: string): string {
  return `${config.sqs.endpoint.replace(/\/$/, "")}/000000000000/${queue}`;
}
