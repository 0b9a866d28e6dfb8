import type { KafkaAdapter } from "~/server/brokers/kafka/kafka";
import { failureGroupKey } from "./failure";
import { scanKafkaTopic } from "./kafka-dlq";
import type { RawDlqMessage } from "./messages";
import { schemaIdOf } from "./schema-decoding";

export interface FailureGroup {
  /** Unique per row: the fingerprint, and the schema id when grouped by schema. */
  key: string;
  fingerprint: string;
  /** Grouped by schema: the schema id the group's values were written with (null: not schema-encoded). */
  schemaId: number | null;
  origin: string;
  exceptionClass: string;
  /** The error message with ids, numbers and quoted values normalised. */
  pattern: string;
  /** One real message of the group, as written. */
  example: string | null;
  consumerGroup: string | null;
  count: number;
  firstSeenMs: number;
  lastSeenMs: number;
  /** Messages per hour over the last 24 hours, oldest first. */
  hourly: number[];
}

const HOURS = 24;

export class FailureGroupAggregator {
  private readonly groups = new Map<string, FailureGroup>();
  /** `bySchema`: one group per failure and schema id ("312 written with schema 17 fail since 10:42"). */
  constructor(
    private readonly now: number,
    private readonly bySchema = false,
  ) {}

  add(message: RawDlqMessage): void {
    const key = failureGroupKey(message.failure);
    const schemaId = this.bySchema ? schemaIdOf(message) : null;
    const rowKey = this.bySchema ? `${key.fingerprint}:${schemaId ?? "-"}` : key.fingerprint;
    let group = this.groups.get(rowKey);
    if (!group) {
      group = {
        key: rowKey,
        fingerprint: key.fingerprint,
        schemaId,
        origin: key.origin,
        exceptionClass: key.exceptionClass,
        pattern: key.normalisedMessage,
        example: message.failure?.message?.split("\n")[0] ?? null,
        consumerGroup: message.failure?.consumerGroup ?? null,
        count: 0,
        firstSeenMs: message.timestampMs,
        lastSeenMs: message.timestampMs,
        hourly: new Array<number>(HOURS).fill(0),
      };
      this.groups.set(rowKey, group);
    }
    group.count += 1;
    group.firstSeenMs = Math.min(group.firstSeenMs, message.timestampMs);
    group.lastSeenMs = Math.max(group.lastSeenMs, message.timestampMs);
    const hoursAgo = Math.floor((this.now - message.timestampMs) / 3_600_000);
    if (hoursAgo >= 0 && hoursAgo < HOURS) group.hourly[HOURS - 1 - hoursAgo]! += 1;
  }

  result(): FailureGroup[] {
    return [...this.groups.values()].sort((a, b) => b.count - a.count || b.lastSeenMs - a.lastSeenMs);
  }
}

/** Failure groups of a Kafka DLQ topic over (at most) its newest `maxMessages` records. */
export async function kafkaFailureGroups(
  adapter: KafkaAdapter,
  topic: string,
  maxMessages: number,
  bySchema = false,
): Promise<{ groups: FailureGroup[]; scanned: number; retained: number }> {
  const offsets = await adapter.topicOffsets(topic);
  const retained = offsets.reduce((sum, p) => sum + (p.logEndOffset - p.logStartOffset), 0);
  const share = Math.ceil(maxMessages / Math.max(1, offsets.length));
  const fromOffsets = new Map(offsets.map((p) => [p.partition, Math.max(p.logStartOffset, p.logEndOffset - share)]));
  const aggregator = new FailureGroupAggregator(Date.now(), bySchema);
  let scanned = 0;
  await scanKafkaTopic(
    adapter,
    topic,
    (message) => {
      scanned += 1;
      aggregator.add(message);
    },
    () => false,
    { fromOffsets },
  );
  return { groups: aggregator.result(), scanned, retained };
}
