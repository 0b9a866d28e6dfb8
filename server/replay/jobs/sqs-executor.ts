import { subscriberCopies } from "../sns-replay";
import { randomUUID } from "node:crypto";
import type { ReceivedSqsMessage, SqsAdapter, SqsOutgoingMessage } from "~/server/brokers/sqs/sqs";
import type { ControlDb } from "~/server/db/control-store";
import { errorMessage } from "~/server/lib/errors";
import { DEFAULT_REPLAY_LIMIT, sqsReplayAttributes, sqsReplayMetadata } from "~/server/replay/headers";
import type { ReplayJob } from "./dry-run";
import type { BatchOutcome, ReplayExecutor } from "./executor";
import { addCounters, markCameBack, nextItems, updateItems, writeLedger, type ItemUpdate, type ReplayItem } from "./items";

// Received DLQ messages stay hidden this long: a pass sees each message once, and if Redrive dies they
// come back on their own.
const HOLD_SECONDS = 30;
// Messages hidden by someone else (or by a worker that died) are waited for this long before the job
// concludes that its remaining messages left the DLQ.
const HIDDEN_WAIT_MS = (HOLD_SECONDS + 30) * 1000;
const RECEIVERS = 8;
// A pass that finds nothing to do ends after this many empty receives per receiver.
const EMPTY_RECEIVES = 2;
// Open items not seen in this many whole passes are no longer in the DLQ.
const MISSING_AFTER_PASSES = 3;


/**
 * Replays SQS dead letters: ReceiveMessage → SendMessageBatch → DeleteMessageBatch of only the
 * acknowledged entries. The snapshot said which MessageIds belong to the job; every received message
 * that is not one of them stays hidden until the pass ends and is then released. Each item goes
 * pending → sending (replay id stored) → sent (copy acknowledged) → done (original deleted), so a
 * crash after the send never sends a "sent" item again; one left "sending" is sent again with the same
 * replay id and counted as a possible duplicate (FIFO targets deduplicate it by that id).
 */
export class SqsReplayExecutor implements ReplayExecutor {
  private dlqUrl = "";
  private readonly urls = new Map<string, string>();
  private held: string[] = [];
  private open = new Map<string, ReplayItem>();
  private emptyPasses = 0;
  private hiddenSince: number | null = null;
  private carry: { item: ReplayItem; message: ReceivedSqsMessage }[] = [];
  private returns: { replayId: string; where: string }[] = [];

  constructor(
    private readonly db: ControlDb,
    private readonly adapter: SqsAdapter,
    private readonly job: ReplayJob,
  ) {}

  private subscriberCopies: ReturnType<typeof subscriberCopies> | null = null;

  private subscriberCopy(message: ReceivedSqsMessage) {
    this.subscriberCopies ??= subscriberCopies(this.adapter, this.job.dlq);
    return this.subscriberCopies(message);
  }

  private async urlOf(queue: string): Promise<string> {
    let url = this.urls.get(queue);
    if (!url) this.urls.set(queue, (url = await this.adapter.queueUrl(queue)));
    return url;
  }

  async prepare(): Promise<void> {
    this.dlqUrl = await this.urlOf(this.job.dlq);
    const open = await nextItems(this.db, this.job.id, ["pending", "sending", "sent"], 10_000_000);
    this.open = new Map(open.map((item) => [item.messageId, item]));
  }

  async recover(): Promise<number> {
    // Nothing to settle up front: items left "sending" or "sent" are finished when their message is received again.
    return [...this.open.values()].filter((item) => item.state === "sending" || item.state === "sent").length;
  }

