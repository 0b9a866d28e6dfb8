import { createHash } from "node:crypto";
import type { Channel, ChannelModel, ConsumeMessage, Options } from "amqplib";
import { decodeMessage } from "../consumers/envelope";
import type { DemoDb } from "../db/client";
import { processedEvents } from "../db/schema";
import type { FaultStore, RabbitConsumerName } from "../faults";
import { consumerKnobs, FAILURE_STRATEGY, failsByFault, settleFailure } from "./decisions";
import type { RabbitPublisher } from "./publisher";
import { buildRepublishHeaders, errorRoutingKey } from "./spring-headers";

// One RabbitMQ consumer of the demo. Per delivery (handled one at a time, in order): decode the envelope,
// apply the injected fault, then record (event_id, consumer) in processed_events (a duplicate, e.g. a
// replayed message already handled, is skipped) and ack. A failure is settled per FAILURE_STRATEGY.
// The stoppedConsumers knob cancels the consumer (messages stay queued, and may expire); slowConsumers
// delays each delivery.

export class InjectedFaultError extends Error {
  override name = "DownstreamUnavailableError";
}

const FAULT_MESSAGES: Record<RabbitConsumerName, string> = {
  "push-notifier": "push gateway returned 503 (injected fault)",
  "loyalty-service": "points ledger timed out (injected fault)",
  "invoice-service": "invoice renderer rejected the order (injected fault)",
};

export interface RabbitConsumerDeps {
  connection: ChannelModel;
  db: DemoDb;
  faults: FaultStore;
  name: RabbitConsumerName;
  queue: string;
  /** Needed by the republish strategy: where failures go, through a confirming publisher. */
  republish?: { publisher: RabbitPublisher; exchange: string };
  retry: { attempts: number; baseMs: number; maxMs: number };
  prefetch?: number;
  log?: (m: string) => void;
}

export interface RabbitConsumerStats {
  processed: number;
  duplicates: number;
  retries: number;
  rejected: number;
  requeued: number;
  republished: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The Kafka-shaped view decodeMessage reads: string headers only (ours are all strings). */
function envelopeOf(msg: ConsumeMessage) {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(msg.properties.headers ?? {})) {
    if (typeof v === "string") headers[k] = v;
    else if (Buffer.isBuffer(v)) headers[k] = v.toString("utf8");
  }
  return { value: msg.content, key: null, headers };
}

/** Stable across redeliveries (a delivery tag is not), so an injected fault hits every delivery of a message. */
function fallbackId(msg: ConsumeMessage): string {
  const id: unknown = msg.properties.messageId;
  return typeof id === "string" && id ? id : createHash("sha256").update(msg.content).digest("hex").slice(0, 32);
}

/**
 * The properties Spring keeps on a republished message, less `expiration` (a DLQ copy must not expire away)
 * and `user-id` (RabbitMQ refuses a publish whose user-id is not the publishing user).
 */
function republishProperties(msg: ConsumeMessage, headers: Record<string, unknown>): Options.Publish {
  const p = msg.properties;
  const out: Options.Publish = { headers, deliveryMode: p.deliveryMode ?? 2 };
  if (p.contentType) out.contentType = p.contentType;
  if (p.contentEncoding) out.contentEncoding = p.contentEncoding;
  if (p.correlationId) out.correlationId = p.correlationId;
  if (p.replyTo) out.replyTo = p.replyTo;
  if (p.priority !== undefined) out.priority = p.priority;
  if (p.messageId) out.messageId = p.messageId;
  if (p.timestamp) out.timestamp = p.timestamp;
  if (p.type) out.type = p.type;
  if (p.appId) out.appId = p.appId;
  return out;
}

export class RabbitConsumer {
  readonly stats: RabbitConsumerStats = { processed: 0, duplicates: 0, retries: 0, rejected: 0, requeued: 0, republished: 0 };
  private channel: Channel | undefined;
  private consumerTag: string | undefined;
  private chain: Promise<void> = Promise.resolve();
  private transition: Promise<void> = Promise.resolve();
  private unwatch: (() => void) | undefined;
  private stopping = false;

  constructor(private readonly d: RabbitConsumerDeps) {}

  get name(): RabbitConsumerName {
    return this.d.name;
  }

  get running(): boolean {
    return this.consumerTag !== undefined;
  }

