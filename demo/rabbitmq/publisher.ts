import type { ConfirmChannel, Options } from "amqplib";

// Publishing with publisher confirms: a publish resolves only when the broker has taken responsibility for
// the message (basic.ack), so callers (the outbox relay, the Spring-style recoverer) may then mark or ack.

export class RabbitPublisher {
  private closedReason: string | undefined;

  constructor(private readonly channel: ConfirmChannel) {
    channel.on("close", () => (this.closedReason ??= "channel closed"));
    channel.on("error", (err: Error) => (this.closedReason = err.message));
  }

  publish(exchange: string, routingKey: string, content: Buffer, options: Options.Publish = {}): Promise<void> {
    if (this.closedReason) return Promise.reject(new Error(`RabbitMQ publisher unavailable: ${this.closedReason}`));
    return new Promise((resolve, reject) => {
      try {
        // The return value is only backpressure (the write buffer is full); the confirm still comes.
        this.channel.publish(exchange, routingKey, content, options, (err: unknown) =>
          err ? reject(err instanceof Error ? err : new Error(`RabbitMQ nacked the publish to ${exchange}`)) : resolve(),
        );
      } catch (err) {
        reject(err as Error);
      }
    });
  }

  async close(): Promise<void> {
    if (this.closedReason) return;
    await this.channel.close().catch(() => undefined);
  }
}
