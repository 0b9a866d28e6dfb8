import type { Channel, ConsumeMessage, Message } from "amqplib";

/** Why a feed stopped handing out messages. */
export type FeedEnd = "drained" | "idle" | "consumer-cancelled";

/** What a feed gives messages to, and asks about room. */
export interface FeedSink {
  /** A message taken, unacknowledged, on the feed's channel. */
  push(message: Message): void;
  /** The feed has nothing more (it was not stopped by the caller). */
  end(why: FeedEnd): void;
  /** Messages taken and not yet processed. */
  backlog(): number;
  /** Resolves when the backlog shrank. */
  room(): Promise<void>;
}

export interface Feed {
  start(): Promise<void>;
  /** Stops taking messages; resolves once no more will arrive. Idempotent. */
  stop(): Promise<void>;
  /** A message the run keeps unacknowledged until the end (not replayed): it occupies a prefetch slot. */
  held(message: Message): void;
}

/**
 * basic.consume with manual acks and a per-consumer prefetch window. Messages the run does not replay stay
 * unacknowledged until the channel closes (a nack-requeue would hand them straight back to this consumer),
 * and each one keeps a prefetch slot: once half the window is held, the consumer is cancelled and a new one
 * started. RabbitMQ applies basic.qos (global=false) to each new consumer, and a cancelled consumer's
 * unacknowledged messages stay on the channel, so the new consumer gets a whole window again.
 */
export class ConsumeFeed implements Feed {
  private tag: string | null = null;
  private heldOnTag = 0;
  private taken = 0;
  private done = false;
  private recycling = false;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly channel: Channel,
    private readonly queue: string,
    private readonly prefetch: number,
    /** Take no more than this many (the queue's depth when the run started, or the scan bound). */
    private readonly toRead: number,
    private readonly idleMs: number,
    private readonly sink: FeedSink,
  ) {}

  async start(): Promise<void> {
    if (this.toRead <= 0) return this.finish("drained");
    await this.channel.prefetch(this.prefetch);
    await this.consume();
    this.armIdle();
  }

  private async consume(): Promise<void> {
    this.heldOnTag = 0;
    const { consumerTag } = await this.channel.consume(this.queue, (m) => this.deliver(m), { noAck: false });
    this.tag = consumerTag;
    // A stop that came while basic.consume was in flight.
    if (this.done) await this.cancel();
  }

  private deliver(message: ConsumeMessage | null): void {
    if (message === null) return this.finish("consumer-cancelled");
    // After a stop, deliveries still in flight are kept unread: the channel close returns them.
    if (this.done) return;
    this.taken++;
    this.sink.push(message);
    this.armIdle();
    if (this.taken >= this.toRead) this.finish("drained");
  }

  held(message: Message): void {
    if ((message.fields as { consumerTag?: string }).consumerTag !== this.tag) return;
    this.heldOnTag++;
    if (this.heldOnTag >= Math.max(1, Math.floor(this.prefetch / 2)) && !this.recycling && !this.done) void this.recycle();
  }

  private async recycle(): Promise<void> {
    this.recycling = true;
    try {
      await this.cancel();
      if (!this.done) await this.consume();
    } catch {
      this.finish("consumer-cancelled");
    } finally {
      this.recycling = false;
    }
  }

  /** Fewer messages than expected arrived: ends when nothing came for idleMs and the queue has none ready. */
  private armIdle(): void {
    clearTimeout(this.idleTimer);
    if (this.done) return;
    this.idleTimer = setTimeout(() => {
      void this.channel.checkQueue(this.queue).then(
        ({ messageCount }) => (messageCount === 0 ? this.finish("idle") : this.armIdle()),
        () => this.finish("consumer-cancelled"),
      );
    }, this.idleMs);
  }

  private async cancel(): Promise<void> {
    const tag = this.tag;
    this.tag = null;
    if (tag) await this.channel.cancel(tag).catch(() => undefined);
  }

  private finish(why: FeedEnd): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.idleTimer);
    void this.cancel();
    this.sink.end(why);
  }

  async stop(): Promise<void> {
    this.done = true;
    clearTimeout(this.idleTimer);
    await this.cancel();
  }
}

/** basic.get one at a time (one round trip each), pausing while the backlog is full. Held messages cost nothing. */
export class GetFeed implements Feed {
  private done = false;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly channel: Channel,
    private readonly queue: string,
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
      const message = await this.channel.get(this.queue, { noAck: false });
      if (message === false) break;
      taken++;
      // Taken after a stop: kept unread, the channel close returns it.
      if (!this.done) this.sink.push(message);
    }
    if (!this.done) this.sink.end("drained");
    this.done = true;
  }

  held(): void {}

  async stop(): Promise<void> {
    this.done = true;
    await this.loop;
  }
}