  /** Receives until `limit` of the job's messages are in hand or the DLQ has nothing more to show. */
  private async collect(limit: number): Promise<{ item: ReplayItem; message: ReceivedSqsMessage }[]> {
    const selected = new Map<string, { item: ReplayItem; message: ReceivedSqsMessage }>();
    // Matches received beyond the last batch's limit come first (still hidden, their handles still valid).
    for (const entry of this.carry.splice(0, limit)) selected.set(entry.message.messageId, entry);
    const receiver = async () => {
      let empty = 0;
      while (selected.size < limit && empty < EMPTY_RECEIVES) {
        const batch = await this.adapter.receive(this.dlqUrl, HOLD_SECONDS);
        if (batch.length === 0) {
          empty += 1;
          continue;
        }
        for (const message of batch) {
          const item = this.open.get(message.messageId);
          if (item && !selected.has(message.messageId) && !this.carry.some((c) => c.message.messageId === message.messageId)) {
            if (selected.size < limit) selected.set(message.messageId, { item, message });
            else this.carry.push({ item, message });
            continue;
          }
          this.held.push(message.receiptHandle);
          const { replayId } = sqsReplayMetadata(message.messageAttributes);
          if (replayId) this.returns.push({ replayId, where: `${this.job.dlq}/${message.messageId}` });
        }
      }
    };
    await Promise.all(Array.from({ length: RECEIVERS }, receiver));
    return [...selected.values()];
  }

  private async releaseHeld(): Promise<void> {
    const handles = [...this.held, ...this.carry.map((c) => c.message.receiptHandle)];
    this.held = [];
    this.carry = [];
    if (handles.length > 0) await this.adapter.release(this.dlqUrl, handles).catch(() => undefined);
  }

