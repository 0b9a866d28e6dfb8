import { DiscardPolicy, JetStreamApiError, RetentionPolicy, StorageType, type StoredMsg, type StreamConfig } from "@nats-io/jetstream";
import type { MsgHdrs } from "@nats-io/transport-node";
import { advisorySubjects, decodeAdvisory, MAX_DELIVERIES_PREFIX, MSG_TERMINATED_PREFIX, type DeadLetterAdvisory } from "./advisory";
import type { NatsSession } from "./connection";
import { readExact, readFrom, streamInfo, toStream, type NatsStream, type ReadVia } from "./jetstream";

export interface CaptureLimits {
  /** Keep advisories this long (ms). */
  maxAgeMs: number;
  maxMessages: number;
  maxBytes: number;
}

export const DEFAULT_CAPTURE_LIMITS: CaptureLimits = { maxAgeMs: 30 * 24 * 3_600_000, maxMessages: 1_000_000, maxBytes: 256 * 1024 * 1024 };

export interface CapturePlan {
  name: string;
  /** Capture only these streams' dead letters; all streams when empty. */
  streams?: readonly string[];
  limits?: Partial<CaptureLimits>;
}

/** The stream Redrive creates to hold advisories: limits retention, file storage, oldest dropped first. Pure. */
export function captureStreamConfig(plan: CapturePlan): Partial<StreamConfig> & { name: string } {
  const limits = { ...DEFAULT_CAPTURE_LIMITS, ...plan.limits };
  return {
    name: plan.name,
    description: "Redrive: JetStream dead-letter advisories (MAX_DELIVERIES, MSG_TERMINATED)",
    subjects: advisorySubjects(plan.streams),
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_age: limits.maxAgeMs * 1_000_000,
    max_msgs: limits.maxMessages,
    max_bytes: limits.maxBytes,
    num_replicas: 1,
  };
}

/** An admin's explicit yes, recorded by the caller (audit): creating a stream changes the user's NATS account. */
export interface CaptureConsent {
  consentedBy: string;
}

export class CaptureConsentError extends Error {
  constructor() {
    super("creating the advisory capture stream needs an administrator's consent (consentedBy)");
    this.name = "CaptureConsentError";
  }
}

/** Another stream already captures (some of) these advisories: JetStream allows one stream per subject. */
export class CaptureOverlapError extends Error {
  constructor(readonly subjects: string[]) {
    super(`another stream already captures ${subjects.join(", ")}: name that stream as the advisory stream instead of creating one`);
    this.name = "CaptureOverlapError";
  }
}

/**
 * Creates the Redrive-owned capture stream. Never called implicitly: reading dead letters never creates
 * anything. Throws CaptureOverlapError where another stream already captures these advisories: name that
 * stream in the config instead.
 */
export async function createCaptureStream(session: Pick<NatsSession, "jsm">, plan: CapturePlan, consent: CaptureConsent): Promise<NatsStream> {
  if (!consent.consentedBy.trim()) throw new CaptureConsentError();
  const config = captureStreamConfig(plan);
  try {
    const info = await session.jsm.streams.add(config);
    return toStream(info);
  } catch (error) {
    // 10065: subjects overlap with an existing stream.
    if (error instanceof JetStreamApiError && error.code === 10065) throw new CaptureOverlapError(config.subjects ?? []);
    throw error;
  }
}

export type CaptureStatus =
  | { state: "missing"; name: string }
  /** Which advisories the stream catches: a user's stream may catch only one kind, or a subset of streams. */
  | { state: "ready"; stream: NatsStream; capturesMaxDeliveries: boolean; capturesTerminated: boolean };

/**
 * Whether two subject patterns can match a common subject: token by token, "*" matches any one token and
 * ">" any rest. Pure; used to tell which advisories a user's stream catches.
 */
export function subjectsIntersect(a: string, b: string): boolean {
  const x = a.split(".");
  const y = b.split(".");
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const p = x[i];
    const q = y[i];
    if (p === ">" || q === ">") return p !== undefined && q !== undefined;
    if (p === undefined || q === undefined) return false;
    if (p !== "*" && q !== "*" && p !== q) return false;
  }
  return true;
}

function covers(subjects: string[], prefix: string): boolean {
  return subjects.some((s) => subjectsIntersect(s, `${prefix}.*.*`));
}

export async function captureStatus(session: Pick<NatsSession, "jsm">, name: string): Promise<CaptureStatus> {
  try {
    const stream = await streamInfo(session.jsm, name);
    return { state: "ready", stream, capturesMaxDeliveries: covers(stream.subjects, MAX_DELIVERIES_PREFIX), capturesTerminated: covers(stream.subjects, MSG_TERMINATED_PREFIX) };
  } catch (error) {
    if (error instanceof JetStreamApiError && error.code === 10059) return { state: "missing", name };
    throw error;
  }
}

/** The original message, read back from its stream by the advisory's stream_seq. */
export type OriginalMessage =
  | { state: "present"; subject: string; headers: Record<string, string[]>; payload: Uint8Array; time: Date; readVia: ReadVia }
  /** Removed from the stream (retention, limits, a delete) or the stream is gone: only the advisory remains. */
  | { state: "gone"; reason: "removed-from-stream" | "stream-deleted" };

