import { earlierReplay } from "~/server/replay/came-back";
import { TRPCError } from "@trpc/server";
import { and, asc, eq, gt } from "drizzle-orm";
import { z } from "zod";
import type { Context } from "~/server/api/trpc";
import { createTRPCRouter, payloadAccessFor, readableFor, viewerProcedure } from "~/server/api/trpc";
import type { Principal } from "~/server/auth/principal";
import { BROKER_KINDS, type BrokerKind } from "~/server/brokers/registry";
import { savedFilters, sqsSnapshotMessages, sqsSnapshots } from "~/server/db/schema";
import { checkFilter } from "~/server/dlq/filter-check";
import { kafkaPage } from "~/server/dlq/kafka-dlq";
import { detail, fromSqsMessage, summarise } from "~/server/dlq/messages";
import { cancelScan, scanState, startScan } from "~/server/dlq/scans";
import { dlqSources, readDlqMessage } from "~/server/dlq/sources";
import { latestSnapshot } from "~/server/dlq/sqs-source";
import { takeSqsSnapshot } from "~/server/dlq/sqs-snapshot";
import { rabbitPage } from "~/server/dlq/rabbitmq-dlq";
import { natsPage } from "~/server/dlq/nats-dlq";
import { readableKafkaTopic } from "~/server/dlq/topic-access";
import { describeSubscriber, type SubscriberView } from "~/server/replay/sns-replay";
import { expiringWithinADay } from "~/server/dlq/expiry";
import { snapshotStaleness } from "~/server/dlq/snapshot-staleness";
import { latestDepths } from "~/server/depth/latest";
import { requireBroker } from "~/server/connections/registry";
import { gateSchemaDetails } from "~/server/api/payload-gate";
import { decodeMessages } from "~/server/dlq/schema-decoding";
import { schemaDecoderFor } from "~/server/dlq/schema-decoders";
import { schemaEvolution } from "~/server/dlq/schema-evolution";

const name = z.string().min(1).max(500);

const sqsAdapter = (ctx: Context, connection: string) => requireBroker(ctx.connections, "sqs", connection);
const rabbitAdapter = (ctx: Context, connection: string) => requireBroker(ctx.connections, "rabbitmq", connection);
const natsAdapter = (ctx: Context, connection: string) => requireBroker(ctx.connections, "nats", connection);
/** The DLQ kinds whose messages these procedures read: every registered broker (server/dlq/sources.ts). */
const dlqKind = z.enum(BROKER_KINDS as [BrokerKind, ...BrokerKind[]]);

const accessOf = (ctx: Context & { principal: Principal }) => payloadAccessFor(ctx);

