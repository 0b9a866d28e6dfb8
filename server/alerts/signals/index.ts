import type { SignalId } from "../types";
import { outboxOldestAge, outboxRelayStall, replayJobState, sagasCompensationFailed, sagasStuck } from "./application";
import { connectionUnreachable, samplesStale } from "./collector";
import { dlqDepth, dlqGrowth, dlqOldestAge } from "./dlqs";
import { consumerLag, consumerLagGrowth, consumerLagSeconds, consumerStatus } from "./kafka-groups";
import type { SignalDef } from "./types";

export type { SignalContext, SignalDef, SignalQuery } from "./types";

/** Every alertable signal: one registry line per signal module. */
export const signals: Record<SignalId, SignalDef> = {
  consumer_status: consumerStatus,
  consumer_lag: consumerLag,
  consumer_lag_seconds: consumerLagSeconds,
  consumer_lag_growth: consumerLagGrowth,
  dlq_depth: dlqDepth,
  dlq_growth: dlqGrowth,
  dlq_oldest_age: dlqOldestAge,
  outbox_oldest_age: outboxOldestAge,
  outbox_relay_stall: outboxRelayStall,
  sagas_stuck: sagasStuck,
  sagas_compensation_failed: sagasCompensationFailed,
  replay_job_state: replayJobState,
  connection_unreachable: connectionUnreachable,
  samples_stale: samplesStale,
};

export const windowOf = (rule: { signal: SignalId; windowSeconds?: number }) => rule.windowSeconds ?? signals[rule.signal].defaultWindowSeconds ?? 300;
