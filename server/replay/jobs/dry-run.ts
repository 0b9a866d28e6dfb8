import { subscriberQueueResolver } from "../sns-replay";
import type { SnsDeliveryFailure } from "~/server/brokers/sqs/sns-envelope";
import { and, asc, eq, sql } from "drizzle-orm";
import { brokerPlugin, can, type BrokerKind } from "~/server/brokers/registry";
import { replayBrokerOf, type Connections } from "~/server/connections/registry";
import type { ControlDb } from "~/server/db/control-store";
import {
  replayJobs,
  replayLedger,
  sqsSnapshotMessages,
  sqsSnapshots,
  type ReplayDryRun,
  type ReplayJobOptions,
  type ReplayJobSelection,
} from "~/server/db/schema";
import { failureGroupKey, originOfFailure } from "~/server/dlq/failure";
import { compileFilter } from "~/server/dlq/filter";
import { takeScanSlot } from "~/server/dlq/scan-slots";
import { isKnownDlq } from "~/server/dlq/topic-access";
import { scanKafkaTopic } from "~/server/dlq/kafka-dlq";
import type { PayloadAccess } from "~/server/dlq/masking";
import { fromSqsMessage, summarise, type RawDlqMessage } from "~/server/dlq/messages";
import { rabbitScan } from "~/server/dlq/rabbitmq-dlq";
import { natsPage } from "~/server/dlq/nats-dlq";
import { filterView } from "~/server/dlq/scans";
import { decodeMessages } from "~/server/dlq/schema-decoding";
import { schemaDecoderOf } from "~/server/dlq/schema-decoders";
import type { SchemaDecoder } from "~/server/schemas";
import { takeSqsSnapshot } from "~/server/dlq/sqs-snapshot";
import { DEFAULT_REPLAY_LIMIT, replayCountOf, sqsReplayMetadata } from "~/server/replay/headers";
import { audiencesOf } from "~/server/replay/audience";
import { ReplayRefused } from "~/server/replay/replay-one";
import { DEFAULT_JOB_OPTIONS } from "./default-options";
import { parseLogPosition } from "~/server/lib/message-id";

export type ReplayJob = typeof replayJobs.$inferSelect;

export { DEFAULT_JOB_OPTIONS };

export interface DraftInput {
  kind: BrokerKind;
  connection: string;
  dlq: string;
  action: "replay" | "discard";
  /** Omitted: each message goes back to its origin. */
  target?: string;
  selection: ReplayJobSelection;
  options?: Partial<ReplayJobOptions>;
  reason?: string;
}

const SAMPLE_SIZE = 20;
const INSERT_CHUNK = 5_000;

interface DraftItem {
  seq: number;
  messageId: string;
  partition: number | null;
  offset: number | null;
  fingerprint: string;
  target: string | null;
}

/** Decides, message by message, what the job will contain and tallies the dry run. */
class DraftBuilder {
  readonly items: DraftItem[] = [];
  readonly result: ReplayDryRun = { scanned: 0, matched: 0, resolved: 0, quarantined: 0, noTarget: 0, byGroup: [], byTarget: [], sample: [] };
  private readonly groups = new Map<string, ReplayDryRun["byGroup"][number]>();
  private readonly targets = new Map<string, number>();

  constructor(
    private readonly input: DraftInput,
    private readonly options: ReplayJobOptions,
    private readonly resolved: Map<string, number>,
    private readonly matches: BatchMatcher,
    private readonly access: PayloadAccess,
  ) {}

  /** `origin`: where the message goes back to when its failure headers do not say (an SNS subscriber's queue). */
  private pending: { message: RawDlqMessage; replayCount: number; origin: string | null }[] = [];

  /** Queues a message; `flush` decides on the queued ones (a filter evaluates them in the worker pool). */
  add(message: RawDlqMessage, replayCount: number, origin: string | null = null): void {
    this.pending.push({ message, replayCount, origin });
  }

