import { and, eq, gte } from "drizzle-orm";
import type { NatsAdapter } from "~/server/brokers/nats/adapter";
import type { ControlDb } from "~/server/db/control-store";
import { natsConsumerSamples, natsStreamSamples } from "~/server/db/schema";
import { DEFAULT_WINDOW_SIZE } from "~/server/lag/health-rules";
import { consumerActive, natsConsumerStatus, type NatsConsumerPoint } from "~/server/lag/nats-consumer-health";

/** Activity this recent counts as a client attached, at least (a pull client between fetches). */
const MIN_RECENT_MS = 30_000;

/**
 * Samples a NATS JetStream connection: every stream (subjects, retention, counts, sequences) and every consumer
 * on it (pending, ack-pending, redelivered, waiting, delivered and ack-floor sequences, last activity,
 * max_deliver, lag in seconds from the oldest unacknowledged message, captured dead letters) with its health
 * verdict over the recent window. Creates the advisory capture stream first where the config consents.
 */
export class NatsSampler {
  constructor(
    private readonly db: ControlDb,
    private readonly adapter: NatsAdapter,
  ) {}

  private get intervalMs(): number {
    return this.adapter.config.sampleIntervalSeconds * 1000;
  }

  /** The recent raw samples of every consumer of the connection, oldest first. */
  private async windows(now: number): Promise<Map<string, NatsConsumerPoint[]>> {
    const t = natsConsumerSamples;
    const rows = await this.db
      .select({ stream: t.stream, consumer: t.consumer, at: t.sampledAt, pending: t.pending, ackPending: t.ackPending, deliveredSeq: t.deliveredSeq, ackFloorSeq: t.ackFloorSeq, streamLastSeq: t.streamLastSeq })
      .from(t)
      .where(and(eq(t.connection, this.adapter.name), eq(t.resolutionSeconds, 0), gte(t.sampledAt, new Date(now - (DEFAULT_WINDOW_SIZE + 1) * this.intervalMs))))
      .orderBy(t.sampledAt);
    const windows = new Map<string, NatsConsumerPoint[]>();
    for (const row of rows) {
      const key = `${row.stream}.${row.consumer}`;
      const window = windows.get(key) ?? [];
      window.push({ ...row, at: row.at.getTime() });
      windows.set(key, window.slice(-(DEFAULT_WINDOW_SIZE - 1)));
    }
    return windows;
  }

  async sample(): Promise<{ streams: number; consumers: number }> {
    const sampledAt = new Date();
    const now = sampledAt.getTime();
    const snapshot = await this.adapter.snapshot(sampledAt);
    const windows = await this.windows(now);
    const lastSeq = new Map(snapshot.streams.map((s) => [s.name, s.lastSeq]));
    const recentMs = Math.max(MIN_RECENT_MS, 3 * this.intervalMs);
    if (snapshot.streams.length > 0) {
      await this.db.insert(natsStreamSamples).values(
        snapshot.streams.map((s) => ({
          connection: this.adapter.name,
          stream: s.name,
          sampledAt,
          subjects: s.subjects,
          retention: s.retention,
          messages: s.messages,
          bytes: s.bytes,
          firstSeq: s.firstSeq,
          lastSeq: s.lastSeq,
          consumerCount: s.consumerCount,
        })),
      );
    }
    if (snapshot.consumers.length > 0) {
      await this.db.insert(natsConsumerSamples).values(
        snapshot.consumers.map(({ consumer: c, lag, deadLetters }) => {
          const point: NatsConsumerPoint = {
            at: now,
            pending: c.numPending,
            ackPending: c.numAckPending,
            deliveredSeq: c.delivered.streamSeq,
            ackFloorSeq: c.ackFloor.streamSeq,
            streamLastSeq: lastSeq.get(c.stream) ?? 0,
          };
          const active = consumerActive(c, now, recentMs);
          const window = [...(windows.get(`${c.stream}.${c.name}`) ?? []), point];
          return {
            connection: this.adapter.name,
            stream: c.stream,
            consumer: c.name,
            sampledAt,
            consumerKind: c.kind,
            durable: c.durable,
            filterSubjects: c.filterSubjects,
            pending: c.numPending,
            ackPending: c.numAckPending,
            redelivered: c.numRedelivered,
            waiting: c.numWaiting,
            deliveredSeq: c.delivered.streamSeq,
            ackFloorSeq: c.ackFloor.streamSeq,
            streamLastSeq: point.streamLastSeq,
            lastActivity: c.lastActivity,
            maxDeliver: c.maxDeliver,
            lagSeconds: lag?.lagSeconds ?? null,
            active,
            status: natsConsumerStatus(window, active),
            deadLetters,
          };
        }),
      );
    }
    return { streams: snapshot.streams.length, consumers: snapshot.consumers.length };
  }
}
