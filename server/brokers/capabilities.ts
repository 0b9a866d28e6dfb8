/**
 * What a broker can do, named so that code asks "can this connection do X?" instead of "is it Kafka?".
 * Client-safe (no imports): components receive these per connection and ask `caps.includes(...)`.
 */
export const BROKER_CAPABILITIES = [
  /** Messages keep a position (partition:offset) and stay after being read: browse by offset, count by retention. */
  "log-with-offsets",
  /** A DLQ is browsed from a snapshot taken by receiving and releasing its messages (no offsets to page by). */
  "snapshot-browsing",
  /**
   * A DLQ is browsed live from its head, and reading changes the queue: messages are taken and returned (requeued,
   * marked redelivered), so the page says what a read changed and a search covers one browse window.
   */
  "live-browsing",
  /** The broker moves dead letters back to their source by itself (SQS StartMessageMoveTask, a RabbitMQ dynamic shovel where the plugin is enabled). */
  "native-move",
  /** A dead letter can be edited before it is replayed (when the connection allows it). */
  "edit",
  /**
   * The record key can be edited before a replay (Kafka: the key picks the partition, so a new key may move the copy
   * to another partition than the original's and out of that key's order).
   */
  "edit-key",
  /** Headers are an ordered list in which a name may repeat (Kafka record headers); an edit sends the whole list. */
  "repeated-headers",
  /** A dead letter can be resolved without a copy (Kafka: marked in the ledger, the record stays; SQS: deleted, kept in the ledger). */
  "discard",
  /** Filtered and whole-DLQ replay (and discard) as durable jobs: dry run, rate, canary, pause/resume/cancel. */
  "bulk-replay",
  /** Consumers are named groups with committed offsets: lag per group, the replay audience is those groups. */
  "consumer-groups",
  /**
   * After a crash the job counts its duplicates exactly (Kafka: it reads the target's end to see which copies
   * were written). Without it the count is an upper bound (SQS, RabbitMQ: a send or publish whose answer was
   * lost with the process may or may not have reached the broker), shown as "up to N".
   */
  "exact-duplicate-count",
  /**
   * Consumers are durable cursors on a stream read by sequence (NATS JetStream): lag per consumer (pending,
   * ack-pending, ack floor); dead letters are announced per consumer, not moved to a queue.
   */
  "stream-consumers",
  /** A connection may name a schema registry: keys and values in its wire format are decoded, diffed and re-encoded. */
  "schema-registry",
] as const;

export type BrokerCapability = (typeof BROKER_CAPABILITIES)[number];