  async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    const matched = await this.matches(batch.map(({ message }) => message));
    batch.forEach(({ message, replayCount, origin }, i) => this.visit(message, replayCount, matched[i] === true, origin));
  }

  private visit(message: RawDlqMessage, replayCount: number, matched: boolean, fallbackOrigin: string | null): void {
    this.result.scanned += 1;
    if (!matched) return;
    this.result.matched += 1;
    if (!this.options.includeResolved && (this.resolved.get(message.id) ?? -1) > replayCount) {
      this.result.resolved += 1;
      return;
    }
    if (this.input.action === "replay" && replayCount >= DEFAULT_REPLAY_LIMIT && !this.options.overrideLoopGuard) {
      this.result.quarantined += 1;
      return;
    }
    // An SNS dead letter goes back to its subscriber's queue (the failure's origin names the subscription, not a queue).
    const origin = message.failure?.sns ? fallbackOrigin : originOfFailure(message.failure);
    const target = this.input.action === "replay" ? (this.input.target ?? origin) : null;
    if (this.input.action === "replay" && !target) {
      this.result.noTarget += 1;
      return;
    }
    if (target === this.input.dlq) {
      this.result.noTarget += 1;
      return;
    }
    const key = failureGroupKey(message.failure);
    this.items.push({ seq: this.items.length + 1, messageId: message.id, partition: message.partition, offset: message.partition === null ? null : message.offset, fingerprint: key.fingerprint, target });
    const group = this.groups.get(key.fingerprint) ?? { fingerprint: key.fingerprint, origin: key.origin, exceptionClass: key.exceptionClass, pattern: key.normalisedMessage, count: 0 };
    group.count += 1;
    this.groups.set(key.fingerprint, group);
    if (target) this.targets.set(target, (this.targets.get(target) ?? 0) + 1);
    if (this.result.sample.length < SAMPLE_SIZE) {
      const summary = summarise(message, this.access);
      this.result.sample.push({ id: message.id, timestampMs: message.timestampMs, target, error: summary.errorMessage, preview: summary.valuePreview });
    }
  }

  finish(): ReplayDryRun {
    this.result.byGroup = [...this.groups.values()].sort((a, b) => b.count - a.count);
    this.result.byTarget = [...this.targets].map(([target, count]) => ({ target, count })).sort((a, b) => b.count - a.count);
    return this.result;
  }
}

type BatchMatcher = (messages: RawDlqMessage[]) => Promise<boolean[]>;

const each =
  (predicate: (message: RawDlqMessage) => boolean): BatchMatcher =>
  (messages) =>
    Promise.resolve(messages.map(predicate));

function selectionPredicate(selection: ReplayJobSelection, access: PayloadAccess, decoder: SchemaDecoder | null, dlq: string): BatchMatcher {
  switch (selection.source) {
    case "all":
      return each(() => true);
    case "group": {
      if (!selection.fingerprint) throw new ReplayRefused("A failure-group replay needs the group's fingerprint.");
      const fingerprint = selection.fingerprint;
      return each((message) => failureGroupKey(message.failure).fingerprint === fingerprint);
    }
    case "selection": {
      if (!selection.ids?.length) throw new ReplayRefused("Select at least one message.");
      const ids = new Set(selection.ids);
      return each((message) => ids.has(message.id));
    }
    case "filter": {
      if (!selection.expression?.trim()) throw new ReplayRefused("A filtered replay needs a CEL expression.");
      // Checked before anything is read: a syntax error or a refusal comes back with its line and column.
      const filter = compileFilter(selection.expression);
      // Schema-encoded values are filtered decoded, as the DLQ page's search does.
      return async (messages) => filter.match((await decodeMessages(decoder, dlq, messages)).map((message) => filterView(message, access)));
    }
  }
}

const DISCARDED = 2_147_483_647;

/**
 * DLQ messages the ledger already marks as replayed or discarded: per message id, the highest replay count its
 * copies carried (a discard counts as resolved whatever comes). A message in the DLQ is resolved when a copy of it
 * carried more replays than it does itself: a Kafka record replayed before stays in the topic with its own count,
 * while a copy that died again and came back (the same RabbitMQ message-id) carries that copy's count, and is new.
 */
async function resolvedIds(db: ControlDb, kind: BrokerKind, connection: string, dlq: string): Promise<Map<string, number>> {
  const rows = await db
    .select({
      messageId: replayLedger.messageId,
      above: sql<number>`max(case when ${replayLedger.action} = 'discard' then ${sql.raw(String(DISCARDED))} else ${replayLedger.replayCount} end)`.mapWith(Number),
    })
    .from(replayLedger)
    .where(and(eq(replayLedger.kind, kind), eq(replayLedger.connection, connection), eq(replayLedger.dlq, dlq)))
    .groupBy(replayLedger.messageId);
  return new Map(rows.map((row) => [row.messageId, row.above]));
}

/** What a draft reader gets: the DLQ to read, the builder to hand each message to, the selection it may complete. */
interface DraftRead {
  db: ControlDb;
  connections: Connections;
  input: DraftInput;
  builder: DraftBuilder;
  selection: ReplayJobSelection;
  by: string;
}

