import { evaluatePartition, type PartitionSample, type PartitionStatus } from "./health-rules";

/** One stored sample of a JetStream consumer, as the verdict reads it. */
export interface NatsConsumerPoint {
  at: number;
  pending: number;
  ackPending: number;
  deliveredSeq: number;
  ackFloorSeq: number;
  streamLastSeq: number;
}

/**
 * The consumer's position in the log model: the ack floor (every message up to it is acknowledged or ended),
 * or, with nothing awaiting an ack, the last delivered sequence. On nats-server 2.9 a message that reached
 * max_deliver is never acknowledged and holds the ack floor for good; with nothing awaiting an ack everything
 * up to the last delivery is settled, so the delivered sequence is the honest position (server/brokers/nats/jetstream.ts consumerLag).
 */
export function settledSeq(point: Pick<NatsConsumerPoint, "ackPending" | "deliveredSeq" | "ackFloorSeq">): number {
  return point.ackPending === 0 ? point.deliveredSeq : point.ackFloorSeq;
}

/**
 * Whether a client is attached: a push consumer bound to its deliver subject, pull requests waiting, or any
 * delivery or acknowledgement within `recentMs` (a pull client between two fetches has no request waiting).
 */
export function consumerActive(consumer: { pushBound: boolean; numWaiting: number; lastActivity: Date | null }, now: number, recentMs: number): boolean {
  return consumer.pushBound || consumer.numWaiting > 0 || (consumer.lastActivity !== null && now - consumer.lastActivity.getTime() <= recentMs);
}

/**
 * The Kafka verdicts (health-rules.ts, after Burrow) on a JetStream consumer: the settled sequence is the
 * committed offset, the stream's last sequence the log end, num_pending the lag; an attached client is a member.
 * STOP: nobody attached and messages pending; STALL: attached, pending throughout and the position not moving;
 * WARN: pending growing; REWIND: the position went back (the consumer was reset or recreated).
 */
export function natsConsumerStatus(window: readonly NatsConsumerPoint[], active: boolean): PartitionStatus {
  const samples: PartitionSample[] = window.map((p) => ({ at: p.at, committedOffset: settledSeq(p), logEndOffset: p.streamLastSeq, lag: p.pending }));
  return evaluatePartition(samples, { state: active ? "Stable" : "Empty", memberCount: active ? 1 : 0 });
}
