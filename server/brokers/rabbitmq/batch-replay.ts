import { randomUUID } from "node:crypto";
import type { ChannelModel, ConfirmChannel, Message } from "amqplib";
import { ConsumeFeed, GetFeed, ReadChannels, type Feed, type FeedEnd } from "./batch-feed";
import { browseSafety, type BrowsableQueue } from "./browse-safety";
import { decodeRabbitFailure, type RabbitFailure } from "./decoders";
import { BrowseRefusedError, messageKey, openChannel } from "./reader";
import { originOf, type ReplayDestination } from "./replay";
import { copyOptions, REPLAY_ID_HEADER, replayCountOf } from "./replay-copy";
import { coalesceWrites } from "./write-coalescing";

/** What the filter sees of one DLQ message. */
export interface BatchCandidate {
  key: string;
  message: Message;
  headers: Record<string, unknown>;
  failure: RabbitFailure | null;
  /** How many times Redrive replayed it before (x-redrive-replay-count). */
  replayCount: number;
}

export interface BatchReplayProgress {
  /** Messages taken from the DLQ and filtered. */
  read: number;
  matched: number;
  /** Copies confirmed (and not returned) whose DLQ message was then acknowledged. */
  replayed: number;
  /** Matched but deliberately left in the DLQ: the loop guard. */
  skipped: number;
  /** Matched and left in the DLQ: no destination, unroutable, not confirmed. */
  failed: number;
}

/** One matched message's fate, for a replay ledger. */
export interface BatchReplayRecord {
  key: string;
  outcome: "replayed" | "loop-guard" | "no-destination" | "unroutable" | "not-confirmed";
  destination: ReplayDestination | null;
  /** The copy's publish sequence number on this run's confirm channel (its delivery tag there), null when nothing was published. */
  publishSeq: number | null;
  /** The copy's x-redrive-replay-id header: `<runId>:<publishSeq>`. */
  replayId: string | null;
  reason: string | null;
}

export type BatchStop = "drained" | "idle" | "limit" | "scan-limit" | "held-limit" | "cancelled" | "error";

export interface BatchReplayResult {
  runId: string;
  stop: BatchStop;
  /** Why, for "error". */
  reason: string | null;
  progress: BatchReplayProgress;
  /** Messages handed to the run and not acknowledged (non-matching, skipped, failed, unprocessed at a stop): all returned to the DLQ. */
  returned: number;
  ms: number;
}

export interface BatchReplayOptions {
  dlq: BrowsableQueue;
  /**
   * Publish the copies on this connection instead (RabbitMQ's advice: a publishing connection can be blocked
   * by flow control or an alarm, and the reads and acks on it would wait too; measured no faster here). Its
   * vhost must be the DLQ's.
   */
  publishConnection?: ChannelModel;
  /** Which messages to replay (a CEL filter later). Must not throw; a throw stops the run with "error". */
  match: (candidate: BatchCandidate) => boolean;
  /** Publish every copy here instead of each message's origin. */
  destination?: ReplayDestination;
  /** Replay at most this many (publishes). */
  limit?: number;
  /** Read at most this many messages (default: the DLQ's ready depth when the run starts). */
  maxScan?: number;
  /** Publishes per second; null or absent: as fast as confirms allow. */
  ratePerSecond?: number | null;
  /** Messages taken ahead of the filter (consumer prefetch, or the basic.get backlog). Default 500. */
  prefetch?: number;
  /**
   * Copies whose original could still come back after a crash: published and not confirmed, or confirmed and
   * acked while the broker may not have processed the ack yet (a round trip on the read channel settles that).
   * A crash leaves at most this many duplicates. Default 256.
   */
  confirmWindow?: number;
  /**
   * Called just before each copy is published (after the confirm window and the pacing): e.g. to note durably
   * that it may be published from now on, so a crash after it is known to have possibly left a copy. Until it
   * resolves nothing is published for the message; a rejection stops the run with "error" and keeps the message.
   */
  beforePublish?: (candidate: BatchCandidate) => Promise<void> | void;
  /** Stop reading once this many unreplayed messages are held (they stay in memory until the end). Default 100,000. */
  maxHeld?: number;
  /** Loop guard: a message already replayed this many times is skipped unless force. Default 3. */
  maxReplays?: number;
  force?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: BatchReplayProgress) => void;
  progressIntervalMs?: number;
  onRecord?: (record: BatchReplayRecord) => void;
  /**
   * "consume" (default) or "get": basic.get costs a round trip per message (~2x slower in bench:replay, and
   * ~40 ms a message on a connection without TCP_NODELAY: Nagle's algorithm meets delayed acks).
   */
  read?: "consume" | "get";
  /** With fewer messages than expected: end after this long without a delivery while the queue has none ready. */
  idleMs?: number;
  /** How long to wait for the last confirms at the end. */
  confirmTimeoutMs?: number;
}

