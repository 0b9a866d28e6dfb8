import type { ConsumerInfo, JetStreamManager, StoredMsg, StreamInfo } from "@nats-io/jetstream";
import type { NatsSession } from "./connection";

export type Retention = "limits" | "interest" | "workqueue";

export interface NatsStream {
  name: string;
  subjects: string[];
  retention: Retention;
  storage: "file" | "memory";
  messages: number;
  bytes: number;
  /** 0 when the stream is empty (first_seq is then last_seq + 1). */
  firstSeq: number;
  lastSeq: number;
  firstTime: Date | null;
  lastTime: Date | null;
  consumerCount: number;
  /** Messages removed from inside the stream (deletes, work-queue acks out of order). */
  numDeleted: number;
  allowDirect: boolean;
  /** The window in which a repeated Nats-Msg-Id is dropped (replay relies on it). */
  duplicateWindowMs: number;
  /** max_age: messages older than this are removed (ms); null when unlimited. */
  maxAgeMs: number | null;
}

export interface SequencePair {
  consumerSeq: number;
  streamSeq: number;
  lastActive: Date | null;
}

export interface NatsConsumer {
  stream: string;
  name: string;
  durable: boolean;
  kind: "pull" | "push";
  /** Push consumers: a subscriber is bound to the deliver subject. */
  pushBound: boolean;
  filterSubjects: string[];
  ackPolicy: string;
  /** Messages not yet delivered: the lag. */
  numPending: number;
  numAckPending: number;
  numRedelivered: number;
  /** Pull requests waiting for messages. */
  numWaiting: number;
  delivered: SequencePair;
  /** The committed position: every message up to stream_seq is acknowledged (or ended). */
  ackFloor: SequencePair;
  /** The latest of the last delivery and the last acknowledgement. */
  lastActivity: Date | null;
  /** null: unlimited (-1). */
  maxDeliver: number | null;
  ackWaitMs: number;
  /** The server's clock when it answered (2.10+), else null. */
  serverTime: Date | null;
}

const NS_PER_MS = 1_000_000;

