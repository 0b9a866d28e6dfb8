// Dead-letter headers written the way Spring Kafka's DeadLetterPublishingRecoverer writes them, so
// Redrive reads records from the demo exactly as it reads records from real Spring services.
//
//   kafka_dlt-original-partition   4-byte big-endian int
//   kafka_dlt-original-offset      8-byte big-endian long
//   kafka_dlt-original-timestamp   8-byte big-endian long (epoch millis)
//   everything else                UTF-8 string
//   x-attempts                     UTF-8 decimal: delivery attempts before dead-lettering (not a Spring header)

export const DLT = {
  topic: "kafka_dlt-original-topic",
  partition: "kafka_dlt-original-partition",
  offset: "kafka_dlt-original-offset",
  timestamp: "kafka_dlt-original-timestamp",
  timestampType: "kafka_dlt-original-timestamp-type",
  consumerGroup: "kafka_dlt-original-consumer-group",
  exceptionFqcn: "kafka_dlt-exception-fqcn",
  exceptionCauseFqcn: "kafka_dlt-exception-cause-fqcn",
  exceptionMessage: "kafka_dlt-exception-message",
  exceptionStacktrace: "kafka_dlt-exception-stacktrace",
  attempts: "x-attempts",
} as const;

export interface DltInfo {
  topic: string;
  partition: number;
  offset: string;
  /** Epoch millis as a decimal string (kafkajs style). */
  timestamp: string;
  timestampType?: "CreateTime" | "LogAppendTime";
  consumerGroup: string;
  exceptionClass: string;
  causeClass?: string;
  message: string;
  stacktrace: string;
  attempts: number;
}

export function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

export function int64(n: string | number | bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(n));
  return b;
}

export function buildDltHeaders(info: DltInfo): Record<string, Buffer> {
  return {
    [DLT.topic]: Buffer.from(info.topic, "utf8"),
    [DLT.partition]: int32(info.partition),
    [DLT.offset]: int64(info.offset),
    [DLT.timestamp]: int64(info.timestamp),
    [DLT.timestampType]: Buffer.from(info.timestampType ?? "CreateTime", "utf8"),
    [DLT.consumerGroup]: Buffer.from(info.consumerGroup, "utf8"),
    [DLT.exceptionFqcn]: Buffer.from(info.exceptionClass, "utf8"),
    [DLT.exceptionCauseFqcn]: Buffer.from(info.causeClass ?? info.exceptionClass, "utf8"),
    [DLT.exceptionMessage]: Buffer.from(info.message, "utf8"),
    [DLT.exceptionStacktrace]: Buffer.from(info.stacktrace, "utf8"),
    [DLT.attempts]: Buffer.from(String(info.attempts), "utf8"),
  };
}

type HeaderValue = Buffer | string | (Buffer | string)[] | undefined;

function buf(v: HeaderValue): Buffer | undefined {
  const one = Array.isArray(v) ? v[v.length - 1] : v;
  if (one === undefined) return undefined;
  return typeof one === "string" ? Buffer.from(one, "utf8") : one;
}

/** Reads the headers back (used by tests and fixtures to check what was written). */
export function parseDltHeaders(headers: Record<string, HeaderValue>): Partial<DltInfo> {
  const str = (k: string) => buf(headers[k])?.toString("utf8");
  const p = buf(headers[DLT.partition]);
  const o = buf(headers[DLT.offset]);
  const t = buf(headers[DLT.timestamp]);
  const attempts = str(DLT.attempts);
  return {
    topic: str(DLT.topic),
    partition: p?.length === 4 ? p.readInt32BE() : undefined,
    offset: o?.length === 8 ? o.readBigInt64BE().toString() : undefined,
    timestamp: t?.length === 8 ? t.readBigInt64BE().toString() : undefined,
    timestampType: str(DLT.timestampType) as DltInfo["timestampType"],
    consumerGroup: str(DLT.consumerGroup),
    exceptionClass: str(DLT.exceptionFqcn),
    causeClass: str(DLT.exceptionCauseFqcn),
    message: str(DLT.exceptionMessage),
    stacktrace: str(DLT.exceptionStacktrace),
    attempts: attempts === undefined ? undefined : Number(attempts),
  };
}

/** A Java-looking class name for a JS error, e.g. `demo.UnknownSchemaVersionError`. */
export function errorClassName(err: unknown): string {
  const name = err instanceof Error ? err.constructor.name || err.name : typeof err;
  return `demo.${name}`;
}
