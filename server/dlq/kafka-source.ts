import type { KafkaAdapter } from "~/server/brokers/kafka/kafka";
import { parseLogPosition } from "~/server/lib/message-id";
import { DomainError } from "~/server/lib/errors";
import { kafkaFailureGroups } from "./groups";
import { kafkaMessage, scanKafkaRecords } from "./kafka-dlq";
import { fromKafkaRecord, type RawDlqMessage } from "./messages";
import type { DlqSource } from "./source";
import { readableKafkaTopic } from "./topic-access";

/** A Kafka message id that is not partition:offset. */
export class BadLogPosition extends DomainError {
  readonly refusal = "invalid";
  constructor() {
    super("A Kafka message id is partition:offset.");
    this.name = "BadLogPosition";
  }
}

/** A Kafka message id as partition and offset (BadLogPosition otherwise). */
export function logPositionOf(id: string): { partition: number; offset: number } {
  const position = parseLogPosition(id);
  if (!position) throw new BadLogPosition();
  return position;
}

const FETCH_BYTES = 1024 * 1024;

/** The given Kafka records (partition:offset), read partition by partition in offset order; missing ones are skipped. */
async function* kafkaByIds(adapter: KafkaAdapter, topic: string, ids: string[]): AsyncGenerator<RawDlqMessage[]> {
  const byPartition = new Map<number, number[]>();
  for (const id of ids) {
    const position = parseLogPosition(id);
    if (!position) continue;
    const list = byPartition.get(position.partition) ?? [];
    list.push(position.offset);
    byPartition.set(position.partition, list);
  }
  const ranges = new Map((await adapter.topicOffsets(topic)).map((p) => [p.partition, p]));
  for (const [partition, list] of [...byPartition].sort((a, b) => a[0] - b[0])) {
    const range = ranges.get(partition);
    if (!range) continue;
    const offsets = [...new Set(list)].filter((o) => o >= range.logStartOffset && o < range.logEndOffset).sort((a, b) => a - b);
    const wanted = new Set(offsets);
    let i = 0;
    while (i < offsets.length) {
      const records = await adapter.readRecords(topic, partition, offsets[i]!, FETCH_BYTES);
      if (records.length === 0) {
        i += 1;
        continue;
      }
      const found = records.filter((r) => wanted.has(Number(r.offset))).map((r) => fromKafkaRecord(partition, r));
      const last = Number(records.at(-1)!.offset);
      while (i < offsets.length && offsets[i]! <= last) i += 1;
      if (found.length > 0) yield found;
    }
  }
}

/** A whole Kafka topic from log start to the end offsets taken when the export began, in multi-partition fetches. */
async function* kafkaAll(adapter: KafkaAdapter, topic: string): AsyncGenerator<RawDlqMessage[]> {
  const offsets = await adapter.topicOffsets(topic);
  const end = new Map(offsets.map((p) => [p.partition, p.logEndOffset]));
  const position = new Map(offsets.map((p) => [p.partition, p.logStartOffset]));
  for (;;) {
    const open = [...position].filter(([partition, offset]) => offset < (end.get(partition) ?? 0)).map(([partition, offset]) => ({ partition, offset }));
    if (open.length === 0) return;
    const batch = await adapter.readPartitions(topic, open, FETCH_BYTES);
    const out: RawDlqMessage[] = [];
    let progressed = false;
    for (const [partition, { records }] of batch) {
      const limit = end.get(partition) ?? 0;
      if (records.length === 0) continue;
      position.set(partition, Math.min(limit, Number(records.at(-1)!.offset) + 1));
      progressed = true;
      for (const record of records) if (Number(record.offset) < limit) out.push(fromKafkaRecord(partition, record));
    }
    if (!progressed) return;
    if (out.length > 0) yield out;
  }
}

/** A Kafka DLQ topic: read by offsets, without a consumer group; only known DLQs unless the caller may read any topic. */
export const kafkaDlqSource: DlqSource = {
  assertReadable: (deps, at) => void readableKafkaTopic(deps, at.connection, at.dlq),
  assertSearchable: () => undefined,
  async message(deps, at, id) {
    const position = logPositionOf(id);
    return kafkaMessage(readableKafkaTopic(deps, at.connection, at.dlq), at.dlq, position.partition, position.offset);
  },
  missing: (_at, id) => `No record at ${id} (deleted by retention?).`,
  groups: (deps, at, maxMessages) => kafkaFailureGroups(readableKafkaTopic(deps, at.connection, at.dlq), at.dlq, maxMessages),
  async scan(deps, at, sink) {
    const adapter = readableKafkaTopic(deps, at.connection, at.dlq);
    await scanKafkaRecords(adapter, at.dlq, sink.records, sink.stop, { onTotal: sink.total, afterBatch: sink.afterBatch });
  },
  async exportBatches(deps, at, ids) {
    const adapter = readableKafkaTopic(deps, at.connection, at.dlq);
    return { batches: ids ? kafkaByIds(adapter, at.dlq, ids) : kafkaAll(adapter, at.dlq), snapshotId: null };
  },
};