  async runBatch(limit: number): Promise<BatchOutcome> {
    if (this.open.size === 0) return { processed: 0, finished: true };
    const selected = await this.collect(limit);
    if (selected.length === 0) return this.endPass();
    this.emptyPasses = 0;
    if (this.job.action === "discard") return this.discard(selected);

    const release: string[] = [];
    const settled: ItemUpdate[] = [];
    let skipped = 0;
    let failed = 0;
    let duplicates = 0;
    const toSend: { item: ReplayItem; message: ReceivedSqsMessage; replayId: string; count: number; outgoing: SqsOutgoingMessage; target: string }[] = [];
    const toDelete: { item: ReplayItem; message: ReceivedSqsMessage }[] = [];
    for (const { item, message } of selected) {
      if (item.state === "sent") {
        toDelete.push({ item, message }); // the copy was acknowledged before a crash: only the delete is missing
        continue;
      }
      const previous = sqsReplayMetadata(message.messageAttributes).count;
      if (previous >= DEFAULT_REPLAY_LIMIT && !this.job.options.overrideLoopGuard) {
        settled.push({ seq: item.seq, state: "skipped", outcome: `quarantined: already replayed ${previous} times` });
        release.push(message.receiptHandle);
        skipped += 1;
        continue;
      }
      const replayId = item.replayId ?? randomUUID();
      if (item.state === "sending") duplicates += 1; // it may have reached the target before the crash
      const target = item.target!;
      try {
        // Back to its origin, an SNS dead letter goes as its subscriber receives it (envelope or raw); to a chosen queue, as it is.
        const copy = this.job.target === null ? await this.subscriberCopy(message) : null;
        const attributes = sqsReplayAttributes(copy?.attributes ?? message.messageAttributes, { replayId, count: previous + 1, from: `${this.job.dlq}/${item.messageId}` });
        const fifo = target.endsWith(".fifo");
        toSend.push({
          item,
          message,
          replayId,
          count: previous + 1,
          target,
          outgoing: {
            id: String(item.seq),
            body: copy?.body ?? message.body,
            attributes,
            groupId: fifo ? (message.attributes.MessageGroupId ?? "redrive") : undefined,
            deduplicationId: fifo ? replayId : undefined,
          },
        });
      } catch (error) {
        settled.push({ seq: item.seq, state: "failed", outcome: errorMessage(error) });
        release.push(message.receiptHandle);
        failed += 1;
      }
    }

    await updateItems(this.db, this.job.id, [...settled, ...toSend.map((s) => ({ seq: s.item.seq, state: "sending" as const, replayId: s.replayId, attempt: true }))]);
    await addCounters(this.db, this.job.id, { skipped, failed, duplicates });
    for (const update of settled) this.open.delete(selected.find((s) => s.item.seq === update.seq)!.item.messageId);

    // Send, per target; whatever SQS did not acknowledge stays in the DLQ.
    const byTarget = new Map<string, typeof toSend>();
    for (const entry of toSend) {
      let list = byTarget.get(entry.target);
      if (!list) byTarget.set(entry.target, (list = []));
      list.push(entry);
    }
    const acknowledged = new Map<number, string>();
    const sendFailures: ItemUpdate[] = [];
    for (const [target, entries] of byTarget) {
      const result = await this.adapter.sendBatch(await this.urlOf(target), entries.map((e) => e.outgoing), 8);
      for (const ok of result.ok) acknowledged.set(Number(ok.id), ok.messageId ?? "");
      for (const bad of result.failed) {
        const entry = entries.find((e) => e.outgoing.id === bad.id)!;
        sendFailures.push({ seq: entry.item.seq, state: "failed", outcome: `send refused: ${bad.code} ${bad.message}`.trim() });
        release.push(entry.message.receiptHandle);
        this.open.delete(entry.item.messageId);
      }
    }
    const sent = toSend.filter((s) => acknowledged.has(s.item.seq));
    await updateItems(this.db, this.job.id, [...sendFailures, ...sent.map((s) => ({ seq: s.item.seq, state: "sent" as const, targetPosition: acknowledged.get(s.item.seq)! }))]);
    await addCounters(this.db, this.job.id, { failed: sendFailures.length });

    // Only now, with each copy acknowledged, may its original leave the DLQ.
    const deletable = [...sent.map((s) => ({ item: s.item, message: s.message })), ...toDelete];
    const deleted = await this.adapter.deleteBatch(
      this.dlqUrl,
      deletable.map((d) => ({ id: String(d.item.seq), receiptHandle: d.message.receiptHandle })),
      8,
    );
    const deletedSeqs = new Set(deleted.ok.map((ok) => Number(ok.id)));
    const done = deletable.filter((d) => deletedSeqs.has(d.item.seq));
    const sentInfo = new Map(sent.map((s) => [s.item.seq, s]));
    await this.db.transaction(async (tx) => {
      await updateItems(tx, this.job.id, [
        ...done.map((d) => ({ seq: d.item.seq, state: "done" as const })),
        ...deleted.failed.map((bad) => ({ seq: Number(bad.id), state: "sent" as const, outcome: `copy sent; deleting the original failed (${bad.code}), it will be deleted when received again` })),
      ]);
      await writeLedger(
        tx,
        this.job,
        done.map((d) => {
          const info = sentInfo.get(d.item.seq);
          return {
            replayId: info?.replayId ?? d.item.replayId!,
            messageId: d.item.messageId,
            target: d.item.target,
            targetPosition: acknowledged.get(d.item.seq) ?? d.item.targetPosition,
            replayCount: info?.count ?? sqsReplayMetadata(d.message.messageAttributes).count + 1,
            action: "replay",
          };
        }),
      );
      await addCounters(tx, this.job.id, { done: done.length });
    });
    for (const d of done) this.open.delete(d.item.messageId);
    // The ones still open are picked up again in this pass or the next.
    for (const s of sent) if (!deletedSeqs.has(s.item.seq)) this.open.set(s.item.messageId, { ...s.item, state: "sent", replayId: s.replayId });
    if (release.length > 0) await this.adapter.release(this.dlqUrl, release).catch(() => undefined);
    return { processed: selected.length, finished: false };
  }

