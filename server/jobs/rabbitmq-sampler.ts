import type { RabbitMqAdapter } from "~/server/brokers/rabbitmq/adapter";
import type { RabbitQueue } from "~/server/brokers/rabbitmq";
import type { ControlDb } from "~/server/db/control-store";
import { rabbitmqQueueSamples } from "~/server/db/schema";

/**
 * Samples every queue of a RabbitMQ connection from the management API (one call for the queues, two for the
 * dead-letter topology), and stores each DLQ's source queues with it as SQS's are. A DLQ's head age comes from
 * reading its head message (the x-death time); that read is a one-message browse, done only on classic DLQs
 * with messages (a quorum queue would count the read as a delivery every sample, and streams report no head).
 */
export class RabbitMqSampler {
  constructor(
    private readonly db: ControlDb,
    private readonly adapter: RabbitMqAdapter,
  ) {}

  async sample(): Promise<{ queues: number }> {
    const sampledAt = new Date();
    const overview = await this.adapter.overview();
    const sources = new Map(overview.deadLetterQueues.map((dlq) => [dlq.name, dlq.sourceQueues]));
    const ages = new Map<string, number | null>();
    await Promise.all(
      overview.queues.filter((queue) => sources.has(queue.name)).map(async (queue) => ages.set(queue.name, await this.headAgeSeconds(queue, sampledAt.getTime()))),
    );
    if (overview.queues.length > 0) {
      await this.db.insert(rabbitmqQueueSamples).values(
        overview.queues.map((queue) => ({
          connection: this.adapter.name,
          queue: queue.name,
          sampledAt,
          ready: queue.messagesReady,
          unacked: queue.messagesUnacknowledged,
          consumers: queue.consumers,
          consumerUtilisation: queue.consumerUtilisation,
          publishRate: queue.publishRate,
          deliverRate: queue.deliverRate,
          isDeadLetterQueue: sources.has(queue.name),
          sourceQueues: sources.get(queue.name) ?? [],
          headDeadLetteredAgeSeconds: ages.get(queue.name) ?? null,
        })),
      );
    }
    return { queues: overview.queues.length };
  }

  private async headAgeSeconds(queue: RabbitQueue, now: number): Promise<number | null> {
    if (queue.messagesReady === 0) return null;
    if (queue.type !== "classic") return queue.headMessageTimestampMs === null ? null : Math.max(0, (now - queue.headMessageTimestampMs) / 1000);
    // A head that cannot be read (refused browse, a consumer took it meanwhile) leaves the age unknown, not the sample failed.
    const head = await this.adapter.headDeadLetteredAt(queue.name).catch(() => ({ atMs: null }));
    return head.atMs === null ? null : Math.max(0, (now - head.atMs) / 1000);
  }
}