export const dlqRouter = createTRPCRouter({
  /** Every DLQ of every connection, from the collector's latest samples (no broker is asked). */
  list: viewerProcedure.query(async ({ ctx }) => {
    const { dlqs } = await latestDepths(ctx.db, ctx.connections, readableFor(ctx));
    return dlqs;
  }),

  /** Dead letters retention deletes within a day (SQS: counted over the given snapshot's messages). */
  expiring: viewerProcedure
    .input(z.object({ kind: dlqKind, connection: name, dlq: name, snapshotId: z.uuid().optional() }))
    .query(({ ctx, input }) => {
      // Counts a topic's records, so only a topic the caller may read (a DLQ, or any with topics.readAny).
      dlqSources[input.kind].assertReadable(ctx, input);
      return expiringWithinADay(ctx.db, ctx.connections, input);
    }),

  /** A page of a Kafka DLQ topic, read on the server without a consumer group. */
  kafkaMessages: viewerProcedure
    .input(
      z.object({
        connection: name,
        topic: name,
        order: z.enum(["newest", "oldest"]).default("newest"),
        partition: z.number().int().min(0).optional(),
        seekOffset: z.number().int().min(0).optional(),
        seekTimestampMs: z.number().int().min(0).optional(),
        cursor: z.record(z.string(), z.number().int().min(0)).optional(),
        limit: z.number().int().min(1).max(500).default(100),
        /** List records of aborted transactions too, marked (hidden by default, as read_committed consumers see the topic). */
        includeAborted: z.boolean().default(false),
      }),
    )
    .query(async ({ ctx, input }) => {
      const page = await kafkaPage(readableKafkaTopic(ctx, input.connection, input.topic), input.topic, input);
      await decodeMessages(schemaDecoderFor(ctx.connections, input.connection), input.topic, page.messages);
      const access = accessOf(ctx);
      return { ...page, messages: page.messages.map((m) => summarise(m, access)), payloadsWithheld: !access.payloads };
    }),

  /** One message, decoded: key, headers, payload and the failure. */
  message: viewerProcedure
    .input(z.object({ kind: dlqKind, connection: name, dlq: name, id: name, snapshotId: z.uuid().optional() }))
    .query(async ({ ctx, input }) => {
      const message = await readDlqMessage(ctx, input.kind, input, input.id);
      // A delivery SNS failed (only SQS messages carry one): the subscription it failed for, where a replay sends it.
      const sns = message.failure?.sns;
      const snsSubscriber: SubscriberView | null = sns ? await describeSubscriber(sqsAdapter(ctx, input.connection), input.dlq, sns) : null;
      return { ...gateSchemaDetails(detail(message, accessOf(ctx))), cameBackFrom: await earlierReplay(ctx.db, message), snsSubscriber };
    }),

  /**
   * Schema evolution for one Kafka dead letter: the writer's schema beside the latest of its subject, the
   * field-level diff and the registry's compatibility verdict. Schemas are not payload; null when the
   * connection has no schema registry.
   */
  schemaEvolution: viewerProcedure
    .input(z.object({ connection: name, dlq: name, id: name, part: z.enum(["key", "value"]).default("value") }))
    .query(async ({ ctx, input }) => {
      const decoder = schemaDecoderFor(ctx.connections, input.connection);
      if (!decoder) return null;
      const message = await readDlqMessage(ctx, "kafka", input, input.id);
      return schemaEvolution(decoder, message, input.dlq, input.part);
    }),

  rabbitmq: createTRPCRouter({
    /**
     * A page of a RabbitMQ DLQ, browsed without loss (the adapter takes the page and returns it whole; a stream is
     * read from an offset). `effects` says what the read changed; a queue a read could lose messages from is
     * refused with the reason (a 412).
     */
    messages: viewerProcedure
      .input(z.object({ connection: name, queue: name, limit: z.number().int().min(1).max(1_000).default(200), streamOffset: z.number().int().min(0).optional() }))
      .query(async ({ ctx, input }) => {
        const page = await rabbitPage(rabbitAdapter(ctx, input.connection), input.queue, input.limit, input.streamOffset);
        const access = accessOf(ctx);
        return { effects: page.effects, reachedEnd: page.reachedEnd, messages: page.messages.map((m) => summarise(m, access)), payloadsWithheld: !access.payloads };
      }),
  }),

  nats: createTRPCRouter({
    /**
     * A page of a JetStream consumer's dead letters ("<stream>.<consumer>"), oldest first, paged by the capture
     * stream's sequence: each advisory joined with its original read back by stream sequence (or marked gone).
     * Reading changes nothing on the server. Without a capture stream: refused with how to create one (412).
     */
    messages: viewerProcedure
      // `cursor`: the capture-stream sequence to start at (the previous page's nextSeq; 1 for the start).
      .input(z.object({ connection: name, dlq: name, cursor: z.number().int().min(1).nullish(), limit: z.number().int().min(1).max(500).default(100) }))
      .query(async ({ ctx, input }) => {
        const page = await natsPage(natsAdapter(ctx, input.connection), input.dlq, input.cursor ?? 1, input.limit);
        const access = accessOf(ctx);
        return {
          captureStream: page.captureStream,
          nextSeq: page.nextSeq,
          undecodable: page.undecodable,
          missingFeatures: page.missingFeatures,
          // Gone originals, by id: the row shows what the advisory said instead of a payload.
          gone: page.messages.flatMap((m) => (m.failure?.nats && m.failure.nats.original !== "present" ? [{ id: m.id, reason: m.failure.nats.original }] : [])),
          messages: page.messages.map((m) => summarise(m, access)),
          payloadsWithheld: !access.payloads,
        };
      }),
  }),

  sqs: createTRPCRouter({
    /**
     * Copies the DLQ's messages into the control store (received with a short visibility timeout and
     * released at once); browsing and search then read the copy. Never receives from a source queue.
     */
    takeSnapshot: viewerProcedure.input(z.object({ connection: name, queue: name })).mutation(async ({ ctx, input }) => {
      const adapter = sqsAdapter(ctx, input.connection);
      // Only a queue that is some queue's deadLetterTargetArn is browsed: never a source queue.
      const { deadLetterQueues } = await adapter.overview();
      if (!deadLetterQueues.some((d) => d.name === input.queue)) {
        throw new TRPCError({ code: "BAD_REQUEST", message: `"${input.queue}" is not a dead-letter queue of any queue: Redrive only browses DLQs.` });
      }
      try {
        return await takeSqsSnapshot(ctx.db, adapter, input.queue, ctx.principal.name);
      } catch (error) {
        throw new TRPCError({ code: "BAD_REQUEST", message: error instanceof Error ? error.message : String(error) });
      }
    }),

    /** The latest snapshot of a DLQ and a page of its messages. */
    messages: viewerProcedure
      .input(
        z.object({
          connection: name,
          queue: name,
          snapshotId: z.uuid().optional(),
          afterSeq: z.number().int().min(0).default(0),
          limit: z.number().int().min(1).max(500).default(100),
        }),
      )
      .query(async ({ ctx, input }) => {
        const snapshot = input.snapshotId
          ? ((await ctx.db.select().from(sqsSnapshots).where(eq(sqsSnapshots.id, input.snapshotId)))[0] ?? null)
          : await latestSnapshot(ctx.db, input.connection, input.queue);
        if (!snapshot) return { snapshot: null, stale: null, messages: [], nextSeq: null, payloadsWithheld: false };
        const rows = await ctx.db
          .select()
          .from(sqsSnapshotMessages)
          .where(and(eq(sqsSnapshotMessages.snapshotId, snapshot.id), gt(sqsSnapshotMessages.seq, input.afterSeq)))
          .orderBy(asc(sqsSnapshotMessages.seq))
          .limit(input.limit);
        const access = accessOf(ctx);
        return {
          snapshot,
          // A replay or discard since the snapshot changed the queue: the page says so instead of showing old rows as current.
          stale: await snapshotStaleness(ctx.db, { connection: snapshot.connection, queue: snapshot.queue, takenAt: snapshot.startedAt }),
          messages: rows.map((row) => summarise(fromSqsMessage(row), access)),
          nextSeq: rows.length === input.limit ? rows.at(-1)!.seq : null,
          payloadsWithheld: !access.payloads,
        };
      }),
  }),

  /** Failure groups: origin + exception class + normalised message, with counts and trend. */
  groups: viewerProcedure
    .input(
      z.object({
        kind: dlqKind,
        connection: name,
        dlq: name,
        maxMessages: z.number().int().min(1).max(1_000_000).default(50_000),
        /** Kafka: "schema" splits each failure group by the schema id its values were written with. */
        groupBy: z.enum(["failure", "schema"]).default("failure"),
      }),
    )
    .query(async ({ ctx, input }) => {
      const source = dlqSources[input.kind];
      source.assertReadable(ctx, input);
      return source.groups(ctx, input, input.maxMessages, { bySchema: input.groupBy === "schema" });
    }),

  scan: createTRPCRouter({
    /** Starts a CEL search on the server; a bad expression is refused with its position before any read. */
    start: viewerProcedure
      .input(
        z.object({
          kind: dlqKind,
          connection: name,
          dlq: name,
          snapshotId: z.uuid().optional(),
          expression: z.string().min(1).max(10_000),
          limit: z.number().int().min(1).max(10_000).default(500),
        }),
      )
      .mutation(async ({ ctx, input }) => {
        const source = dlqSources[input.kind];
        source.assertReadable(ctx, input);
        source.assertSearchable(input);
        checkFilter(input.expression);
        const scan = await startScan(ctx, {
          ref: { kind: input.kind, connection: input.connection, dlq: input.dlq, snapshotId: input.snapshotId },
          expression: input.expression,
          limit: input.limit,
          ownerId: ctx.principal.id,
          access: accessOf(ctx),
        });
        return { id: scan.id };
      }),

    /** Progress and matches so far (matches from index `from` on, so polling sends only what is new). */
    status: viewerProcedure.input(z.object({ id: z.uuid(), from: z.number().int().min(0).default(0) })).query(async ({ ctx, input }) => {
      const scan = await scanState(ctx.db, input.id, ctx.principal.id, input.from);
      if (!scan) throw new TRPCError({ code: "NOT_FOUND", message: "No such scan (finished scans are kept 15 minutes)." });
      const elapsedMs = (scan.finishedAt ?? Date.now()) - scan.startedAt;
      const { matches, ...rest } = scan;
      return { ...rest, elapsedMs, ratePerSecond: elapsedMs > 0 ? Math.round((scan.scanned / elapsedMs) * 1000) : 0, matches };
    }),

    cancel: viewerProcedure.input(z.object({ id: z.uuid() })).mutation(async ({ ctx, input }) => ({ cancelled: await cancelScan(ctx.db, input.id, ctx.principal.id) })),
  }),

  filters: createTRPCRouter({
    list: viewerProcedure.query(({ ctx }) => ctx.db.select().from(savedFilters).orderBy(asc(savedFilters.name))),
    save: viewerProcedure
      .input(z.object({ name: z.string().trim().min(1).max(100), expression: z.string().min(1).max(10_000), description: z.string().max(500).optional() }))
      .mutation(async ({ ctx, input }) => {
        const inserted = await ctx.db
          .insert(savedFilters)
          .values({ ...input, createdBy: ctx.principal.name })
          .onConflictDoNothing()
          .returning({ id: savedFilters.id });
        if (inserted.length === 0) throw new TRPCError({ code: "CONFLICT", message: `A filter named "${input.name}" exists.` });
        return inserted[0]!;
      }),
    /** The author or an admin may delete a shared filter. */
    delete: viewerProcedure.input(z.object({ id: z.uuid() })).mutation(async ({ ctx, input }) => {
      const condition =
        ctx.principal.role === "admin" ? eq(savedFilters.id, input.id) : and(eq(savedFilters.id, input.id), eq(savedFilters.createdBy, ctx.principal.name));
      const deleted = await ctx.db.delete(savedFilters).where(condition).returning({ id: savedFilters.id });
      if (deleted.length === 0) throw new TRPCError({ code: "NOT_FOUND", message: "No such filter of yours." });
      return { ok: true };
    }),
  }),
});

