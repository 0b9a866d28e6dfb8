import { JetStreamApiError } from "@nats-io/jetstream";
import { NotFound } from "~/server/lib/errors";
import { expiringFromEnqueueTimes } from "../shared/retention";
import type { BrokerAdapter, BulkReplayEffects, ExpiringSoon, ReplayAudience, ReplayCapabilities } from "../types";
import { MAX_DELIVERIES_PREFIX, MSG_TERMINATED_PREFIX } from "./advisory";
import { captureStatus, createCaptureStream, readDeadLetter, readDeadLetters, subjectsIntersect, type CaptureStatus, type DeadLetter, type DeadLetterPage } from "./capture";
import type { NatsConnectionConfig } from "./config";
import { openNats, type NatsSession } from "./connection";
import { consumerLag, listConsumers, listStreams, type ConsumerLag, type NatsConsumer, type NatsStream } from "./jetstream";
import { parseDeadLetterSet, type DeadLetterSet } from "./names";
import { replayOne, type ReplayOneResult } from "./replay";
import type { ServerFeatures } from "./version";

export interface NatsOverview {
  version: string | null;
  /** What this server cannot do (version-dependent), one line each. */
  missingFeatures: string[];
  streams: NatsStream[];
  consumers: NatsConsumer[];
  capture: CaptureStatus;
}

/** One consumer as the collector stores it: its info, lag (null where reading the oldest message failed) and captured dead letters. */
export interface NatsConsumerSnapshot {
  consumer: NatsConsumer;
  lag: ConsumerLag | null;
  /** Advisories captured for this consumer (MAX_DELIVERIES + MSG_TERMINATED); null without a capture stream. */
  deadLetters: number | null;
}

export interface NatsSnapshot {
  streams: NatsStream[];
  consumers: NatsConsumerSnapshot[];
  capture: CaptureStatus;
  features: ServerFeatures;
}

/** A dead-letter set's audience: the streams that store a copy published to the subject, and their consumers whose filter takes it. */
export type NatsReplayAudience = Extract<ReplayAudience, { exists: false } | { kind: "streams" }>;

const PUBLISHABLE = /^[^\s*>.]+(\.[^\s*>.]+)*$/;
/** Dead letters read at most for an expiry count (each is one message read on the server). */
const EXPIRY_WINDOW = 500;

/** Whether a consumer takes messages on `subject` (no filter: all of its stream's subjects). */
function consumerTakes(consumer: NatsConsumer, subject: string): boolean {
  return consumer.filterSubjects.length === 0 || consumer.filterSubjects.some((filter) => subjectsIntersect(filter, subject));
}

/**
 * The NATS JetStream plugin's adapter: one connection (opened on first use, replaced when it closes) for the
 * JetStream API, dead letters from the advisory capture stream, and replay by republishing with a PubAck.
 */
export class NatsAdapter implements BrokerAdapter<NatsOverview>, ReplayCapabilities {
  readonly kind = "nats" as const;
  readonly name: string;
  private session: Promise<NatsSession> | null = null;

  constructor(readonly config: NatsConnectionConfig) {
    this.name = config.name;
  }

  /** The open session; a failed or closed one is replaced on the next call. */
  open(): Promise<NatsSession> {
    if (!this.session) {
      const opening = openNats(this.config);
      this.session = opening;
      opening.then(
        (session) => {
          void session.nc.closed().then(() => {
            if (this.session === opening) this.session = null;
          });
        },
        () => {
          if (this.session === opening) this.session = null;
        },
      );
    }
    return this.session;
  }

  async ping(): Promise<{ version: string | null }> {
    const session = await this.open();
    // $JS.API.INFO: proves JetStream answers for this account, not only the server.
    await session.jsm.getAccountInfo();
    return { version: session.version?.text ?? null };
  }

  async features(): Promise<ServerFeatures> {
    return (await this.open()).features;
  }

  async overview(): Promise<NatsOverview> {
    const session = await this.open();
    const streams = await listStreams(session.jsm);
    const consumers = (await Promise.all(streams.map((s) => listConsumers(session.jsm, s.name)))).flat();
    return { version: session.version?.text ?? null, missingFeatures: session.features.missing, streams, consumers, capture: await captureStatus(session, this.config.advisoryCapture.stream) };
  }

