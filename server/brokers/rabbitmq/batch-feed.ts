import type { Channel, ChannelModel, ConsumeMessage, Message } from "amqplib";
import { openChannel } from "./reader";

/** Why a feed stopped handing out messages by itself. */
export type FeedEnd = "drained" | "idle" | "consumer-cancelled";

/** What a feed gives messages to, and asks about room. */
export interface FeedSink {
  /** A message taken, unacknowledged. */
  push(message: Message): void;
  /** The feed has nothing more (it was not stopped by the caller). */
  end(why: FeedEnd): void;
  /** Messages taken and not yet processed. */
  backlog(): number;
  /** Resolves when the backlog shrank. */
  room(): Promise<void>;
}

interface Segment {
  channel: Channel;
  /** Messages taken on this channel that the run keeps unacknowledged until the end. */
  held: number;
  /** Acks sent on this channel since its last fence. */
  unfenced: number;
}

/**
 * The read channels of a run. Messages the run does not replay stay unacknowledged until the end (a
 * nack-requeue would hand them straight back), and RabbitMQ finds the message an ack names by walking a
 * channel's unacknowledged messages from the oldest (measured: with 5,000 held on one channel a filtered
 * replay ran 4x slower than one with none held). So a channel holds a bounded number of them: once it
 * holds `perChannel`, reading moves to a new channel and the old one just keeps what it holds.
 */
export class ReadChannels {
  private readonly segments: Segment[] = [];
  private readonly segmentOf = new WeakMap<Message, Segment>();

  constructor(
    private readonly connection: ChannelModel,
    readonly queue: string,
    readonly perChannel: number,
  ) {}

  async open(): Promise<Segment> {
    const segment: Segment = { channel: await openChannel(this.connection), held: 0, unfenced: 0 };
    this.segments.push(segment);
    return segment;
  }

  bind(message: Message, segment: Segment): void {
    this.segmentOf.set(message, segment);
  }

  /** Counts a held message on its channel, and returns that channel. */
  hold(message: Message): Segment | undefined {
    const segment = this.segmentOf.get(message);
    if (segment) segment.held++;
    return segment;
  }

  ack(message: Message): void {
    const segment = this.segmentOf.get(message);
    if (!segment) throw new Error("ack of a message this run did not read");
    segment.channel.ack(message);
    segment.unfenced++;
  }

  get unfenced(): number {
    return this.segments.reduce((sum, s) => sum + s.unfenced, 0);
  }

  /**
   * A round trip on every channel with recent acks. A channel handles its frames in order, so the reply means
   * it handled every ack sent before and passed it to the queue, ahead of any news of this connection's end: those
   * originals can no longer come back, not even after a crash. (The queue may answer the passive declare before
   * it applied the acks, it ranks that call higher; it still applies them before it handles the crash.)
   */
  async fence(): Promise<void> {
    await Promise.all(
      this.segments
        .filter((s) => s.unfenced > 0)
        .map(async (s) => {
          const acked = s.unfenced;
          await s.channel.checkQueue(this.queue);
          s.unfenced -= acked;
        }),
    );
  }

  /**
   * Returns every message taken and not acknowledged: the channel close requeues them (so would the connection's
   * end). The queue requeues them just after the close completes: they show as ready a moment later. Classic
   * queues put them back at their original positions; quorum queues in an order of their own.
   */
  async close(): Promise<void> {
    await Promise.all(this.segments.map((s) => s.channel.close().catch(() => undefined)));
  }
}

export interface Feed {
  start(): Promise<void>;
  /** Stops taking messages; resolves once no more will arrive. Idempotent. */
  stop(): Promise<void>;
  /** A message the run keeps unacknowledged until the end (not replayed). */
  held(message: Message): void;
}

/**
 * basic.consume with manual acks and a per-consumer prefetch window. A held message keeps its prefetch slot,
 * so once a channel holds half the window, reading moves to a new channel with a new consumer (the old one is
 * cancelled: its unacknowledged messages stay on its channel) that has a whole window again.
 */
