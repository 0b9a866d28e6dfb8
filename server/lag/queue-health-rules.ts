/**
 * Health of a RabbitMQ queue from its samples, in the spirit of server/lag/health-rules.ts: no depth
 * thresholds, only what the samples show about whether anyone is draining it. Pure, so it is tested apart.
 */

export const queueStatuses = ["OK", "GROWING_NO_CONSUMERS", "CONSUMERS_STALLED"] as const; // ascending severity
export type QueueStatus = (typeof queueStatuses)[number];

export interface QueueSample {
  at: number; // sample time, ms since epoch
  ready: number;
  unacked: number;
  consumers: number;
  /** Deliveries per second over the management API's window; null when the broker reports none yet. */
  deliverRate: number | null;
}

export interface QueueVerdict {
  status: QueueStatus;
  /** Why, in words for the UI; null when OK. */
  reason: string | null;
}

/** Growth needs this many samples, so one uptick between two samples does not count as a trend. */
const MIN_SAMPLES_FOR_GROWTH = 2;
/** "Stalled" needs this many consecutive samples of consumers and ready messages and no deliveries. */
const MIN_SAMPLES_FOR_STALL = 2;

const depthOf = (s: QueueSample) => s.ready + s.unacked;

/**
 * `window`: the queue's samples, oldest first (the caller trims it).
 *  - GROWING_NO_CONSUMERS: nobody consumes now, and the depth grew over the window without ever falling. A
 *    queue that is merely full with no consumers is not judged (it may be parked on purpose, like most DLQs
 *    between replays); one that keeps filling is.
 *  - CONSUMERS_STALLED: consumers are attached and messages are ready, yet nothing was delivered, in each of
 *    the last samples: the consumers hold unacknowledged messages up to their prefetch and never ack (hung),
 *    or they are blocked. An unreported deliver rate counts as none: the broker only reports it once something
 *    was delivered. Ready messages with consumers and no deliveries is never a quiet, healthy queue.
 */
export function evaluateQueue(window: QueueSample[]): QueueVerdict {
  const latest = window.at(-1);
  if (!latest) return { status: "OK", reason: null };

  const stallWindow = window.slice(-MIN_SAMPLES_FOR_STALL);
  if (stallWindow.length >= MIN_SAMPLES_FOR_STALL && stallWindow.every((s) => s.consumers > 0 && s.ready > 0 && (s.deliverRate ?? 0) === 0)) {
    return {
      status: "CONSUMERS_STALLED",
      reason: `${latest.consumers} consumer${latest.consumers === 1 ? "" : "s"} attached and ${latest.ready.toLocaleString("en")} messages ready, but nothing was delivered in the last ${stallWindow.length} samples (${latest.unacked.toLocaleString("en")} unacknowledged)`,
    };
  }

  if (latest.consumers === 0 && window.length >= MIN_SAMPLES_FOR_GROWTH) {
    const depths = window.map(depthOf);
    const neverFell = depths.every((d, i) => i === 0 || d >= depths[i - 1]!);
    const grown = depths.at(-1)! - depths[0]!;
    if (neverFell && grown > 0) {
      return { status: "GROWING_NO_CONSUMERS", reason: `no consumers, and ${grown.toLocaleString("en")} more messages than ${Math.round((latest.at - window[0]!.at) / 1000)} s ago` };
    }
  }
  return { status: "OK", reason: null };
}