async function kafkaDraft({ connections, input, builder, selection }: DraftRead): Promise<void> {
  const adapter = connections.kafka.get(input.connection);
  if (!adapter) throw new ReplayRefused(`No Kafka connection "${input.connection}".`);
  // Bulk replay and discard read a DLQ, never a business topic.
  if (!isKnownDlq(connections, input.connection, input.dlq)) throw new ReplayRefused(`"${input.dlq}" is not a dead-letter topic of "${input.connection}".`);
  // A hand-picked selection only needs the partitions from its lowest offsets on.
  let fromOffsets: Map<number, number> | undefined;
  if (selection.source === "selection") {
    fromOffsets = new Map();
    for (const id of selection.ids ?? []) {
      const position = parseLogPosition(id);
      if (!position) throw new ReplayRefused(`"${id}" is not a Kafka message id (partition:offset).`);
      const { partition, offset } = position;
      fromOffsets.set(partition, Math.min(fromOffsets.get(partition) ?? Number.MAX_SAFE_INTEGER, offset));
    }
  }
  const offsets = await adapter.topicOffsets(input.dlq);
  if (fromOffsets) for (const { partition, logEndOffset } of offsets) if (!fromOffsets.has(partition)) fromOffsets.set(partition, logEndOffset);
  await scanKafkaTopic(adapter, input.dlq, (message) => builder.add(message, replayCountOf(message.headers)), () => false, { fromOffsets, afterBatch: () => builder.flush() });
}

async function sqsDraft({ db, connections, input, builder, selection, by }: DraftRead): Promise<void> {
  const adapter = connections.sqs.get(input.connection);
  if (!adapter) throw new ReplayRefused(`No SQS connection "${input.connection}".`);
  let snapshotId = input.selection.snapshotId;
  if (snapshotId) {
    const [snapshot] = await db.select().from(sqsSnapshots).where(eq(sqsSnapshots.id, snapshotId));
    if (!snapshot || snapshot.connection !== input.connection || snapshot.queue !== input.dlq) throw new ReplayRefused("That snapshot does not belong to this DLQ.");
  } else {
    // The dry run needs to see the messages: take a snapshot (receive, store, release; nothing deleted).
    snapshotId = (await takeSqsSnapshot(db, adapter, input.dlq, by, { maxMessages: 100_000 })).id;
  }
  let after = 0;
  let subscriberQueue: ((sns: SnsDeliveryFailure) => string | null) | undefined;
  for (;;) {
    const rows = await db
      .select()
      .from(sqsSnapshotMessages)
      .where(and(eq(sqsSnapshotMessages.snapshotId, snapshotId), sql`${sqsSnapshotMessages.seq} > ${after}`))
      .orderBy(asc(sqsSnapshotMessages.seq))
      .limit(INSERT_CHUNK);
    for (const row of rows) {
      const message = fromSqsMessage(row);
      // An SNS dead letter goes back to its one subscriber's queue, never to the topic.
      const sns = message.failure?.sns;
      builder.add(message, sqsReplayMetadata(row.messageAttributes).count, sns ? (subscriberQueue ??= await subscriberQueueResolver(adapter, input.dlq))(sns) : null);
    }
    await builder.flush();
    if (rows.length < INSERT_CHUNK) break;
    after = rows.at(-1)!.seq;
  }
  selection.snapshotId = snapshotId;
}

/**
 * RabbitMQ: the whole DLQ read once (every message taken unacknowledged and returned when the read ends, as a
 * browse does); a message is named by its browse key (message-id, else a hash), which the job's runs look for.
 */
async function rabbitDraft({ connections, input, builder }: DraftRead): Promise<void> {
  const adapter = connections.rabbitmq.get(input.connection);
  if (!adapter) throw new ReplayRefused(`No RabbitMQ connection "${input.connection}".`);
  const read: { message: RawDlqMessage; replayCount: number }[] = [];
  await rabbitScan(adapter, input.dlq, (message, replayCount) => read.push({ message, replayCount }));
  for (let i = 0; i < read.length; i += INSERT_CHUNK) {
    for (const { message, replayCount } of read.slice(i, i + INSERT_CHUNK)) builder.add(message, replayCount);
    await builder.flush();
  }
}