  /**
   * Creates the capture stream when the config consents (advisoryCapture.create) and it is missing. Advisories are
   * not kept by the server: a dead letter announced while no stream captures it is lost, so this runs on every
   * sample. Returns the status after the attempt.
   */
  async ensureCapture(): Promise<CaptureStatus> {
    const session = await this.open();
    const { stream, create, streams, maxAgeDays } = this.config.advisoryCapture;
    const status = await captureStatus(session, stream);
    if (status.state === "ready" || !create) return status;
    await createCaptureStream(session, { name: stream, streams, limits: { maxAgeMs: maxAgeDays * 86_400_000 } }, { consentedBy: `redrive.yaml nats "${this.name}" advisoryCapture.create` });
    return captureStatus(session, stream);
  }

  /** Advisories captured per stream and consumer, from the capture stream's per-subject counts (one request). */
  private async deadLetterCounts(session: NatsSession, capture: CaptureStatus): Promise<Map<string, number> | null> {
    if (capture.state !== "ready") return null;
    const info = await session.jsm.streams.info(capture.stream.name, { subjects_filter: "$JS.EVENT.ADVISORY.CONSUMER.>" });
    const counts = new Map<string, number>();
    for (const [subject, n] of Object.entries(info.state.subjects ?? {})) {
      const prefix = [MAX_DELIVERIES_PREFIX, MSG_TERMINATED_PREFIX].find((p) => subject.startsWith(`${p}.`));
      if (!prefix) continue;
      const key = subject.slice(prefix.length + 1);
      counts.set(key, (counts.get(key) ?? 0) + n);
    }
    return counts;
  }

  /** Everything the collector stores: streams, consumers with lag, and dead letters counted per consumer. */
  async snapshot(now = new Date()): Promise<NatsSnapshot> {
    const session = await this.open();
    const capture = await this.ensureCapture();
    const streams = await listStreams(session.jsm);
    const counts = await this.deadLetterCounts(session, capture);
    const consumers = await Promise.all(
      streams.map(async (stream) => {
        const list = await listConsumers(session.jsm, stream.name).catch((error: unknown) => {
          // A stream deleted between the list and its consumers: nothing to sample.
          if (error instanceof JetStreamApiError && error.code === 10059) return [];
          throw error;
        });
        return Promise.all(
          list.map(async (consumer) => ({
            consumer,
            // A message read that fails (e.g. removed meanwhile) leaves the seconds unknown, not the sample failed.
            lag: await consumerLag(session, stream, consumer, now).catch(() => null),
            deadLetters: counts ? (counts.get(`${stream.name}.${consumer.name}`) ?? 0) : null,
          })),
        );
      }),
    );
    return { streams, consumers: consumers.flat(), capture, features: session.features };
  }

  private requireSet(dlq: string): DeadLetterSet {
    const set = parseDeadLetterSet(dlq);
    if (!set) throw new Error(`"${dlq}" is not a JetStream dead-letter set (stream.consumer).`);
    return set;
  }

  /** One page of a consumer's dead letters, oldest first, each with its original read back by stream sequence. */
  async deadLetters(dlq: string, fromSeq: number, limit: number): Promise<DeadLetterPage & { capture: CaptureStatus }> {
    const session = await this.open();
    const set = this.requireSet(dlq);
    const capture = await captureStatus(session, this.config.advisoryCapture.stream);
    if (capture.state !== "ready") return { items: [], undecodable: [], nextSeq: null, capture };
    try {
      const page = await readDeadLetters(session, { captureStream: capture.stream.name, fromSeq, limit, stream: set.stream, consumer: set.consumer });
      return { ...page, capture };
    } catch (error) {
      // The capture stream deleted between the status and the read.
      if (error instanceof JetStreamApiError && error.code === 10059) throw new NotFound(`The capture stream "${capture.stream.name}" on "${this.name}" is gone.`);
      throw error;
    }
  }