  /** Discard: the body and attributes are archived in the ledger first, then the message is deleted. */
  private async discard(selected: { item: ReplayItem; message: ReceivedSqsMessage }[]): Promise<BatchOutcome> {
    const entries = selected.map(({ item, message }) => ({ item, message, replayId: item.replayId ?? randomUUID() }));
    await this.db.transaction(async (tx) => {
      await updateItems(tx, this.job.id, entries.map((e) => ({ seq: e.item.seq, state: "sent" as const, replayId: e.replayId, outcome: "archived" })));
      await writeLedger(
        tx,
        this.job,
        entries.map((e) => ({
          replayId: e.replayId,
          messageId: e.item.messageId,
          target: null,
          targetPosition: null,
          replayCount: 0,
          action: "discard",
          reason: this.job.reason,
          archived: { body: e.message.body, attributes: e.message.attributes, messageAttributes: e.message.messageAttributes },
        })),
      );
    });
    const deleted = await this.adapter.deleteBatch(this.dlqUrl, entries.map((e) => ({ id: String(e.item.seq), receiptHandle: e.message.receiptHandle })));
    const ok = new Set(deleted.ok.map((d) => Number(d.id)));
    await updateItems(this.db, this.job.id, entries.filter((e) => ok.has(e.item.seq)).map((e) => ({ seq: e.item.seq, state: "done" as const, outcome: "discarded" })));
    await addCounters(this.db, this.job.id, { done: ok.size });
    for (const e of entries) if (ok.has(e.item.seq)) this.open.delete(e.item.messageId);
    return { processed: entries.length, finished: false };
  }

  /** The DLQ showed nothing more of the job: release what was held and, after a few passes, settle what was never seen. */
  private async endPass(): Promise<BatchOutcome> {
    await this.releaseHeld();
    // Hidden messages may be ours (held by a worker that died): wait for them to show again.
    const hidden = Number((await this.adapter.queueAttributes(this.dlqUrl)).ApproximateNumberOfMessagesNotVisible ?? 0);
    if (hidden > 0) {
      this.hiddenSince ??= Date.now();
      if (Date.now() - this.hiddenSince < HIDDEN_WAIT_MS) {
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        return { processed: 0, finished: false };
      }
    }
    this.hiddenSince = null;
    this.emptyPasses += 1;
    if (this.emptyPasses < MISSING_AFTER_PASSES) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      return { processed: 0, finished: false };
    }
    const updates: ItemUpdate[] = [];
    let done = 0;
    let skipped = 0;
    for (const item of this.open.values()) {
      if (item.state === "sent") {
        updates.push({ seq: item.seq, state: "done", outcome: "copy sent; the original was not seen again in the DLQ" });
        done += 1;
      } else {
        updates.push({ seq: item.seq, state: "skipped", outcome: "no longer in the DLQ (replayed, deleted or moved elsewhere)" });
        skipped += 1;
      }
    }
    await updateItems(this.db, this.job.id, updates);
    await addCounters(this.db, this.job.id, { done, skipped });
    this.open.clear();
    return { processed: updates.length, finished: true };
  }

  async checkCameBack(thorough: boolean): Promise<number> {
    if (this.job.action !== "replay") return 0;
    // In passing, receives see the copies that came back; only the canary's watch looks at the DLQ on purpose.
    if (thorough && this.returns.length === 0) {
      // Nothing seen in passing: look at the DLQ (received, then released at once).
      const seen: string[] = [];
      for (let round = 0; round < 100; round += 1) {
        const batch = await this.adapter.receive(this.dlqUrl, 30);
        if (batch.length === 0) break;
        for (const message of batch) {
          seen.push(message.receiptHandle);
          const { replayId } = sqsReplayMetadata(message.messageAttributes);
          if (replayId) this.returns.push({ replayId, where: `${this.job.dlq}/${message.messageId}` });
        }
      }
      if (seen.length > 0) await this.adapter.release(this.dlqUrl, seen).catch(() => undefined);
    }
    const returns = this.returns;
    this.returns = [];
    return markCameBack(this.db, this.job.id, returns);
  }

  async close(): Promise<void> {
    await this.releaseHeld();
  }
}

