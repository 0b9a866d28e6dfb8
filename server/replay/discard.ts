/**
 * Discard: resolve dead letters without replaying them, always with a reason. Kafka DLQ records cannot be
 * deleted one by one, so a discard is a ledger row (action "discard") that the DLQ list and the message view
 * count as resolved. An SQS discard receives the message (never a guessed receipt handle), archives its body
 * and attributes in the ledger row, and only then deletes it from the DLQ.
 * The bulk job engine reuses discardKafkaMessages and discardSqsMessages.
 */
import { randomUUID } from "node:crypto";
import { and, eq, inArray } from "drizzle-orm";
import type { KafkaAdapter } from "~/server/brokers/kafka/kafka";
import type { ReceivedSqsMessage, SqsAdapter } from "~/server/brokers/sqs/sqs";
import type { ControlDb } from "~/server/db/control-store";
import { replayLedger } from "~/server/db/schema";
import { ReplayRefused } from "./replay-one";
import { assertDeadLetterQueue } from "./sqs-receive";
import { parseLogPosition } from "~/server/lib/message-id";

export interface DiscardOptions {
  reason: string;
  /** Who discarded: a user or token name. */
  by: string;
  jobId?: string | null;
}

export interface DiscardOutcome {
  /** Ids resolved by this call, with the ledger's replay id of each. */
  discarded: { id: string; replayId: string }[];
  /** Kafka: ids that already had a discard row (a discard is idempotent). */
  alreadyDiscarded: string[];
  /** Ids not (or no longer) in the DLQ. */
  missing: string[];
}

function requireReason(reason: string): string {
  const trimmed = reason.trim();
  if (!trimmed) throw new ReplayRefused("A discard needs a reason.");
  return trimmed;
}

const CHUNK = 1_000;

function parseKafkaId(id: string): { partition: number; offset: number } {
  const position = parseLogPosition(id);
  if (!position) throw new ReplayRefused(`"${id}" is not a Kafka message id (partition:offset).`);
  return position;
}

/**
 * Marks Kafka dead letters as resolved: one ledger row per message still retained in the DLQ topic (offset
 * between log start and log end), skipping those already discarded. The records themselves stay.
 */
export async function discardKafkaMessages(db: ControlDb, adapter: KafkaAdapter, dlq: string, ids: string[], options: DiscardOptions): Promise<DiscardOutcome> {
  const reason = requireReason(options.reason);
  const unique = [...new Set(ids)];
  const positions = unique.map((id) => ({ id, ...parseKafkaId(id) }));
  const offsets = new Map((await adapter.topicOffsets(dlq)).map((p) => [p.partition, p]));
  const retained = positions.filter(({ partition, offset }) => {
    const p = offsets.get(partition);
    return p !== undefined && offset >= p.logStartOffset && offset < p.logEndOffset;
  });
  const retainedIds = new Set(retained.map((p) => p.id));
  const missing = unique.filter((id) => !retainedIds.has(id));

  const already = new Set<string>();
  for (let i = 0; i < retained.length; i += CHUNK) {
    const rows = await db
      .select({ messageId: replayLedger.messageId })
      .from(replayLedger)
      .where(
        and(
          eq(replayLedger.kind, "kafka"),
          eq(replayLedger.connection, adapter.name),
          eq(replayLedger.dlq, dlq),
          eq(replayLedger.action, "discard"),
          inArray(
            replayLedger.messageId,
            retained.slice(i, i + CHUNK).map((p) => p.id),
          ),
        ),
      );
    for (const row of rows) already.add(row.messageId);
  }

  const fresh = retained.filter((p) => !already.has(p.id)).map((p) => ({ id: p.id, replayId: randomUUID() }));
  for (let i = 0; i < fresh.length; i += CHUNK) {
    await db.insert(replayLedger).values(
      fresh.slice(i, i + CHUNK).map(({ id, replayId }) => ({
        replayId,
        kind: "kafka" as const,
        action: "discard" as const,
        connection: adapter.name,
        dlq,
        messageId: id,
        target: null,
        targetPosition: null,
        replayCount: 0,
        replayedBy: options.by,
        jobId: options.jobId ?? null,
        reason,
      })),
    );
  }
  return { discarded: fresh, alreadyDiscarded: [...already], missing };
}

const VISIBILITY_SECONDS = 30;

async function archiveAndDelete(db: ControlDb, adapter: SqsAdapter, dlq: string, dlqUrl: string, message: ReceivedSqsMessage, reason: string, options: DiscardOptions) {
  const replayId = randomUUID();
  // The archive is written first: once deleted, the DLQ no longer has the message.
  await db.insert(replayLedger).values({
    replayId,
    kind: "sqs",
    action: "discard",
    connection: adapter.name,
    dlq,
    messageId: message.messageId,
    target: null,
    targetPosition: null,
    replayCount: 0,
    replayedBy: options.by,
    jobId: options.jobId ?? null,
    reason,
    archived: { body: message.body, attributes: message.attributes, messageAttributes: message.messageAttributes },
  });
  try {
    await adapter.delete(dlqUrl, message.receiptHandle);
  } catch (error) {
    // Not deleted: the message is not resolved after all.
    await db.delete(replayLedger).where(eq(replayLedger.replayId, replayId));
    throw error;
  }
  return replayId;
}

/**
 * Discards SQS dead letters by id: receives from the DLQ until every id turned up (or the queue is
 * exhausted), archives and deletes each of them, and makes every other received message visible again.
 */
export async function discardSqsMessages(db: ControlDb, adapter: SqsAdapter, dlq: string, ids: string[], options: DiscardOptions): Promise<DiscardOutcome> {
  const reason = requireReason(options.reason);
  const wanted = new Set(ids);
  const discarded: DiscardOutcome["discarded"] = [];
  await assertDeadLetterQueue(adapter, dlq);
  const dlqUrl = await adapter.queueUrl(dlq);
  const release: string[] = [];
  const rounds = Math.ceil(wanted.size / 10) + 50;
  try {
    for (let round = 0; round < rounds && wanted.size > 0; round += 1) {
      const batch = await adapter.receive(dlqUrl, VISIBILITY_SECONDS);
      if (batch.length === 0) break;
      for (const message of batch) {
        if (!wanted.has(message.messageId)) {
          release.push(message.receiptHandle);
          continue;
        }
        wanted.delete(message.messageId);
        try {
          discarded.push({ id: message.messageId, replayId: await archiveAndDelete(db, adapter, dlq, dlqUrl, message, reason, options) });
        } catch (error) {
          release.push(message.receiptHandle, ...batch.filter((m) => !discarded.some((d) => d.id === m.messageId)).map((m) => m.receiptHandle));
          throw error;
        }
      }
    }
  } finally {
    await adapter.release(dlqUrl, [...new Set(release)]).catch(() => undefined);
  }
  return { discarded, alreadyDiscarded: [], missing: [...wanted] };
}

/** One SQS dead letter, archived in the ledger and deleted; refused when it is no longer in the DLQ. */
export async function discardSqsMessage(
  db: ControlDb,
  adapter: SqsAdapter,
  dlq: string,
  messageId: string,
  options: DiscardOptions,
): Promise<{ id: string; replayId: string }> {
  const outcome = await discardSqsMessages(db, adapter, dlq, [messageId], options);
  const done = outcome.discarded[0];
  if (!done) throw new ReplayRefused(`Message ${messageId} is no longer in ${dlq} (replayed, deleted or moved already).`);
  return done;
}
