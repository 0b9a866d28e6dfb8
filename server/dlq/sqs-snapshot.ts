import { eq } from "drizzle-orm";
import type { SqsAdapter } from "~/server/brokers/sqs/sqs";
import type { ControlDb } from "~/server/db/control-store";
import { sqsSnapshotMessages, sqsSnapshots } from "~/server/db/schema";
import { errorMessage } from "~/server/lib/errors";
import { failureGroupKey, sqsFailure } from "./failure";

export interface SnapshotOptions {
  /** Stop after this many messages (the snapshot is then "partial"). */
  maxMessages: number;
  /** How long each received message stays hidden before it is released; a safety net if Redrive dies mid-snapshot. */
  visibilitySeconds: number;
}

const SNAPSHOT_RECEIVERS = 5;

const DEFAULT_OPTIONS: SnapshotOptions = { maxMessages: 10_000, visibilitySeconds: 60 };

/**
 * Copies a DLQ's messages into the control store without side effects beyond SQS's own receive count:
 * each batch is received with a short visibility timeout and stored, and every message is made visible
 * again (ChangeMessageVisibility 0) as soon as the snapshot ends, failed or not. Nothing is deleted.
 * Messages stay hidden while the snapshot runs so that one pass sees each message once.
 */
export async function takeSqsSnapshot(
  db: ControlDb,
  adapter: SqsAdapter,
  queue: string,
  takenBy: string,
  options: Partial<SnapshotOptions> = {},
): Promise<{ id: string; captured: number; approximateTotal: number; status: string }> {
  const { maxMessages, visibilitySeconds } = { ...DEFAULT_OPTIONS, ...options };
  const url = await adapter.queueUrl(queue);
  const attributes = await adapter.queueAttributes(url);
  if (attributes.RedrivePolicy) {
    // Receiving from a queue that has its own DLQ counts towards moving messages out of it.
    throw new Error(`"${queue}" has its own RedrivePolicy: receiving from it could move messages, so Redrive does not snapshot it`);
  }
  const approximateTotal = Number(attributes.ApproximateNumberOfMessages ?? 0);
  const [snapshot] = await db
    .insert(sqsSnapshots)
    .values({ connection: adapter.name, queue, approximateTotal, status: "running", takenBy })
    .returning({ id: sqsSnapshots.id });
  const id = snapshot!.id;

  const handles: string[] = [];
  const seen = new Set<string>();
  let status: "complete" | "partial" | "failed" = "complete";
  let error: string | null = null;
  // Several receivers at once: each receive is a round trip, and the messages stay hidden while the pass runs.
  const receiver = async () => {
    let emptyReceives = 0;
    while (seen.size < maxMessages) {
      const batch = await adapter.receive(url, visibilitySeconds);
      const fresh = batch.filter((m) => !seen.has(m.messageId));
      handles.push(...batch.map((m) => m.receiptHandle));
      if (fresh.length === 0) {
        // An empty receive can be a false empty on real SQS: try a couple of times before concluding.
        emptyReceives += 1;
        if (emptyReceives >= 3) break;
        continue;
      }
      emptyReceives = 0;
      const rows = fresh.map((m) => {
        seen.add(m.messageId);
        const failure = sqsFailure(m.messageAttributes, m.attributes, m.body);
        return {
          snapshotId: id,
          seq: seen.size,
          messageId: m.messageId,
          body: m.body,
          attributes: m.attributes,
          messageAttributes: m.messageAttributes,
          sentTimestamp: m.attributes.SentTimestamp ? new Date(Number(m.attributes.SentTimestamp)) : null,
          receiveCount: m.attributes.ApproximateReceiveCount ? Number(m.attributes.ApproximateReceiveCount) : null,
          sourceArn: m.attributes.DeadLetterQueueSourceArn ?? null,
          exceptionClass: failure.exceptionClass,
          errorMessage: failure.message,
          fingerprint: failureGroupKey(failure).fingerprint,
        };
      });
      await db.insert(sqsSnapshotMessages).values(rows).onConflictDoNothing();
    }
  };
  try {
    await Promise.all(Array.from({ length: SNAPSHOT_RECEIVERS }, receiver));
    if (seen.size >= maxMessages || seen.size < approximateTotal) status = "partial";
  } catch (caught) {
    status = "failed";
    error = errorMessage(caught);
  } finally {
    await adapter.release(url, handles).catch((caught: unknown) => {
      error = `${error ? `${error}; ` : ""}releasing messages failed (they reappear after ${visibilitySeconds} s): ${errorMessage(caught)}`;
    });
  }
  await db.update(sqsSnapshots).set({ finishedAt: new Date(), captured: seen.size, status, error }).where(eq(sqsSnapshots.id, id));
  if (status === "failed") throw new Error(error ?? "snapshot failed");
  return { id, captured: seen.size, approximateTotal, status };
}
