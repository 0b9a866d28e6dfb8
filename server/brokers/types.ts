/** What every broker adapter offers. Broker-specific detail stays inside the adapter; the UI only sees these shapes. */
export interface BrokerAdapter<TOverview> {
  /** The plugin kind (server/brokers/registry.ts) this adapter belongs to. */
  readonly kind: string;
  readonly name: string;
  /** A cheap round trip that proves the broker answers; returns its version where the protocol tells it. */
  ping(): Promise<{ version: string | null }>;
  overview(): Promise<TOverview>;
  close(): Promise<void>;
}

export interface KafkaOverview {
  brokers: { nodeId: number; host: string; port: number }[];
  controllerId: number | null;
  clusterId: string;
  /** Topics whose names do not start with "__" (Kafka's internal topics are counted apart). */
  topicCount: number;
  internalTopicCount: number;
  partitionCount: number;
  consumerGroupCount: number;
}

export interface SqsQueueSummary {
  name: string;
  url: string;
  arn: string;
  visible: number;
  inFlight: number;
  delayed: number;
  fifo: boolean;
  /** ARN of this queue's dead-letter queue, from its RedrivePolicy. */
  deadLetterTargetArn: string | null;
  maxReceiveCount: number | null;
}

export interface SqsDeadLetterQueue {
  name: string;
  url: string;
  arn: string;
  depth: number;
  sourceQueues: string[];
}

export interface SqsOverview {
  queueCount: number;
  queues: SqsQueueSummary[];
  deadLetterQueues: SqsDeadLetterQueue[];
}

export class BrokerTimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} did not answer within ${ms} ms`);
    this.name = "BrokerTimeoutError";
  }
}

export async function withTimeout<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new BrokerTimeoutError(what, ms)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Who will receive copies replayed to a topic or queue; `exists: false` refuses the replay up front. */
export type ReplayAudience =
  | { target: string; exists: false; reason: string }
  /** Kafka: the consumer groups with committed offsets on the topic (every one of them gets a copy). */
  | { target: string; exists: true; kind: "groups"; groups: string[] }
  /** SQS: a queue has no consumer list; what it tells is how many messages its receivers hold right now. */
  | { target: string; exists: true; kind: "queue"; visible: number; inFlight: number }
  /**
   * RabbitMQ: the queues a copy published to the exchange with the routing key reaches, and their consumers.
   * `exact: false`: the exchange decides per message (headers) or the key is unknown, so these are candidates.
   */
  | { target: string; exists: true; kind: "queues"; exact: boolean; queues: { name: string; consumers: number; messagesReady: number }[] }
  /** NATS JetStream: the streams that store a copy published to the subject, and their consumers whose filter takes it. */
  | { target: string; exists: true; kind: "streams"; streams: { name: string; consumers: string[] }[] };

/** Dead letters the broker will delete within `withinMs` by retention. */
export interface ExpiringSoon {
  retentionMs: number | null;
  /** What retention counts from: Kafka the record timestamp, SQS the original enqueue time, RabbitMQ (message TTL) the time the message entered the DLQ. */
  countsFrom: "record timestamp" | "original enqueue time" | "time dead-lettered";
  withinMs: number;
  count: number;
  /** When the first of them goes (epoch ms), if any. */
  firstAtMs: number | null;
}

/** What replay asks of a broker without knowing which one it is. */
export interface ReplayCapabilities {
  /** Whether the target exists and who subscribes to it. */
  replayAudience(target: string): Promise<ReplayAudience>;
  /** Why a copy cannot be sent to the target (it does not exist), or null: the cheap check before every send. */
  missingTarget(target: string): Promise<string | null>;
  /**
   * Messages of a DLQ that retention removes within `withinMs`. `enqueuedAtMs`: the original enqueue times of
   * messages the caller already holds (an SQS snapshot); a broker that can count by itself ignores it.
   */
  expiringSoon(dlq: string, withinMs: number, enqueuedAtMs: number[] | null): Promise<ExpiringSoon>;
}
