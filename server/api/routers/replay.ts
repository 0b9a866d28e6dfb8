import { TRPCError } from "@trpc/server";
import { and, desc, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import { gate, gateLedgerRow } from "~/server/api/payload-gate";
import type { Context } from "~/server/api/trpc";
import { readableKafka } from "~/server/api/kafka-access";
import { createTRPCRouter, discardProcedure, editProcedure, payloadAccessFor, readableFor, replayProcedure, viewerProcedure } from "~/server/api/trpc";
import { readableAudience } from "~/server/replay/audience";
import { replayDestinations } from "~/server/replay/destinations";
import { recentReplays } from "~/server/replay/history";
import { replayLedger, sqsSnapshotMessages } from "~/server/db/schema";
import { asText, parseJson } from "~/server/dlq/bytes";
import { kafkaMessage } from "~/server/dlq/kafka-dlq";
import { fromSqsMessage, isFailureHeader } from "~/server/dlq/messages";
import { discardKafkaMessages, discardSqsMessage } from "~/server/replay/discard";
import { editAndReplayKafkaMessage, editAndReplaySqsMessage, masksHideFields, type MessageEdit } from "~/server/replay/edit";
import { ReplayRefused, replayKafkaMessage, replayRabbitMessage, replaySqsMessage, type ReplayResult } from "~/server/replay/replay-one";
import { replayNatsMessage } from "~/server/replay/nats-replay";
import type { Principal } from "~/server/auth/principal";
import { parseRabbitTarget } from "~/server/brokers/rabbitmq/targets";
import { replayBrokerOf, requireBroker } from "~/server/connections/registry";
import { parseLogPosition } from "~/server/lib/message-id";
import { brokerPlugin, type BrokerKind } from "~/server/brokers/registry";

const name = z.string().min(1).max(500);
const kind = z.enum(["kafka", "sqs"]);
/** One-click replay, its settings and audience, and the ledger's views also speak RabbitMQ and NATS (edit and discard do not yet). */
const replayOneKind = z.enum(["kafka", "sqs", "rabbitmq", "nats"]);
/** A RabbitMQ destination: an exchange ("" is the default exchange) and a routing key. */
const rabbitDestination = z.object({ exchange: z.string().max(255), routingKey: z.string().max(255) });

/** A RabbitMQ destination from the structured input, or from a target written "exchange / routing key" (a bare name: that queue). */
const rabbitDestinationOf = (input: { target?: string; destination?: z.infer<typeof rabbitDestination> }) =>
  input.destination ?? (input.target === undefined ? undefined : parseRabbitTarget(input.target));

/** A connection's replay settings from redrive.yaml (no secrets). */
function replaySettings(ctx: Context, kind: BrokerKind, connection: string): { allowEdit: boolean; keepErrorHeaders: boolean } {
  const config = ctx.connections.config[kind].find((c) => c.name === connection);
  if (!config) throw new TRPCError({ code: "NOT_FOUND", message: `No ${brokerPlugin(kind).label} connection "${connection}".` });
  return { allowEdit: config.replay.allowEdit, keepErrorHeaders: config.replay.keepErrorHeaders };
}


const sqsAdapter = (ctx: Context, connection: string) => requireBroker(ctx.connections, "sqs", connection);

function kafkaPosition(id: string): { partition: number; offset: number } {
  const position = parseLogPosition(id);
  if (!position) throw new TRPCError({ code: "BAD_REQUEST", message: "A Kafka message id is partition:offset." });
  return position;
}

const headerEdits = z
  .object({
    set: z.array(z.object({ name: z.string().min(1).max(256), value: z.string().max(64 * 1024), dataType: z.string().max(256).optional() })).max(500).default([]),
    remove: z.array(z.string().min(1).max(256)).max(500).default([]),
    /** Kafka: every header of the copy in order (repeated names edited one by one); see MessageEdit. */
    list: z
      .array(z.object({ from: z.number().int().min(0).max(9_999).nullable(), name: z.string().min(1).max(256), value: z.string().max(64 * 1024).optional() }))
      .max(500)
      .optional(),
  })
  .optional();

type ReplayOneInput = {
  connection: string;
  dlq: string;
  id: string;
  target?: string;
  destination?: z.infer<typeof rabbitDestination>;
  overrideLoopGuard: boolean;
  keepErrorHeaders?: boolean;
};

/** One-click replay per DLQ kind (typed over every kind replay.one takes). */
const replayOneBy: { [K in z.infer<typeof replayOneKind>]: (ctx: Context & { principal: Principal }, input: ReplayOneInput) => Promise<ReplayResult> } = {
  rabbitmq: (ctx, input) =>
    replayRabbitMessage(ctx.db, requireBroker(ctx.connections, "rabbitmq", input.connection), input.dlq, input.id, {
      destination: rabbitDestinationOf(input),
      overrideLoopGuard: input.overrideLoopGuard,
      replayedBy: ctx.principal.name,
    }),
  // `target` is the subject to publish to (the original's when unset).
  nats: (ctx, input) =>
    replayNatsMessage(ctx.db, requireBroker(ctx.connections, "nats", input.connection), input.dlq, input.id, {
      subject: input.target,
      overrideLoopGuard: input.overrideLoopGuard,
      replayedBy: ctx.principal.name,
    }),
  kafka: (ctx, input) =>
    replayKafkaMessage(ctx.db, readableKafka(ctx, input.connection, input.dlq), input.dlq, kafkaPosition(input.id), {
      target: input.target,
      overrideLoopGuard: input.overrideLoopGuard,
      keepErrorHeaders: input.keepErrorHeaders ?? replaySettings(ctx, "kafka", input.connection).keepErrorHeaders,
      replayedBy: ctx.principal.name,
    }),
  sqs: (ctx, input) =>
    replaySqsMessage(ctx.db, sqsAdapter(ctx, input.connection), input.dlq, input.id, {
      target: input.target,
      overrideLoopGuard: input.overrideLoopGuard,
      keepErrorHeaders: input.keepErrorHeaders ?? replaySettings(ctx, "sqs", input.connection).keepErrorHeaders,
      replayedBy: ctx.principal.name,
    }),
};

export const replayRouter = createTRPCRouter({
  /** One-click replay of one dead letter to its origin (or a chosen destination). Audited like every mutation. */
  one: replayProcedure
    .input(
      z.object({
        kind: replayOneKind,
        connection: name,
        dlq: name,
        id: name,
        target: name.optional(),
        /** RabbitMQ: where to publish instead of the origin (takes precedence over `target`). */
        destination: rabbitDestination.optional(),
        overrideLoopGuard: z.boolean().default(false),
        /** Unset: the connection's replay.keepErrorHeaders. */
        keepErrorHeaders: z.boolean().optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => replayOneBy[input.kind](ctx, input)),

  /**
   * Edit and replay: the edited payload (UTF-8 text; valid JSON when the original is JSON) and/or headers
   * (Kafka) or message attributes (SQS) of one dead letter, replayed like a plain replay. Only where the
   * connection sets replay.allowEdit. The audit row keeps the diff.
   */
  edit: editProcedure
    .input(
      z.object({
        kind,
        connection: name,
        dlq: name,
        id: name,
        target: name.optional(),
        value: z.string().max(8 * 1024 * 1024).optional(),
        headers: headerEdits,
        note: z.string().trim().max(2_000).optional(),
        overrideLoopGuard: z.boolean().default(false),
        keepErrorHeaders: z.boolean().optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const settings = replaySettings(ctx, input.kind, input.connection);
      if (!settings.allowEdit) {
        throw new TRPCError({
          code: "FORBIDDEN",
          message: `Editing messages is off for the ${brokerPlugin(input.kind).label} connection "${input.connection}" (set replay.allowEdit: true in redrive.yaml).`,
        });
      }
      const { payloads } = ctx.connections.config;
      const edit: MessageEdit = { value: input.value, headers: input.headers };
      const options = {
        target: input.target,
        overrideLoopGuard: input.overrideLoopGuard,
        keepErrorHeaders: input.keepErrorHeaders ?? settings.keepErrorHeaders,
        replayedBy: ctx.principal.name,
        note: input.note || undefined,
        access: payloadAccessFor(ctx),
        auditMasks: payloads.masking.map((rule) => rule.path.replace(/^value\./, "").split(".")),
      };
      // The payload itself stays out of the audit log (viewers read it), refused or not; the diff there is masked.
      ctx.audit.omitInput = ["value"];
      const result =
        input.kind === "kafka"
          ? await editAndReplayKafkaMessage(ctx.db, readableKafka(ctx, input.connection, input.dlq), input.dlq, kafkaPosition(input.id), edit, options)
          : await editAndReplaySqsMessage(ctx.db, sqsAdapter(ctx, input.connection), input.dlq, input.id, edit, options);
      ctx.audit.details = { diff: result.diff, replayId: result.replayId, target: result.target, targetPosition: result.targetPosition };
      // The diff holds payload text and header values: the payload gate decides what the caller sees of it.
      return { ...result, diff: gate.audit(result.diff) };
    }),

  /**
   * Discard one dead letter, with a reason. Kafka: marked resolved in the ledger (the record stays in the
   * topic). SQS: received, archived in the ledger, then deleted from the DLQ.
   */
  discard: discardProcedure
    .input(z.object({ kind, connection: name, dlq: name, id: name, reason: z.string().trim().min(1, "A discard needs a reason.").max(2_000) }))
    .mutation(async ({ ctx, input }) => {
      const options = { reason: input.reason, by: ctx.principal.name, jobId: null };
      if (input.kind === "kafka") {
        kafkaPosition(input.id);
        const outcome = await discardKafkaMessages(ctx.db, readableKafka(ctx, input.connection, input.dlq), input.dlq, [input.id], options);
        if (outcome.missing.length > 0) throw new ReplayRefused(`No record at ${input.id} of ${input.dlq} (removed by retention?).`);
        return { id: input.id, action: "discard" as const, replayId: outcome.discarded[0]?.replayId ?? null, alreadyDiscarded: outcome.alreadyDiscarded.length > 0 };
      }
      const done = await discardSqsMessage(ctx.db, sqsAdapter(ctx, input.connection), input.dlq, input.id, options);
      return { id: input.id, action: "discard" as const, replayId: done.replayId, alreadyDiscarded: false };
    }),

  /** A connection's replay settings: whether messages may be edited before a replay. Never a secret. */
  settings: viewerProcedure.input(z.object({ kind: replayOneKind, connection: name })).query(({ ctx, input }) => replaySettings(ctx, input.kind, input.connection)),

  /**
   * One message as the editor starts from: the payload as it is stored (UTF-8 text, not re-indented) and the
   * headers or attributes as text. Binary parts are not editable as text; masked payloads are not editable.
   */
  editable: editProcedure
    .input(z.object({ kind, connection: name, dlq: name, id: name, snapshotId: z.uuid().optional() }))
    .query(async ({ ctx, input }) => {
      const settings = replaySettings(ctx, input.kind, input.connection);
      const access = payloadAccessFor(ctx);
      let message;
      if (input.kind === "kafka") {
        const position = kafkaPosition(input.id);
        message = await kafkaMessage(readableKafka(ctx, input.connection, input.dlq), input.dlq, position.partition, position.offset);
        if (!message) throw new TRPCError({ code: "NOT_FOUND", message: `No record at ${input.id} (deleted by retention?).` });
      } else {
        if (!input.snapshotId) throw new TRPCError({ code: "BAD_REQUEST", message: "SQS messages are read from a snapshot: give snapshotId." });
        const [row] = await ctx.db
          .select()
          .from(sqsSnapshotMessages)
          .where(and(eq(sqsSnapshotMessages.snapshotId, input.snapshotId), eq(sqsSnapshotMessages.messageId, input.id)));
        if (!row) throw new TRPCError({ code: "NOT_FOUND", message: "No such message in this snapshot." });
        message = fromSqsMessage(row);
      }
      if (!access.payloads) {
        return { allowEdit: settings.allowEdit, payloadsWithheld: true, value: null, valueIsJson: false, valueEditable: false, valueNote: "Your role may not read payloads.", headers: [] };
      }
      const masked = masksHideFields(message.value, access);
      const text = message.value ? asText(message.value) : null;
      const valueEditable = !masked && (message.value === null || text !== null);
      return {
        allowEdit: settings.allowEdit,
        payloadsWithheld: false,
        value: valueEditable ? text : null,
        valueIsJson: text !== null && parseJson(text).ok,
        valueEditable,
        valueNote: masked ? "Masking rules hide fields of this payload from your role: the payload cannot be edited." : valueEditable ? null : "The payload is binary: only the headers can be edited.",
        // Every header in order, repeated names included (SQS attributes are unique by name).
        headers: message.headerEntries.map(([headerName, bytes]) => {
          const headerText = bytes ? asText(bytes) : "";
          const dataType = message.sqs?.messageAttributes[headerName]?.dataType ?? null;
          return {
            name: headerName,
            value: headerText,
            binary: headerText === null || (dataType?.startsWith("Binary") ?? false),
            failure: isFailureHeader(headerName),
            reserved: headerName.startsWith("redrive-") || headerName === "redrive",
            dataType,
          };
        }),
      };
    }),

  /** Who would receive a copy sent to `target` (consumer groups of a topic; a queue's counts), or why it cannot be sent. */
  audience: viewerProcedure.input(z.object({ kind: replayOneKind, connection: name, target: name })).query(({ ctx, input }) => {
    const broker = replayBrokerOf(ctx.connections, input.kind, input.connection);
    if (!broker) throw new TRPCError({ code: "NOT_FOUND", message: `No ${input.kind} connection "${input.connection}".` });
    return readableAudience(broker, readableFor(ctx), input.connection, input.target);
  }),

  /** Destinations to offer: the connection's topics (Kafka) or queues (SQS) from the collector's latest sample. */
  destinations: viewerProcedure
    .input(z.object({ kind: replayOneKind, connection: name }))
    .query(({ ctx, input }) => replayDestinations(ctx.db, readableFor(ctx), input.kind, input.connection)),

  /** The latest ledger entry (replay, edit or discard) of each given message: what the table marks as resolved. */
  resolution: viewerProcedure
    .input(z.object({ kind: replayOneKind, connection: name, dlq: name, ids: z.array(name).max(1_000) }))
    .query(async ({ ctx, input }) => {
      if (input.ids.length === 0) return {};
      const rows = await ctx.db
        .select({ messageId: replayLedger.messageId, action: replayLedger.action, replayedAt: replayLedger.replayedAt, replayedBy: replayLedger.replayedBy, reason: replayLedger.reason })
        .from(replayLedger)
        .where(
          and(
            eq(replayLedger.kind, input.kind),
            eq(replayLedger.connection, input.connection),
            eq(replayLedger.dlq, input.dlq),
            inArray(replayLedger.messageId, input.ids),
          ),
        )
        .orderBy(desc(replayLedger.replayedAt));
      const latest: Record<string, { action: "replay" | "edit" | "discard"; at: Date; by: string; reason: string | null }> = {};
      for (const row of rows) latest[row.messageId] ??= { action: row.action, at: row.replayedAt, by: row.replayedBy, reason: row.reason };
      return latest;
    }),

  /** The latest replays across every DLQ, newest first. */
  recent: viewerProcedure
    .input(z.object({ limit: z.number().int().min(1).max(500).default(100) }).default({ limit: 100 }))
    .query(async ({ ctx, input }) => (await recentReplays(ctx.db, readableFor(ctx), input.limit)).map(gateLedgerRow)),

  /** Earlier replays, edits and discards of one dead letter, newest first. */
  ofMessage: viewerProcedure
    .input(z.object({ kind: replayOneKind, connection: name, dlq: name, id: name }))
    .query(async ({ ctx, input }) =>
      (
        await ctx.db
          .select()
          .from(replayLedger)
          .where(
            and(
              eq(replayLedger.kind, input.kind),
              eq(replayLedger.connection, input.connection),
              eq(replayLedger.dlq, input.dlq),
              eq(replayLedger.messageId, input.id),
            ),
          )
          .orderBy(desc(replayLedger.replayedAt))
      ).map(gateLedgerRow),
    ),
});