  async start(): Promise<void> {
    this.stopping = false;
    const channel = await this.d.connection.createChannel();
    channel.on("error", (err: Error) => this.log(`channel error: ${err.message}`));
    channel.on("close", () => {
      this.channel = undefined;
      this.consumerTag = undefined;
    });
    await channel.prefetch(this.d.prefetch ?? 10);
    this.channel = channel;
    this.unwatch ??= this.d.faults.onChange(() => {
      this.transition = this.transition.then(() => this.follow()).catch((e: Error) => this.log(`knob: ${e.message}`));
    });
    await this.follow();
  }

  private async follow(): Promise<void> {
    const ch = this.channel;
    if (this.stopping || !ch) return;
    const { stopped } = consumerKnobs(this.d.faults.get(), this.d.name);
    if (stopped && this.consumerTag) {
      const tag = this.consumerTag;
      this.consumerTag = undefined;
      await ch.cancel(tag);
      this.log("stopped by fault knob");
    } else if (!stopped && !this.consumerTag) {
      const { consumerTag } = await ch.consume(this.d.queue, (msg) => {
        if (!msg) {
          // The broker cancelled the consumer (its queue was deleted): not running any more.
          this.consumerTag = undefined;
          this.log(`consumer cancelled by the broker (${this.d.queue} deleted?)`);
          return;
        }
        this.chain = this.chain
          .then(() => this.onMessage(ch, msg))
          // While stopping, the closed channel refuses acks: the delivery returns to the queue, nothing is lost.
          .catch((e: Error) => (this.stopping ? undefined : this.log(e.message)));
      });
      this.consumerTag = consumerTag;
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.unwatch?.();
    this.unwatch = undefined;
    await this.transition;
    // Closing the channel returns unacked deliveries to the queue (they are not lost, nor counted as failed).
    await this.channel?.close().catch(() => undefined);
    this.channel = undefined;
    this.consumerTag = undefined;
    await this.chain;
  }

  private log(m: string): void {
    (this.d.log ?? ((s: string) => console.log(s)))(`[${this.d.name}] ${m}`);
  }

  private async onMessage(ch: Channel, msg: ConsumeMessage): Promise<void> {
    const { delayMs } = consumerKnobs(this.d.faults.get(), this.d.name);
    if (delayMs > 0) await sleep(delayMs);
    const strategy = FAILURE_STRATEGY[this.d.name];
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        await this.handleOnce(msg);
        ch.ack(msg);
        return;
      } catch (err) {
        const e = err instanceof Error ? err : new Error(String(err));
        const s = settleFailure(strategy, attempt, this.d.retry);
        if (s.kind === "retry") {
          this.stats.retries++;
          await sleep(s.delayMs);
          continue;
        }
        if (s.kind === "reject") {
          ch.reject(msg, false);
          this.stats.rejected++;
          this.log(`rejected ${msg.fields.routingKey} (to the DLX): ${e.message}`);
        } else if (s.kind === "nack-requeue") {
          ch.nack(msg, false, true);
          this.stats.requeued++;
        } else {
          await this.republish(ch, msg, e);
        }
        return;
      }
    }
  }

  private async handleOnce(msg: ConsumeMessage): Promise<void> {
    const event = decodeMessage(envelopeOf(msg), fallbackId(msg));
    if (failsByFault(this.d.faults.get(), this.d.name, event.eventId)) {
      throw new InjectedFaultError(FAULT_MESSAGES[this.d.name]);
    }
    const inserted = await this.d.db
      .insert(processedEvents)
      .values({ eventId: event.eventId, consumer: this.d.name, eventType: event.eventType })
      .onConflictDoNothing()
      .returning({ id: processedEvents.eventId });
    // A real consumer would send the push / credit the points / render the invoice here.
    if (inserted.length === 0) this.stats.duplicates++;
    else this.stats.processed++;
  }

  /** Spring's RepublishMessageRecoverer: the copy is confirmed before the original is acked, never after. */
  private async republish(ch: Channel, msg: ConsumeMessage, err: Error): Promise<void> {
    const target = this.d.republish;
    if (!target) throw new Error(`${this.d.name}: republish strategy without a target`);
    const headers = buildRepublishHeaders({
      headers: msg.properties.headers,
      error: err,
      exchange: msg.fields.exchange,
      routingKey: msg.fields.routingKey,
    });
    try {
      await target.publisher.publish(target.exchange, errorRoutingKey(msg.fields.routingKey), msg.content, republishProperties(msg, headers));
    } catch (pubErr) {
      ch.nack(msg, false, true);
      this.log(`republish failed, message requeued: ${(pubErr as Error).message}`);
      return;
    }
    ch.ack(msg);
    this.stats.republished++;
    this.log(`republished ${msg.fields.routingKey} to ${target.exchange} after ${this.d.retry.attempts} attempts: ${err.message}`);
  }
}
