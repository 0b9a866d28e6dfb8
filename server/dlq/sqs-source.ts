import { and, asc, desc, eq, gt, inArray } from "drizzle-orm";
import { requireBroker } from "~/server/connections/registry";
import type { ControlDb } from "~/server/db/control-store";
import { sqsSnapshotMessages, sqsSnapshots } from "~/server/db/schema";
import { DomainError, NotFound } from "~/server/lib/errors";
import { FailureGroupAggregator } from "./groups";
import { fromSqsMessage, type RawDlqMessage } from "./messages";
import type { DlqSource } from "./source";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A snapshot-browsed DLQ read without a usable snapshot (id). */
class SnapshotNeeded extends DomainError {
  readonly refusal = "invalid";
}

/** The latest snapshot of an SQS DLQ, or null. */
export async function latestSnapshot(db: ControlDb, connection: string, queue: string) {
  const [snapshot] = await db
    .select()
    .from(sqsSnapshots)
    .where(and(eq(sqsSnapshots.connection, connection), eq(sqsSnapshots.queue, queue)))
    .orderBy(desc(sqsSnapshots.startedAt))
    .limit(1);
  return snapshot ?? null;
}

/** A snapshot id as given (a UUID), refused otherwise; `what` says what was asked. */
function snapshotIdOf(snapshotId: string | undefined, missing: string): string {
  if (!snapshotId) throw new SnapshotNeeded(missing);
  if (!UUID.test(snapshotId)) throw new SnapshotNeeded("snapshotId must be a snapshot's id (a UUID).");
  return snapshotId;
}

/** A snapshot's messages in snapshot order, `size` at a time; the last page is the first short one (perhaps empty). */
async function* snapshotPages(db: ControlDb, snapshotId: string, size: number): AsyncGenerator<RawDlqMessage[]> {
  let after = 0;
  for (;;) {
    const rows = await db
      .select()
      .from(sqsSnapshotMessages)
      .where(and(eq(sqsSnapshotMessages.snapshotId, snapshotId), gt(sqsSnapshotMessages.seq, after)))
      .orderBy(asc(sqsSnapshotMessages.seq))
      .limit(size);
    yield rows.map(fromSqsMessage);
    if (rows.length < size) return;
    after = rows.at(-1)!.seq;
  }
}

/** Failure groups over the latest snapshot's messages (up to about maxMessages, a page at a time). */
async function snapshotGroups(db: ControlDb, connection: string, queue: string, maxMessages: number) {
  const snapshot = await latestSnapshot(db, connection, queue);
  if (!snapshot) return { groups: [], scanned: 0, retained: 0 };
  const aggregator = new FailureGroupAggregator(Date.now());
  let scanned = 0;
  for await (const page of snapshotPages(db, snapshot.id, 1_000)) {
    for (const message of page) aggregator.add(message);
    scanned += page.length;
    if (scanned >= maxMessages) break;
  }
  return { groups: aggregator.result(), scanned, retained: snapshot.captured };
}

/** A search of a snapshot: every message, a page at a time, filtered (afterPage) while the next page is read. */
async function scanSnapshot(
  db: ControlDb,
  snapshotId: string,
  visit: (message: RawDlqMessage) => void,
  stop: () => boolean,
  onTotal: (total: number) => void,
  afterPage: () => Promise<void>,
): Promise<void> {
  const PAGE = 1_000;
  let total = 0;
  for await (const page of snapshotPages(db, snapshotId, PAGE)) {
    total += page.length;
    if (page.length < PAGE) onTotal(total);
    for (const message of page) {
      if (stop()) return;
      visit(message);
    }
    await afterPage();
  }
}

/** Messages of an SQS snapshot, in snapshot order, optionally only the given MessageIds. */
async function* sqsSnapshotMessagesOf(db: ControlDb, snapshotId: string, ids: string[] | null): AsyncGenerator<RawDlqMessage[]> {
  const PAGE = 500;
  if (ids) {
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += PAGE) {
      const rows = await db
        .select()
        .from(sqsSnapshotMessages)
        .where(and(eq(sqsSnapshotMessages.snapshotId, snapshotId), inArray(sqsSnapshotMessages.messageId, unique.slice(i, i + PAGE))))
        .orderBy(asc(sqsSnapshotMessages.seq));
      if (rows.length > 0) yield rows.map(fromSqsMessage);
    }
    return;
  }
  for await (const page of snapshotPages(db, snapshotId, PAGE)) if (page.length > 0) yield page;
}

/** The snapshot an export reads: the one given (of this queue) or the latest. */
async function exportSnapshot(db: ControlDb, connection: string, queue: string, snapshotId: string | undefined): Promise<string> {
  if (snapshotId && !UUID.test(snapshotId)) throw new SnapshotNeeded("snapshotId is not a snapshot id.");
  const [snapshot] = await db
    .select({ id: sqsSnapshots.id })
    .from(sqsSnapshots)
    .where(
      snapshotId
        ? and(eq(sqsSnapshots.id, snapshotId), eq(sqsSnapshots.connection, connection), eq(sqsSnapshots.queue, queue))
        : and(eq(sqsSnapshots.connection, connection), eq(sqsSnapshots.queue, queue)),
    )
    .orderBy(desc(sqsSnapshots.startedAt))
    .limit(1);
  if (!snapshot) throw new NotFound(snapshotId ? "No such snapshot of this queue." : "No snapshot of this queue yet: take one first.");
  return snapshot.id;
}

/**
 * An SQS DLQ: browsed, grouped, searched and exported from a snapshot in the control store (its messages received
 * with a short visibility timeout and released at once), never from the queue itself.
 */
export const sqsDlqSource: DlqSource = {
  assertReadable: () => undefined,
  assertSearchable(at) {
    if (!at.snapshotId) throw new SnapshotNeeded("Take a snapshot of the SQS DLQ first.");
  },
  async message(deps, at, id) {
    const snapshotId = snapshotIdOf(at.snapshotId, "SQS messages are read from a snapshot: give snapshotId.");
    const [row] = await deps.db
      .select()
      .from(sqsSnapshotMessages)
      .where(and(eq(sqsSnapshotMessages.snapshotId, snapshotId), eq(sqsSnapshotMessages.messageId, id)));
    return row ? fromSqsMessage(row) : null;
  },
  missing: () => "No such message in this snapshot.",
  groups: (deps, at, maxMessages) => snapshotGroups(deps.db, at.connection, at.dlq, maxMessages),
  scan: (deps, at, sink) => scanSnapshot(deps.db, at.snapshotId ?? "", sink.message, sink.stop, sink.total, sink.afterBatch),
  async exportBatches(deps, at, ids) {
    requireBroker(deps.connections, "sqs", at.connection);
    const snapshotId = await exportSnapshot(deps.db, at.connection, at.dlq, at.snapshotId);
    return { batches: sqsSnapshotMessagesOf(deps.db, snapshotId, ids), snapshotId };
  },
};
