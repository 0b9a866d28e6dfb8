import type { SqsAdapter } from "~/server/brokers/sqs/sqs";
import type { ControlDb } from "~/server/db/control-store";
import { sqsQueueSamples } from "~/server/db/schema";

/**
 * Samples every queue's visible, in-flight and delayed counts. SQS offers no way to read the age of the
 * oldest message without receiving it (which would count as a receive), so that stays empty here.
 */
export class SqsSampler {
  constructor(
    private readonly db: ControlDb,
    private readonly adapter: SqsAdapter,
  ) {}

  async sample(): Promise<{ queues: number }> {
    const sampledAt = new Date();
    const overview = await this.adapter.overview();
    const sources = new Map(overview.deadLetterQueues.map((dlq) => [dlq.name, dlq]));
    if (overview.queues.length > 0) {
      await this.db.insert(sqsQueueSamples).values(
        overview.queues.map((queue) => ({
          connection: this.adapter.name,
          queue: queue.name,
          sampledAt,
          visible: queue.visible,
          inFlight: queue.inFlight,
          delayed: queue.delayed,
          isDeadLetterQueue: sources.has(queue.name),
          sourceQueues: sources.get(queue.name)?.sourceQueues ?? [],
          sourceSubscriptions: sources.get(queue.name)?.sourceSubscriptions.map((sub) => sub.arn) ?? [],
          oldestMessageAgeSeconds: null,
        })),
      );
    }
    return { queues: overview.queues.length };
  }
}
