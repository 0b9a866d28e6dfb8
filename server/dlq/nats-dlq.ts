import type { NatsAdapter } from "~/server/brokers/nats/adapter";
import type { CaptureStatus, DeadLetter } from "~/server/brokers/nats/capture";
import { captureSeqIds, parseDeadLetterSet } from "~/server/brokers/nats/names";
import { DomainError, NotFound } from "~/server/lib/errors";
import { emptyFailure, type FailureInfo } from "./failure";
import { FailureGroupAggregator, type FailureGroup } from "./groups";
import type { RawDlqMessage } from "./messages";

/** Dead letters read at most for failure groups and a search (each is an advisory read plus its original's). */
export const NATS_SCAN_WINDOW = 5_000;

/** A NATS DLQ that cannot be read as asked: the reason is the page's (a 412), not a 500. */
export class NatsDeadLettersUnavailable extends DomainError {
  readonly refusal = "precondition";
  constructor(reason: string) {
    super(reason);
    this.name = "NatsDeadLettersUnavailable";
  }
}

const ADVISORY_NAMES = { "max-deliveries": "MAX_DELIVERIES", terminated: "MSG_TERMINATED" } as const;

/** The advisory in the broker-neutral failure shape: the origin is the original's subject, the "exception" the advisory kind. */
export function natsFailureInfo(dead: DeadLetter): FailureInfo {
  const { advisory, original } = dead;
  const subject = original.state === "present" ? original.subject : null;
  return {
    ...emptyFailure(),
    convention: "jetstream",
    originTopic: subject,
    originOffset: advisory.streamSeq,
    originTimestampMs: original.state === "present" ? original.time.getTime() : null,
    sourceQueue: advisory.stream,
    consumerGroup: advisory.consumer,
    exceptionClass: ADVISORY_NAMES[advisory.kind],
    message:
      advisory.reason ??
      (advisory.kind === "max-deliveries" ? `not acknowledged after ${advisory.deliveries} deliveries (max_deliver)` : `terminated by the consumer after ${advisory.deliveries} deliveries`),
    attempts: advisory.deliveries,
    nats: {
      advisory: advisory.kind,
      advisoryId: advisory.id,
      stream: advisory.stream,
      consumer: advisory.consumer,
      streamSeq: advisory.streamSeq,
      deliveries: advisory.deliveries,
      reason: advisory.reason,
      subject,
      original: original.state === "present" ? "present" : original.reason,
      readVia: original.state === "present" ? original.readVia : null,
    },
  };
}

/**
 * A JetStream dead letter in the shape every DLQ view renders. Its id is the advisory's capture-stream sequence,
 * its offset the original's stream sequence, its time when the server gave up on it (the advisory's). A message
 * gone from its stream has no value or headers: only what the advisory said.
 */
export function fromDeadLetter(dead: DeadLetter): RawDlqMessage {
  const entries: [string, Uint8Array | null][] =
    dead.original.state === "present" ? Object.entries(dead.original.headers).flatMap(([name, values]) => values.map((v) => [name, Buffer.from(v, "utf8")] as [string, Uint8Array])) : [];
  return {
    id: captureSeqIds.format(dead.captureSeq),
    partition: null,
    offset: dead.advisory.streamSeq,
    timestampMs: dead.advisory.timestamp.getTime(),
    key: null,
    value: dead.original.state === "present" ? dead.original.payload : null,
    headers: new Map(entries),
    headerEntries: entries,
    failure: natsFailureInfo(dead),
  };
}

function missingCapture(capture: Extract<CaptureStatus, { state: "missing" }>, connection: string): string {
  return `No advisory capture stream "${capture.name}" on "${connection}": dead letters are not recorded. Create it with advisoryCapture.create: true in redrive.yaml (an administrator's consent), or name a stream that captures $JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.> as advisoryCapture.stream.`;
}

export interface NatsPage {
  messages: RawDlqMessage[];
  /** Capture-stream sequence the next page starts at; null at the end. */
  nextSeq: number | null;
  /** Advisories that did not decode, so none is dropped silently. */
  undecodable: { captureSeq: number; reason: string }[];
  captureStream: string;
  /** What the server cannot tell on this version (e.g. no +TERM reason before 2.10.4). */
  missingFeatures: string[];
}

/** Resolves the set name or answers 404 for what cannot be one. */
function requireSet(dlq: string): void {
  if (!parseDeadLetterSet(dlq)) throw new NotFound(`"${dlq}" is not a JetStream consumer's dead letters (stream.consumer).`);
}

/** One page of a consumer's dead letters, oldest first, each with its original read back by stream sequence. */
export async function natsPage(adapter: NatsAdapter, dlq: string, fromSeq: number, limit: number): Promise<NatsPage> {
  requireSet(dlq);
  const page = await adapter.deadLetters(dlq, fromSeq, limit);
  if (page.capture.state === "missing") throw new NatsDeadLettersUnavailable(missingCapture(page.capture, adapter.name));
  return {
    messages: page.items.map(fromDeadLetter),
    nextSeq: page.nextSeq,
    undecodable: page.undecodable,
    captureStream: page.capture.stream.name,
    missingFeatures: (await adapter.features()).missing,
  };
}

/** One dead letter by its capture sequence; null when it is not this consumer's or has aged out of the capture stream. */
export async function natsMessage(adapter: NatsAdapter, dlq: string, id: string): Promise<DeadLetter | null> {
  requireSet(dlq);
  const seq = captureSeqIds.parse(id);
  if (seq === null) throw new NotFound(`A JetStream dead letter is named by its ${captureSeqIds.shape} (a positive integer), not "${id}".`);
  return adapter.deadLetter(dlq, seq);
}

/** Every dead letter of the set up to `max`, in capture order (failure groups, search, export). */
export async function natsScan(adapter: NatsAdapter, dlq: string, max: number, each: (message: RawDlqMessage) => boolean | void): Promise<{ scanned: number; reachedEnd: boolean }> {
  let from = 1;
  let scanned = 0;
  for (;;) {
    const page = await natsPage(adapter, dlq, from, Math.min(500, max - scanned));
    for (const message of page.messages) {
      scanned++;
      if (each(message) === false) return { scanned, reachedEnd: false };
    }
    if (page.nextSeq === null) return { scanned, reachedEnd: true };
    if (scanned >= max) return { scanned, reachedEnd: false };
    from = page.nextSeq;
  }
}

/** Failure groups over the set's first NATS_SCAN_WINDOW dead letters: by subject, advisory kind and reason. */
export async function natsFailureGroups(adapter: NatsAdapter, dlq: string, maxMessages: number): Promise<{ groups: FailureGroup[]; scanned: number; retained: number }> {
  const aggregator = new FailureGroupAggregator(Date.now());
  const { scanned } = await natsScan(adapter, dlq, Math.min(maxMessages, NATS_SCAN_WINDOW), (message) => void aggregator.add(message));
  return { groups: aggregator.result(), scanned, retained: scanned };
}

export type { FailureGroup };
