import type { MessageIdCodec } from "~/server/lib/message-id";

/**
 * A JetStream "DLQ" is a dead-letter set: the messages one consumer of one stream gave up on (MAX_DELIVERIES,
 * MSG_TERMINATED). It is named "<stream>.<consumer>": neither a stream nor a consumer name may contain a dot,
 * so the first dot splits it unambiguously. Pure and client-safe.
 */
export interface DeadLetterSet {
  stream: string;
  consumer: string;
}

const NAME = /^[^.*>\s/\\]+$/;

export function deadLetterSetName(set: DeadLetterSet): string {
  return `${set.stream}.${set.consumer}`;
}

export function parseDeadLetterSet(name: string): DeadLetterSet | null {
  const dot = name.indexOf(".");
  if (dot < 0) return null;
  const stream = name.slice(0, dot);
  const consumer = name.slice(dot + 1);
  return NAME.test(stream) && NAME.test(consumer) ? { stream, consumer } : null;
}

/** A dead letter is named by its advisory's sequence in the capture stream (a positive integer). */
export const captureSeqIds: MessageIdCodec<number> = {
  shape: "capture-stream sequence",
  parse: (id) => (/^[1-9]\d{0,15}$/.test(id) && Number.isSafeInteger(Number(id)) ? Number(id) : null),
  format: (seq) => String(seq),
};