export interface DeadLetter {
  /** Stable key: the capture stream and the advisory's sequence in it. */
  key: string;
  captureSeq: number;
  advisory: DeadLetterAdvisory;
  original: OriginalMessage;
}

export interface DeadLetterPage {
  items: DeadLetter[];
  /** Advisory payloads that did not decode (sequence and why), so nothing is silently dropped. */
  undecodable: { captureSeq: number; reason: string }[];
  /** Where the next page starts; null at the end of the capture stream. */
  nextSeq: number | null;
}

export interface ReadDeadLettersOptions {
  captureStream: string;
  /** First capture-stream sequence to read (1 for the start). */
  fromSeq?: number;
  limit?: number;
  /** Only this stream's (and consumer's) dead letters. */
  stream?: string;
  consumer?: string;
  /** Messages read at most for one page (default 20 × limit). */
  maxScan?: number;
}

export function headerRecord(headers: MsgHdrs | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (!headers) return out;
  for (const name of headers.keys()) out[name] = headers.values(name);
  return out;
}

function filterSubject(stream?: string, consumer?: string): string {
  if (!stream) return consumer ? `$JS.EVENT.ADVISORY.CONSUMER.*.*.${consumer}` : ">";
  return `$JS.EVENT.ADVISORY.CONSUMER.*.${stream}.${consumer ?? "*"}`;
}

function isStreamNotFound(error: unknown): boolean {
  return error instanceof JetStreamApiError && error.code === 10059;
}

/** Reads one original message; stream info is cached per page (allow_direct decides how to read). */
async function original(session: Pick<NatsSession, "jsm" | "features">, advisory: DeadLetterAdvisory, streams: Map<string, NatsStream | null>): Promise<OriginalMessage> {
  if (!streams.has(advisory.stream)) {
    try {
      streams.set(advisory.stream, await streamInfo(session.jsm, advisory.stream));
    } catch (error) {
      if (!isStreamNotFound(error)) throw error;
      streams.set(advisory.stream, null);
    }
  }
  const stream = streams.get(advisory.stream);
  if (!stream) return { state: "gone", reason: "stream-deleted" };
  let read: { message: StoredMsg | null; via: ReadVia };
  try {
    read = await readExact(session, stream, advisory.streamSeq);
  } catch (error) {
    if (isStreamNotFound(error)) return { state: "gone", reason: "stream-deleted" };
    throw error;
  }
  const m = read.message;
  if (!m) return { state: "gone", reason: "removed-from-stream" };
  return { state: "present", subject: m.subject, headers: headerRecord(m.header), payload: m.data, time: m.time, readVia: read.via };
}

/**
 * One page of dead letters from the capture stream, oldest first, paged by the capture stream's sequence.
 * Each is joined with its original message, or marked gone with what the advisory said.
 */
export async function readDeadLetters(session: Pick<NatsSession, "jsm" | "features">, options: ReadDeadLettersOptions): Promise<DeadLetterPage> {
  const limit = Math.min(Math.max(options.limit ?? 50, 1), 500);
  const capture = await streamInfo(session.jsm, options.captureStream);
  const subject = filterSubject(options.stream, options.consumer);
  const streams = new Map<string, NatsStream | null>();
  const items: DeadLetter[] = [];
  const undecodable: DeadLetterPage["undecodable"] = [];
  let seq = Math.max(options.fromSeq ?? 1, capture.firstSeq, 1);
  // A user's stream may capture every advisory (naks, consumer changes): those are skipped, and a page
  // reads at most maxScan messages so it returns (with nextSeq) however few dead letters there are.
  const maxScan = options.maxScan ?? limit * 20;
  let scanned = 0;
  while (items.length + undecodable.length < limit && scanned < maxScan && seq <= capture.lastSeq) {
    const { message } = await readFrom(session, capture, seq, subject);
    if (!message) return { items, undecodable, nextSeq: null };
    seq = message.seq + 1;
    scanned++;
    if (!message.subject.startsWith(`${MAX_DELIVERIES_PREFIX}.`) && !message.subject.startsWith(`${MSG_TERMINATED_PREFIX}.`)) continue;
    const decoded = decodeAdvisory(message.data);
    if (!decoded.ok) {
      undecodable.push({ captureSeq: message.seq, reason: decoded.reason });
      continue;
    }
    items.push({ key: `${options.captureStream}:${message.seq}`, captureSeq: message.seq, advisory: decoded.advisory, original: await original(session, decoded.advisory, streams) });
  }
  return { items, undecodable, nextSeq: seq <= capture.lastSeq ? seq : null };
}

/** One dead letter by its capture sequence (for replay); null when the advisory itself has aged out. */
export async function readDeadLetter(session: Pick<NatsSession, "jsm" | "features">, captureStream: string, captureSeq: number): Promise<DeadLetter | null> {
  const capture = await streamInfo(session.jsm, captureStream);
  const { message } = await readExact(session, capture, captureSeq);
  if (!message) return null;
  const decoded = decodeAdvisory(message.data);
  if (!decoded.ok) return null;
  return { key: `${captureStream}:${captureSeq}`, captureSeq, advisory: decoded.advisory, original: await original(session, decoded.advisory, new Map()) };
}