/** last_active is an RFC 3339 string on the wire (the client types it as nanos); the zero time means never. */
function time(value: unknown): Date | null {
  if (typeof value !== "string" || value.startsWith("0001-01-01")) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

function pair(raw: ConsumerInfo["delivered"] | undefined): SequencePair {
  return { consumerSeq: raw?.consumer_seq ?? 0, streamSeq: raw?.stream_seq ?? 0, lastActive: time(raw?.last_active) };
}

export function toStream(info: StreamInfo): NatsStream {
  const { config, state } = info;
  return {
    name: config.name,
    subjects: config.subjects ?? [],
    retention: config.retention as Retention,
    storage: config.storage as "file" | "memory",
    messages: state.messages,
    bytes: state.bytes,
    firstSeq: state.first_seq,
    lastSeq: state.last_seq,
    firstTime: state.messages > 0 ? time(state.first_ts) : null,
    lastTime: state.last_seq > 0 ? time(state.last_ts) : null,
    consumerCount: state.consumer_count,
    numDeleted: state.num_deleted ?? 0,
    allowDirect: config.allow_direct === true,
    duplicateWindowMs: Math.round((config.duplicate_window ?? 0) / NS_PER_MS),
    maxAgeMs: config.max_age ? Math.round(config.max_age / NS_PER_MS) : null,
  };
}

export function toConsumer(info: ConsumerInfo): NatsConsumer {
  const { config } = info;
  const delivered = pair(info.delivered);
  const ackFloor = pair(info.ack_floor);
  const times = [delivered.lastActive, ackFloor.lastActive].filter((d): d is Date => d !== null).map((d) => d.getTime());
  const filters = config.filter_subjects?.length ? config.filter_subjects : config.filter_subject ? [config.filter_subject] : [];
  return {
    stream: info.stream_name,
    name: info.name,
    durable: Boolean(config.durable_name),
    // A push consumer is one with a deliver subject; everything else is pulled.
    kind: config.deliver_subject ? "push" : "pull",
    pushBound: info.push_bound === true,
    filterSubjects: filters,
    ackPolicy: String(config.ack_policy),
    numPending: info.num_pending,
    numAckPending: info.num_ack_pending,
    numRedelivered: info.num_redelivered,
    numWaiting: info.num_waiting,
    delivered,
    ackFloor,
    lastActivity: times.length ? new Date(Math.max(...times)) : null,
    maxDeliver: config.max_deliver === undefined || config.max_deliver < 0 ? null : config.max_deliver,
    ackWaitMs: Math.round((config.ack_wait ?? 0) / NS_PER_MS),
    serverTime: time(info.ts),
  };
}

export async function listStreams(jsm: JetStreamManager): Promise<NatsStream[]> {
  const streams: NatsStream[] = [];
  for await (const info of jsm.streams.list()) streams.push(toStream(info));
  return streams.sort((a, b) => a.name.localeCompare(b.name));
}

export async function listConsumers(jsm: JetStreamManager, stream: string): Promise<NatsConsumer[]> {
  const consumers: NatsConsumer[] = [];
  for await (const info of jsm.consumers.list(stream)) consumers.push(toConsumer(info));
  return consumers.sort((a, b) => a.name.localeCompare(b.name));
}

export async function streamInfo(jsm: JetStreamManager, stream: string): Promise<NatsStream> {
  return toStream(await jsm.streams.info(stream));
}

export async function consumerInfo(jsm: JetStreamManager, stream: string, consumer: string): Promise<NatsConsumer> {
  return toConsumer(await jsm.consumers.info(stream, consumer));
}

/** How a message was read by sequence: direct get (allow_direct streams, any replica) or the leader's STREAM.MSG.GET. */
export type ReadVia = "direct-get" | "stream-msg-get";

/**
 * Reads the first message at or after `seq` whose subject matches `subject` (">" for any). next_by_subj also
 * steps over messages deleted inside the stream. Direct get only where the stream allows it: without
 * allow_direct nobody answers $JS.API.DIRECT.GET and the request only times out.
 */
export async function readFrom(session: Pick<NatsSession, "jsm" | "features">, stream: Pick<NatsStream, "name" | "allowDirect">, seq: number, subject = ">"): Promise<{ message: StoredMsg | null; via: ReadVia }> {
  const request = { seq, next_by_subj: subject };
  if (stream.allowDirect && session.features.directGet) return { message: await session.jsm.direct.getMessage(stream.name, request), via: "direct-get" };
  // STREAM.MSG.GET takes next_by_subj too (checked on 2.9.10); the client's type only names seq/last_by_subj.
  return { message: await session.jsm.streams.getMessage(stream.name, request as unknown as { seq: number }), via: "stream-msg-get" };
}

/** Reads exactly one sequence; null when it is no longer in the stream. */
export async function readExact(session: Pick<NatsSession, "jsm" | "features">, stream: Pick<NatsStream, "name" | "allowDirect">, seq: number): Promise<{ message: StoredMsg | null; via: ReadVia }> {
  if (stream.allowDirect && session.features.directGet) return { message: await session.jsm.direct.getMessage(stream.name, { seq }), via: "direct-get" };
  return { message: await session.jsm.streams.getMessage(stream.name, { seq }), via: "stream-msg-get" };
}

export interface ConsumerLag {
  consumer: NatsConsumer;
  /** num_pending: messages the consumer has not been given yet. */
  lag: number;
  /** Age of the oldest unacknowledged message (seconds); 0 when caught up; null when it cannot be read. */
  lagSeconds: number | null;
  /**
   * caught-up: nothing pending or awaiting an ack. message-time: from the oldest unacknowledged message's
   * stream time. no-message: nothing readable after the ack floor (removed by retention or limits).
   */
  basis: "caught-up" | "message-time" | "no-message";
  /** The message the seconds come from, and how it was read. */
  oldestSeq: number | null;
  oldestTime: Date | null;
  readVia: ReadVia | null;
  /** Whose clock "now" is: the server's consumer-info ts (2.10+) or Redrive's. */
  clock: "server" | "redrive";
}

/**
 * Lag and lag in seconds, the Kafka way: the stream sequence is the offset, the ack floor the committed
 * position. The oldest unacknowledged message is the first one after ack_floor.stream_seq that the consumer
 * filters for; its stream time against now is the lag in seconds.
 *
 * On 2.9 a message that reached max_deliver (or was terminated) is never acknowledged, so it holds the ack
 * floor (measured: ack_floor.stream_seq stays 0 behind a dead seq 1). With nothing awaiting an ack the reading
 * starts after the last delivery instead, so a dead message does not count; while other messages await an ack
 * it may still count from a dead one below them (consumer info cannot tell dead from unacknowledged).
 */
export async function consumerLag(session: Pick<NatsSession, "jsm" | "features">, stream: NatsStream, consumer: NatsConsumer, now: Date = new Date()): Promise<ConsumerLag> {
  const clock = consumer.serverTime ? "server" : "redrive";
  const at = consumer.serverTime ?? now;
  const base = { consumer, lag: consumer.numPending, clock } as const;
  if (consumer.numPending === 0 && consumer.numAckPending === 0) {
    return { ...base, lagSeconds: 0, basis: "caught-up", oldestSeq: null, oldestTime: null, readVia: null };
  }
  // Several filter subjects (2.10+) cannot go in one next_by_subj: read the next message of any subject.
  const subject = consumer.filterSubjects.length === 1 ? consumer.filterSubjects[0]! : ">";
  // With nothing awaiting an ack, everything up to the last delivery is acknowledged or dead: the oldest
  // outstanding message comes after it. This steps over dead messages that hold the ack floor on 2.9.
  const settled = consumer.numAckPending === 0 ? consumer.delivered.streamSeq : consumer.ackFloor.streamSeq;
  const from = Math.max(settled + 1, stream.firstSeq);
  const { message, via } = await readFrom(session, stream, from, subject);
  if (!message) return { ...base, lagSeconds: null, basis: "no-message", oldestSeq: null, oldestTime: null, readVia: via };
  const seconds = Math.max(0, (at.getTime() - message.time.getTime()) / 1000);
  return { ...base, lagSeconds: seconds, basis: "message-time", oldestSeq: message.seq, oldestTime: message.time, readVia: via };
}
