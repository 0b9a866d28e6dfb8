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
}

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
  };
}

export function queueUrl(config: DemoConfig, queue: string): string {
  return `${config.sqs.endpoint.replace(/\/$/, "")}/000000000000/${queue}`;
}