/**
 * NATS: every dead letter of the consumer, a capture-stream page at a time (reading changes nothing on the server);
 * a message is named by its capture sequence, which the job's runs read back. An original gone from its stream has
 * no subject, so it has no origin (counted as such; with a chosen subject the run skips it as gone).
 */
async function natsDraft({ connections, input, builder }: DraftRead): Promise<void> {
  const adapter = connections.nats.get(input.connection);
  if (!adapter) throw new ReplayRefused(`No NATS connection "${input.connection}".`);
  let from = 1;
  for (;;) {
    const page = await natsPage(adapter, input.dlq, from, 500);
    for (const message of page.messages) builder.add(message, replayCountOf(message.headers));
    await builder.flush();
    if (page.nextSeq === null) return;
    from = page.nextSeq;
  }
}

/** How each broker kind's dry run reads its DLQ; typed over every registered kind, so a new broker must name its own. */
const draftReaders: { [K in BrokerKind]: (read: DraftRead) => Promise<void> } = {
  kafka: kafkaDraft,
  sqs: sqsDraft,
  rabbitmq: rabbitDraft,
  nats: natsDraft,
};

/**
 * The dry run: reads the DLQ (Kafka: the topic; SQS: a snapshot; RabbitMQ: the queue, read and returned; NATS: the
 * consumer's dead letters from the capture stream), applies the selection, and stores a
 * draft job holding the exact identities of the messages a confirmed job will replay, with the count,
 * the breakdown by failure group and target, what was left out and why, and a sample.
 */
export async function createReplayDraft(
  db: ControlDb,
  connections: Connections,
  input: DraftInput,
  by: string,
  access: PayloadAccess,
): Promise<ReplayJob> {
  if (input.action === "discard" && !can(input.kind, "discard")) throw new ReplayRefused(`${brokerPlugin(input.kind).label} dead letters cannot be discarded in bulk (yet): replay them.`);
  if (input.action === "discard" && !input.reason?.trim()) throw new ReplayRefused("Discarding needs a reason.");
  if (input.target === input.dlq) throw new ReplayRefused("The destination is the DLQ itself.");
  const options: ReplayJobOptions = { ...DEFAULT_JOB_OPTIONS, ...input.options };
  const matches = selectionPredicate(input.selection, access, schemaDecoderOf(connections, input.kind, input.connection), input.dlq);
  // A filtered dry run holds one of the user's scan slots while it reads.
  const release = input.selection.source === "filter" ? takeScanSlot(by) : () => {};
  const builder = new DraftBuilder(input, options, await resolvedIds(db, input.kind, input.connection, input.dlq), matches, access);
  const selection: ReplayJobSelection = { ...input.selection };
  try {
    await draftReaders[input.kind]({ db, connections, input, builder, selection, by });
    await builder.flush();
  } finally {
    release();
  }
  // Keep a hand-picked selection's ids only while they are few; the items hold them anyway.
  if (selection.ids && selection.ids.length > 100) selection.ids = undefined;
  const dryRun = builder.finish();
  // A target that does not exist refuses the dry run with that reason; the ones that do say who receives the copies.
  const broker = replayBrokerOf(connections, input.kind, input.connection);
  if (input.action === "replay" && broker) dryRun.audiences = await audiencesOf(broker, dryRun.byTarget.map((t) => t.target), input.dlq);

  return db.transaction(async (tx) => {
    const [job] = await tx
      .insert(replayJobs)
      .values({
        kind: input.kind,
        action: input.action,
        connection: input.connection,
        dlq: input.dlq,
        target: input.target ?? null,
        selection,
        options,
        reason: input.reason?.trim() || null,
        state: "draft",
        dryRun,
        total: builder.items.length,
        createdBy: by,
      })
      .returning();
    for (let i = 0; i < builder.items.length; i += INSERT_CHUNK) {
      const chunk = builder.items.slice(i, i + INSERT_CHUNK);
      // One statement per chunk: a 50,000-message job is ten inserts, not 50,000.
      await tx.execute(sql`
        insert into replay_job_items (job_id, seq, message_id, partition, "offset", fingerprint, target)
        select ${job!.id}::uuid, x.seq, x.message_id, x.partition, x."offset", x.fingerprint, x.target
        from json_to_recordset(${JSON.stringify(chunk.map((item) => ({ seq: item.seq, message_id: item.messageId, partition: item.partition, offset: item.offset, fingerprint: item.fingerprint, target: item.target })))}::json)
          as x(seq integer, message_id text, partition integer, "offset" bigint, fingerprint text, target text)`);
    }
    return job!;
  });
}