export class ConsumeFeed implements Feed {
  private current: { segment: Segment; tag: string | null } | null = null;
  private taken = 0;
  private done = false;
  private moving = false;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly channels: ReadChannels,
    private readonly prefetch: number,
    /** Take no more than this many (the queue's depth when the run started, or the scan bound). */
    private readonly toRead: number,
    private readonly idleMs: number,
    private readonly sink: FeedSink,
  ) {}

  async start(): Promise<void> {
    if (this.toRead <= 0) return this.finish("drained");
    await this.consume();
    this.armIdle();
  }

  private async consume(): Promise<void> {
    const segment = await this.channels.open();
    await segment.channel.prefetch(this.prefetch);
    const current: { segment: Segment; tag: string | null } = { segment, tag: null };
    this.current = current;
    const { consumerTag } = await segment.channel.consume(this.channels.queue, (m) => this.deliver(segment, m), { noAck: false });
    current.tag = consumerTag;
    // A stop that came while basic.consume was in flight.
    if (this.done) await this.cancel(current);
  }

  private deliver(segment: Segment, message: ConsumeMessage | null): void {
    if (message === null) return this.finish("consumer-cancelled");
    this.channels.bind(message, segment);
    // After a stop, deliveries still in flight are kept unread: the channel close returns them.
    if (this.done) return;
    this.taken++;
    this.sink.push(message);
    this.armIdle();
    if (this.taken >= this.toRead) this.finish("drained");
  }

  held(message: Message): void {
    const segment = this.channels.hold(message);
    if (segment && segment === this.current?.segment && segment.held >= this.channels.perChannel && !this.moving && !this.done) void this.move();
  }

  private async move(): Promise<void> {
    this.moving = true;
    const old = this.current;
    try {
      if (old) await this.cancel(old);
      if (!this.done) await this.consume();
    } catch {
      this.finish("consumer-cancelled");
    } finally {
      this.moving = false;
    }
  }

  /** Fewer messages than expected arrived: ends when nothing came for idleMs and the queue has none ready. */
  private armIdle(): void {
    clearTimeout(this.idleTimer);
    if (this.done || !this.current) return;
    const { channel } = this.current.segment;
    this.idleTimer = setTimeout(() => {
      void channel.checkQueue(this.channels.queue).then(
        ({ messageCount }) => (messageCount === 0 ? this.finish("idle") : this.armIdle()),
        () => this.finish("consumer-cancelled"),
      );
    }, this.idleMs);
  }

  private async cancel(consumer: { segment: Segment; tag: string | null }): Promise<void> {
    const tag = consumer.tag;
    consumer.tag = null;
    if (tag) await consumer.segment.channel.cancel(tag).catch(() => undefined);
  }

  private finish(why: FeedEnd): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.idleTimer);
    if (this.current) void this.cancel(this.current);
    this.sink.end(why);
  }

  async stop(): Promise<void> {
    this.done = true;
    clearTimeout(this.idleTimer);
    if (this.current) await this.cancel(this.current);
  }
}

/** basic.get one at a time (one round trip each), pausing while the backlog is full; a new channel once one holds perChannel. */
export class GetFeed implements Feed {
  private done = false;
  private loop: Promise<void> = Promise.resolve();
  private segment: Segment | null = null;

  constructor(
    private readonly channels: ReadChannels,
    private readonly window: number,
    private readonly toRead: number,
    private readonly sink: FeedSink,
  ) {}

  start(): Promise<void> {
    this.loop = this.run().catch(() => {
      if (!this.done) this.sink.end("consumer-cancelled");
      this.done = true;
    });
    return Promise.resolve();
  }

  private async run(): Promise<void> {
    let taken = 0;
    while (!this.done && taken < this.toRead) {
      if (this.sink.backlog() >= this.window) {
        await this.sink.room();
        continue;
      }
      if (!this.segment || this.segment.held >= this.channels.perChannel) this.segment = await this.channels.open();
      const message = await this.segment.channel.get(this.channels.queue, { noAck: false });
      if (message === false) break;
      this.channels.bind(message, this.segment);
      taken++;
      // Taken after a stop: kept unread, the channel close returns it.
      if (!this.done) this.sink.push(message);
    }
    if (!this.done) this.sink.end("drained");
    this.done = true;
  }

  held(message: Message): void {
    this.channels.hold(message);
  }

  async stop(): Promise<void> {
    this.done = true;
    await this.loop;
  }
}
