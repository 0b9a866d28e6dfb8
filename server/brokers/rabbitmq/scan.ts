import type { ChannelModel } from "amqplib";
import { batchReplay, type BatchStop } from "./batch-replay";
import { browseSafety, type BrowsableQueue } from "./browse-safety";
import { toBrowsed, type BrowsedMessage } from "./reader";

export interface ScanResult {
  /** Messages read (at most the queue's ready depth when the scan started, and at most maxMessages). */
  read: number;
  stop: BatchStop;
  /** What the read changed on the queue, in words for the UI (the browse's sentence). */
  effects: string;
}

/**
 * Reads a whole DLQ once, as a browse does but past a page: every message is taken unacknowledged and all are
 * returned when the read ends (batchReplay's read with nothing matched, so nothing is published). Refused where
 * a browse is refused (a quorum delivery limit, max-length with drop-head) and for streams. `visit` gets each
 * message with how many times Redrive replayed it before (x-redrive-replay-count).
 */
export async function scanDeadLetters(
  connection: ChannelModel,
  dlq: BrowsableQueue,
  visit: (message: BrowsedMessage, replayCount: number) => void,
  options: { maxMessages?: number } = {},
): Promise<ScanResult> {
  let position = 0;
  const result = await batchReplay(connection, {
    dlq,
    match: (candidate) => {
      visit(toBrowsed(candidate.message, position++), candidate.replayCount);
      return false;
    },
    maxScan: options.maxMessages,
    maxHeld: options.maxMessages ?? 100_000,
  });
  if (result.stop === "error") throw new Error(`Reading "${dlq.name}" stopped: ${result.reason ?? "unknown error"}`);
  const safety = browseSafety(dlq);
  return { read: result.progress.read, stop: result.stop, effects: safety.allowed ? safety.effects : "" };
}

/**
 * What a bulk replay job changes on this DLQ beyond the messages it replays, in words for the UI: its dry run
 * reads the whole queue as a browse does, and each of its batches reads the queue again and returns what it
 * does not replay. Null for a DLQ that cannot be read in bulk (the dry run is refused with the reason).
 */
export function bulkReplayEffects(dlq: BrowsableQueue): { dryRun: string; job: string } | null {
  const safety = browseSafety(dlq);
  if (!safety.allowed || safety.method === "stream-offset") return null;
  const order =
    dlq.type === "quorum"
      ? "Returned messages do not keep their order: this quorum queue requeues them in an order of its own, and each one's x-delivery-count grows by one."
      : "On this classic queue returned messages go back to their positions; messages that dead-letter meanwhile may be read later than they arrived, so the order may change.";
  return {
    dryRun: `The dry run reads every message of the queue the way browsing does. ${safety.effects}`,
    job:
      "Replaying from a RabbitMQ DLQ reads it: each batch takes messages from the queue without acknowledging them, publishes copies of the matching ones " +
      "with publisher confirms, and removes an original only after its copy is confirmed. Messages read and not matched (or not replayed: loop guard, " +
      `no destination) are requeued when the batch ends, marked redelivered, and are not delivered to this queue's consumers while the batch runs. ${order}`,
  };
}