/** A promise that the next notify() resolves. */
class Notifier {
  private waiters: (() => void)[] = [];
  wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Replays the messages of one DLQ that `match` accepts: each copy is published mandatory on a confirm channel
 * (up to confirmWindow in flight), and its DLQ message is acknowledged only after the copy was confirmed and
 * not returned. Everything else taken (non-matching, loop-guarded, failed, or taken after a stop) stays
 * unacknowledged and goes back when the read channels close at the end (the queue requeues it just after the
 * close; a classic queue at its original position, measured); a crash returns it the same way (the connection
 * drops), leaving at most confirmWindow duplicates. It reads at most the DLQ's depth at the start. Refuses the
 * DLQs a browse refuses (quorum with a delivery limit, max-length with drop-head, streams).
 */
export async function batchReplay(connection: ChannelModel, options: BatchReplayOptions): Promise<BatchReplayResult> {
  const started = performance.now();
  const safety = browseSafety(options.dlq);
  if (!safety.allowed) throw new BrowseRefusedError(safety.reason);
  if (safety.method === "stream-offset") throw new BrowseRefusedError(`"${options.dlq.name}" is a stream: messages cannot be removed from it one by one.`);
  const queue = options.dlq.name;
  const runId = randomUUID();
  const prefetch = options.prefetch ?? 500;
  const window = options.confirmWindow ?? 256;
  const limit = options.limit ?? Infinity;
  const maxHeld = options.maxHeld ?? 100_000;
  const maxReplays = options.maxReplays ?? 3;
  const progress: BatchReplayProgress = { read: 0, matched: 0, replayed: 0, skipped: 0, failed: 0 };
  // The acks of a confirm batch and the copies published in one turn go out in one write each.
  coalesceWrites(connection);
  if (options.publishConnection) coalesceWrites(options.publishConnection);

  // The depth now bounds the read: dead letters arriving later (copies failing again among them) wait for the next run.
  const scratch = await openChannel(connection);
  const depth = await scratch.checkQueue(queue).then(({ messageCount }) => messageCount, async (error: unknown) => {
    throw new BrowseRefusedError(`"${queue}" cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  });
  await scratch.close().catch(() => undefined);
  const channels = new ReadChannels(connection, queue, Math.max(1, Math.floor(prefetch / 2)));
  const publisher: ConfirmChannel = await (options.publishConnection ?? connection).createConfirmChannel();
  publisher.on("error", () => undefined);
  const returned = new Set<string>();
  publisher.on("return", (m: Message) => {
    const id = (m.properties.headers as Record<string, unknown> | undefined)?.[REPLAY_ID_HEADER];
    if (typeof id === "string") returned.add(id);
  });

  const inbox: Message[] = [];
  const arrived = new Notifier();
  const room = new Notifier();
  const confirmed = new Notifier();
  let taken = 0;
  let held = 0;
  let inFlight = 0;
  let fencing: Promise<void> | null = null;
  let seq = 0;
  /** A stop: what is still unprocessed is returned unread. */
  let stop: BatchStop | null = null;
  /** The read ended by itself: what was taken is still processed. */
  let readEnd: BatchStop | null = null;
  let reason: string | null = null;
  let lastEmit = 0;

  const emit = (force = false) => {
    const now = performance.now();
    if (!options.onProgress || (!force && now - lastEmit < (options.progressIntervalMs ?? 200))) return;
    lastEmit = now;
    options.onProgress({ ...progress });
  };
  const halt = (why: BatchStop, detail: string | null = null) => {
    if (stop) return;
    stop = why;
    reason = detail;
    arrived.notify();
    room.notify();
    confirmed.notify();
  };
  const endNames: Record<FeedEnd, BatchStop> = { drained: "drained", idle: "idle", "consumer-cancelled": "error" };

  const toRead = Math.min(depth, options.maxScan ?? Infinity);
  const sink = {
    push: (m: Message) => {
      taken++;
      inbox.push(m);
      arrived.notify();
    },
    end: (why: FeedEnd) => {
      if (why === "consumer-cancelled") return halt("error", "the broker cancelled the read (queue deleted?) or the read channel closed");
      readEnd = why === "drained" && toRead < depth ? "scan-limit" : endNames[why];
      arrived.notify();
    },
    backlog: () => inbox.length,
    room: () => room.wait(),
  };
  const feed: Feed = options.read === "get" ? new GetFeed(channels, prefetch, toRead, sink) : new ConsumeFeed(channels, prefetch, toRead, options.idleMs ?? 1_000, sink);

  const keep = (m: Message) => {
    held++;
    feed.held(m);
    if (held >= maxHeld) halt("held-limit");
  };
  const record = (r: BatchReplayRecord) => options.onRecord?.(r);

  // Whether an exchange exists, checked once on a scratch channel (a publish to a missing one would close the confirm channel).
  const exchanges = new Map<string, Promise<boolean>>();
  const exchangeExists = (name: string) => {
    if (name === "") return Promise.resolve(true);
    let known = exchanges.get(name);
    if (!known) {
      known = (async () => {
        const scratch = await openChannel(connection);
        try {
          await scratch.checkExchange(name);
          await scratch.close().catch(() => undefined);
          return true;
        } catch {
          return false;
        }
      })();
      exchanges.set(name, known);
    }
    return known;
  };

  const publish = (m: Message, key: string, destination: ReplayDestination) => {
    const publishSeq = ++seq;
    const replayId = `${runId}:${publishSeq}`;
    inFlight++;
    publisher.publish(destination.exchange, destination.routingKey, m.content, copyOptions(m, queue, replayId), (error: unknown) => {
      inFlight--;
      const base = { key, destination, publishSeq, replayId };
      if (error) {
        progress.failed++;
        keep(m);
        record({ ...base, outcome: "not-confirmed", reason: `the broker did not confirm the copy: ${error instanceof Error ? error.message : String(error)}` });
        halt("error", "the confirm channel failed: the run stopped");
      } else if (returned.delete(replayId)) {
        progress.failed++;
        keep(m);
        record({ ...base, outcome: "unroutable", reason: `no queue is bound to exchange "${destination.exchange || "(default)"}" for routing key "${destination.routingKey}"` });
      } else {
        // Only now, with the copy confirmed and not returned: remove the original.
        channels.ack(m);
        // Fence ahead, so the window rarely has to wait for one.
        if (channels.unfenced >= window / 2) void fence().catch(() => undefined);
        progress.replayed++;
        record({ ...base, outcome: "replayed", reason: null });
      }
      confirmed.notify();
      emit();
    });
  };

  // One fence at a time (see ReadChannels.fence).
  const fence = () => {
    fencing ??= channels.fence().finally(() => {
      fencing = null;
    });
    return fencing;
  };

  const handle = async (m: Message, paceFrom: number) => {
    const headers = (m.properties.headers ?? {}) as Record<string, unknown>;
    // The failure (x-death) is decoded only if the filter reads it: most filters never do (~100 of ~600 ms of the run's own CPU in a profile).
    let failure: RabbitFailure | null | undefined;
    const candidate: BatchCandidate = {
      key: messageKey(m),
      message: m,
      headers,
      get failure() {
        if (failure === undefined) failure = decodeRabbitFailure(headers);
        return failure;
      },
      replayCount: replayCountOf(m),
    };
    progress.read++;
    if (!options.match(candidate)) return keep(m);
    progress.matched++;
    const { key } = candidate;
    if (candidate.replayCount >= maxReplays && !options.force) {
      progress.skipped++;
      keep(m);
      return record({ key, outcome: "loop-guard", destination: null, publishSeq: null, replayId: null, reason: `already replayed ${candidate.replayCount} times (loop guard: ${maxReplays}); force to replay again` });
    }
    const destination = options.destination ?? originOf(m as Parameters<typeof originOf>[0]);
    if (!destination || !(await exchangeExists(destination.exchange))) {
      progress.failed++;
      keep(m);
      const why = destination ? `exchange "${destination.exchange}" does not exist` : "the message names no original exchange and routing key: choose a destination";
      return record({ key, outcome: "no-destination", destination, publishSeq: null, replayId: null, reason: why });
    }
    // The window counts every copy whose original may still come back after a crash: unconfirmed, or acked but not fenced.
    while (inFlight + channels.unfenced >= window && !stop) {
      if (channels.unfenced > 0) await fence();
      else await confirmed.wait();
    }
    if (options.ratePerSecond) {
      const due = paceFrom + (seq / options.ratePerSecond) * 1000;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
    }
    if (stop) return keep(m);
    if (options.beforePublish) {
      try {
        await options.beforePublish(candidate);
      } catch (error) {
        keep(m);
        return halt("error", `before publishing: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (stop) return keep(m);
    }
    publish(m, key, destination);
    if (seq >= limit) halt("limit");
  };

  const onAbort = () => halt("cancelled");
  options.signal?.addEventListener("abort", onAbort);
  if (options.signal?.aborted) onAbort();
  try {
    await feed.start();
    const paceFrom = performance.now();
    for (;;) {
      const m = inbox.shift();
      if (m) {
        room.notify();
        // After a stop, what is left in the inbox is returned unread.
        if (!stop) await handle(m, paceFrom);
        emit();
        continue;
      }
      if (stop || readEnd) break;
      await arrived.wait();
    }
  } catch (error) {
    halt("error", error instanceof Error ? error.message : String(error));
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    await feed.stop();
    // The last confirms: an original whose copy is confirmed is acked before the read channel closes.
    const deadline = performance.now() + (options.confirmTimeoutMs ?? 10_000);
    while (inFlight > 0 && performance.now() < deadline) await Promise.race([confirmed.wait(), sleep(50)]);
    await publisher.close().catch(() => undefined);
    // Returns every message taken and not acknowledged.
    await channels.close();
  }
  emit(true);
  return { runId, stop: stop ?? readEnd ?? "drained", reason, progress: { ...progress }, returned: taken - progress.replayed, ms: performance.now() - started };
}
