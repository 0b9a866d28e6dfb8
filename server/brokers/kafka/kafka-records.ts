import type { RecordsBatch } from "@platformatic/kafka";

/** One record as read from a partition: what browse, search, export and replay see. */
export interface FetchedRecord {
  offset: string;
  /** Milliseconds since the epoch: the producer's time (CreateTime) or the broker's (LogAppendTime). */
  timestamp: string;
  timestampType: "CreateTime" | "LogAppendTime";
  key: Buffer | null;
  value: Buffer | null;
  /** Every header in the order the producer wrote them; a name may repeat. */
  headers: [string, Buffer | null][];
  /** Written in a transaction that was aborted: shown only when asked for, never replayed. */
  aborted: boolean;
}

/** The last value of a header, as Kafka clients' lastHeader() gives it (undefined when absent). */
export function lastHeader(record: Pick<FetchedRecord, "headers">, name: string): Buffer | null | undefined {
  for (let i = record.headers.length - 1; i >= 0; i -= 1) {
    const [key, value] = record.headers[i]!;
    if (key === name) return value;
  }
  return undefined;
}

// Record batch attribute bits (Kafka's DefaultRecordBatch).
const LOG_APPEND_TIME = 1 << 3;
const TRANSACTIONAL = 1 << 4;
const CONTROL = 1 << 5;
// A control record's key is (version int16, type int16); type 0 is ABORT, 1 is COMMIT.
const ABORT_MARKER = 0;

export interface PartitionData {
  records?: RecordsBatch[] | null;
  abortedTransactions: { producerId: bigint; firstOffset: bigint }[] | null;
}

export interface DecodedPartition<R = FetchedRecord> {
  records: R[];
  /** The offset after the last batch the broker returned (null: it returned none), hidden records included. */
  nextOffset: number | null;
}

type ClientRecord = RecordsBatch["records"][number];

/**
 * A record as the client decoded it, without turning it into a FetchedRecord: what a bulk copy needs (the
 * bytes as they are, header names as bytes too), at the cost of one small object per record.
 */
export interface RawRecord {
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  /** In the order the producer wrote them; a name may repeat. */
  headers: [Buffer | null, Buffer | null][];
}

/** Builds a caller's record from one visible record of a batch. */
export type RecordBuilder<R> = (batch: RecordsBatch, record: ClientRecord, offset: bigint, aborted: boolean) => R;

const toFetched: RecordBuilder<FetchedRecord> = (batch, record, offset, aborted) => {
  const logAppendTime = (batch.attributes & LOG_APPEND_TIME) !== 0;
  return {
    offset: String(offset),
    timestamp: String(logAppendTime ? batch.maxTimestamp : batch.firstTimestamp + record.timestampDelta),
    timestampType: logAppendTime ? "LogAppendTime" : "CreateTime",
    key: record.key,
    value: record.value,
    headers: record.headers.map(([name, value]) => [name?.toString("utf8") ?? "", value]),
    aborted,
  };
};

export const toRawRecord: RecordBuilder<RawRecord> = (_batch, record, offset) => ({ offset: Number(offset), key: record.key, value: record.value, headers: record.headers });

/**
 * The records of one partition's fetch response at or after `from`, as a read_committed consumer sees them:
 * control records (transaction markers) never appear, and records of aborted transactions are dropped
 * unless `includeAborted`, when they are kept and marked. Follows the Java consumer's rule: a producer's
 * transactional batches are aborted from the first offset the broker lists until its ABORT marker.
 */
export function decodePartition(data: PartitionData, from: number, includeAborted?: boolean): DecodedPartition;
export function decodePartition<R>(data: PartitionData, from: number, includeAborted: boolean, build: RecordBuilder<R>): DecodedPartition<R>;
export function decodePartition<R>(data: PartitionData, from: number, includeAborted = false, build?: RecordBuilder<R>): DecodedPartition<R | FetchedRecord> {
  const make: RecordBuilder<R | FetchedRecord> = build ?? toFetched;
  const pending = [...(data.abortedTransactions ?? [])].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0));
  const abortedProducers = new Set<bigint>();
  const records: (R | FetchedRecord)[] = [];
  let nextOffset: number | null = null;
  const start = BigInt(from);
  for (const batch of data.records ?? []) {
    const lastOffset = batch.firstOffset + BigInt(batch.lastOffsetDelta);
    nextOffset = Number(lastOffset) + 1;
    const transactional = (batch.attributes & TRANSACTIONAL) !== 0;
    while (pending.length > 0 && pending[0]!.firstOffset <= lastOffset) abortedProducers.add(pending.shift()!.producerId);
    if ((batch.attributes & CONTROL) !== 0) {
      const key = batch.records[0]?.key;
      if (transactional && key && key.length >= 4 && key.readInt16BE(2) === ABORT_MARKER) abortedProducers.delete(batch.producerId);
      continue;
    }
    const aborted = transactional && abortedProducers.has(batch.producerId);
    if (aborted && !includeAborted) continue;
    for (const record of batch.records) {
      const offset = batch.firstOffset + BigInt(record.offsetDelta);
      if (offset < start) continue; // a fetch returns whole batches
      records.push(make(batch, record, offset, aborted));
    }
  }
  return { records, nextOffset };
}

/**
 * The records of aborted transactions in a read_uncommitted fetch of the same range as a read_committed one
 * (the client drops aborted batches from read_committed responses): every data record below the committed
 * read's end that the committed read did not return, marked aborted, merged in offset order.
 */
export function withAbortedRecords(committed: DecodedPartition, uncommitted: PartitionData, from: number): DecodedPartition {
  const end = committed.nextOffset;
  if (end === null) return committed;
  const visible = new Set(committed.records.map((r) => r.offset));
  const everything = decodePartition({ records: uncommitted.records, abortedTransactions: null }, from, true).records;
  const aborted = everything.filter((r) => Number(r.offset) < end && !visible.has(r.offset)).map((r) => ({ ...r, aborted: true }));
  const records = [...committed.records, ...aborted].sort((a, b) => Number(a.offset) - Number(b.offset));
  return { records, nextOffset: end };
}

/**
 * The client reports a failure as nested AggregateErrors ("Listing topics failed." around "metadata failed
 * 2 times." around the socket errors): one Error whose message also names the root causes, e.g.
 * "Listing topics failed: connect ECONNREFUSED 127.0.0.1:1".
 */
export function explainKafkaError(error: unknown): unknown {
  if (!(error instanceof Error) || !(error instanceof AggregateError)) return error;
  const causes = new Set<string>();
  const visit = (current: unknown, depth: number) => {
    if (depth > 6) return;
    if (current instanceof AggregateError && current.errors.length > 0) for (const inner of current.errors) visit(inner, depth + 1);
    else if (current instanceof Error) causes.add(current.message);
    else causes.add(String(current));
  };
  visit(error, 0);
  const explained = new Error(`${error.message.replace(/\.$/, "")}: ${[...causes].join("; ")}`, { cause: error });
  explained.name = "KafkaError";
  return explained;
}