  /** The capture stream's last sequence (where dead letters recorded from now on start), or null without one. */
  async captureLastSeq(): Promise<number | null> {
    const capture = await captureStatus(await this.open(), this.config.advisoryCapture.stream);
    return capture.state === "ready" ? capture.stream.lastSeq : null;
  }

  /** One dead letter of the set by its capture sequence; null when it is not there (aged out, or another set's). */
  async deadLetter(dlq: string, captureSeq: number): Promise<DeadLetter | null> {
    const session = await this.open();
    const set = this.requireSet(dlq);
    const dead = await readDeadLetter(session, this.config.advisoryCapture.stream, captureSeq).catch((error: unknown) => {
      if (error instanceof JetStreamApiError && error.code === 10059) return null;
      throw error;
    });
    if (!dead || dead.advisory.stream !== set.stream || dead.advisory.consumer !== set.consumer) return null;
    return dead;
  }

  /** Republishes one dead letter (server/brokers/nats/replay.ts): Nats-Msg-Id = replayId, reported only after the PubAck. */
  async replayOne(deadLetter: DeadLetter, options: { replayId: string; replayCount?: number; subject?: string; deleteOriginal?: boolean }): Promise<ReplayOneResult> {
    return replayOne(await this.open(), { deadLetter, ...options });
  }

  /** The streams that store a copy published to `subject`, each with the consumers whose filter takes it. */
  /** What a bulk replay of a consumer's dead letters changes on the server (the same for every consumer). */
  async bulkReplayEffects(): Promise<BulkReplayEffects> {
    return {
      dryRun: "The dry run reads the consumer's dead letters from the capture stream and each original from its stream by sequence; nothing on the server changes.",
      job:
        "Each chosen dead letter's original is published again to its subject (or the chosen one) with Nats-Msg-Id = its replay id, so the stream's " +
        "duplicate window drops a repeat, and is marked replayed after the PubAck. The dead letters stay in the capture stream and the originals in " +
        "their streams; an original gone from its stream is skipped.",
    };
  }

  async replayAudience(subject: string): Promise<NatsReplayAudience> {
    if (!PUBLISHABLE.test(subject)) return { target: subject, exists: false, reason: `"${subject}" is not a publishable subject (no wildcards, spaces or empty tokens).` };
    const session = await this.open();
    const streams = (await listStreams(session.jsm)).filter((s) => s.subjects.some((pattern) => subjectsIntersect(pattern, subject)));
    if (streams.length === 0) return { target: subject, exists: false, reason: `No stream on "${this.name}" captures subject "${subject}": a copy would not be stored.` };
    return {
      target: subject,
      exists: true,
      kind: "streams",
      streams: await Promise.all(
        streams.map(async (s) => ({
          name: s.name,
          consumers: (await listConsumers(session.jsm, s.name)).filter((c) => consumerTakes(c, subject)).map((c) => c.name),
        })),
      ),
    };
  }

  async missingTarget(subject: string): Promise<string | null> {
    const audience = await this.replayAudience(subject);
    return audience.exists ? null : audience.reason;
  }

  /**
   * Dead letters whose original message the source stream's max_age removes within `withinMs` (counted from the
   * message's stream time), over the set's first EXPIRY_WINDOW dead letters. Limits on count or bytes remove
   * messages too, but when depends on what is published next: not counted.
   */
  async expiringSoon(dlq: string, withinMs: number): Promise<ExpiringSoon> {
    const session = await this.open();
    const set = this.requireSet(dlq);
    const stream = (await listStreams(session.jsm)).find((s) => s.name === set.stream);
    const retentionMs = stream?.maxAgeMs ?? null;
    const base = { retentionMs, countsFrom: "record timestamp" as const, withinMs };
    if (retentionMs === null) return { ...base, count: 0, firstAtMs: null };
    const page = await this.deadLetters(dlq, 1, EXPIRY_WINDOW);
    const times = page.items.flatMap((d) => (d.original.state === "present" ? [d.original.time.getTime()] : []));
    return { ...base, ...expiringFromEnqueueTimes(retentionMs, withinMs, times, Date.now()) };
  }

  async close(): Promise<void> {
    const session = this.session;
    this.session = null;
    if (session) await (await session.catch(() => null))?.close();
  }
}
