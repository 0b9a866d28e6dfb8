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
  /** SNS subscriptions whose RedrivePolicy names this queue: "DLQ of subscription X of topic T". */
  sourceSubscriptions: { arn: string; topic: string; label: string }[];
}

/** One SNS subscription with the attributes that decide its delivery (GetSubscriptionAttributes). */
export interface SnsSubscriptionSummary {
  arn: string;
  topicArn: string;
  topic: string;
  /** "subscription <id> of topic <topic>". */
  label: string;
  /** sqs, lambda, https, email…; an SQS subscriber's endpoint is its queue's ARN. */
  protocol: string;
  endpoint: string;
  rawMessageDelivery: boolean;
  filterPolicy: string | null;
  filterPolicyScope: string | null;
  redrivePolicy: string | null;
  /** The subscription's dead-letter queue; null: a failed delivery is dropped (SNS's advice: always configure one). */
  deadLetterTargetArn: string | null;
  pendingConfirmation: boolean;
}

export interface SnsTopicSummary {
  arn: string;
  name: string;
  subscriptions: SnsSubscriptionSummary[];
}

export interface SqsOverview {
  queueCount: number;
  queues: SqsQueueSummary[];
  deadLetterQueues: SqsDeadLetterQueue[];
  /** SNS topics beside the queues; null when the connection has no `sns:` (or SNS did not answer: snsError). */
  topics: SnsTopicSummary[] | null;
  snsError: string | null;
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
  /**
   * What a bulk replay changes on the DLQ besides the messages it replays, in words for the UI (its dry run's
   * read, and its batches' reads); absent or null where reading changes nothing (Kafka) or is said elsewhere.
   */
  bulkReplayEffects?(dlq: string): Promise<BulkReplayEffects | null>;
}

/** Whether a DLQ can be moved back whole by the broker itself, how and where to, in words for the UI. */
export type NativeMovePlan =
  | {
      available: true;
      /** How: "SQS's move task (StartMessageMoveTask)", "a RabbitMQ dynamic shovel". */
      method: string;
      /** Where the messages go, in words ("each message's source queue", a queue name). */
      destination: string;
      /** The one queue they all go to, where there is one (a RabbitMQ shovel's); null: each message's own source. */
      target: string | null;
      /** Messages in the DLQ now (what the move will take, roughly). */
      depth: number;
      /** The highest rate the broker's move takes, or null when it takes no rate limit. */
      maxRatePerSecond: number | null;
      /** What it does and does not do (no dry run, canary, ledger), for the confirmation. */
      description: string;
    }
  | { available: false; method: string; reason: string };

/** A native move's progress as the broker reports it. */
export interface NativeMoveStatus {
  status: "RUNNING" | "COMPLETED" | "CANCELLED" | "FAILED" | (string & {});
  moved: number;
  toMove: number | null;
  failureReason: string | null;
}

/**
 * A broker's own "move the whole DLQ back, unfiltered" (the native-move capability): SQS StartMessageMoveTask,
 * a RabbitMQ dynamic shovel. Redrive starts it once, keeps its handle, mirrors its progress, and can cancel it.
 */
export interface NativeMove {
  nativeMovePlan(dlq: string): Promise<NativeMovePlan>;
  startNativeMove(dlq: string, options: { ratePerSecond: number | null }): Promise<{ handle: string; total: number }>;
  /** Null when the broker no longer knows the task. `total`: what the job counted at the start. */
  nativeMoveStatus(dlq: string, handle: string, total: number): Promise<NativeMoveStatus | null>;
  cancelMoveTask(handle: string): Promise<void>;
}

/** Whether an adapter offers a native move (ask the registry's native-move capability first). */
export function offersNativeMove(adapter: object | undefined): adapter is NativeMove {
  const candidate = adapter as Partial<NativeMove> | undefined;
  return typeof candidate?.nativeMovePlan === "function" && typeof candidate.startNativeMove === "function" && typeof candidate.cancelMoveTask === "function";
}

/** What a bulk replay's dry run and its job change on a DLQ they read, in words for the UI. */
export interface BulkReplayEffects {
  dryRun: string;
  job: string;
}
