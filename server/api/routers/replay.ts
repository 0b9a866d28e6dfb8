import { TRPCError } from "@trpc/server";
import type { Context } from "~/server/api/trpc";
import { and, desc, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import { gate, gateLedgerRow } from "~/server/api/payload-gate";
import { createTRPCRouter, discardProcedure, editProcedure, payloadAccessFor, readableFor, replayProcedure, viewerProcedure } from "~/server/api/trpc";
import { readableAudience } from "~/server/replay/audience";
import { replayDestinations } from "~/server/replay/destinations";
import { recentReplays } from "~/server/replay/history";
import { replayLedger } from "~/server/db/schema";
import { asText } from "~/server/dlq/bytes";
import { parseMaskPath } from "~/server/dlq/masking";
import { isFailureHeader } from "~/server/dlq/messages";
import { readDlqMessage } from "~/server/dlq/sources";
import { schemaDecoderOf } from "~/server/dlq/schema-decoders";
import { editablePart } from "~/server/replay/editable";
import type { MessageEdit } from "~/server/replay/edit";
import { BrokerCannot, discardOf, editOf, oneMessageActions } from "~/server/replay/one-message";
import { EditingOff, replaySettings } from "~/server/replay/settings";
import { replayBrokerOf, requireBroker } from "~/server/connections/registry";
import { BROKER_KINDS, can, type BrokerKind } from "~/server/brokers/registry";
import { publishDeadLetterToTopic, topicAudience } from "~/server/replay/sns-replay";
import { mustRead } from "~/server/auth/permissions";
import { arnName } from "~/server/brokers/sqs/sns";

const name = z.string().min(1).max(500);
/**
 * Every registered broker kind. Edit and discard take the kinds whose plugin declares "edit" / "discard" (others are
 * refused, server/replay/one-message.ts).
 */
const kind = z.enum(BROKER_KINDS as [BrokerKind, ...BrokerKind[]]);
/** A RabbitMQ destination: an exchange ("" is the default exchange) and a routing key. */
const rabbitDestination = z.object({ exchange: z.string().max(255), routingKey: z.string().max(255) });

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

/** SNS subscription DLQs live on SQS connections (the AWS plugin). */
const sqsAdapter = (ctx: Context, connection: string) => requireBroker(ctx.connections, "sqs", connection);

export const replayRouter = createTRPCRouter({
  /** One-click replay of one dead letter to its origin (or a chosen destination). Audited like every mutation. */
  one: replayProcedure
    .input(
      z.object({
        kind,
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
    .mutation(({ ctx, input }) => {
      const { kind: _kind, connection, dlq, id, ...options } = input;
      return oneMessageActions[input.kind].replay(ctx, { connection, dlq, id }, { ...options, replayedBy: ctx.principal.name });
    }),

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
        /** A schema-encoded Kafka value: the subject's version to re-encode the edited JSON with (default: the writer's). */
        schemaVersion: z.number().int().positive().max(1_000_000).optional(),
        /** Kafka ("edit-key"): the new record key as text (schema-encoded: its edited JSON). Unset keeps the key's bytes. */
        key: z.string().max(1024 * 1024).optional(),
        /** A schema-encoded Kafka key: the version of `<topic>-key` to re-encode the edited key with (default: the writer's). */
        keySchemaVersion: z.number().int().positive().max(1_000_000).optional(),
        headers: headerEdits,
        note: z.string().trim().max(2_000).optional(),
        overrideLoopGuard: z.boolean().default(false),
        keepErrorHeaders: z.boolean().optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const editAndReplay = editOf(input.kind);
      const settings = replaySettings(ctx.connections, input.kind, input.connection);
      if (!settings.allowEdit) {
        throw new EditingOff(input.kind, input.connection);
      }
      const { payloads } = ctx.connections.config;
      if ((input.key !== undefined || input.keySchemaVersion !== undefined) && !can(input.kind, "edit-key")) {
        throw new BrokerCannot(input.kind, "given a new key");
      }
      const edit: MessageEdit = { value: input.value, schemaVersion: input.schemaVersion, key: input.key, keySchemaVersion: input.keySchemaVersion, headers: input.headers };
      const options = {
        target: input.target,
        overrideLoopGuard: input.overrideLoopGuard,
        keepErrorHeaders: input.keepErrorHeaders ?? settings.keepErrorHeaders,
        replayedBy: ctx.principal.name,
        note: input.note || undefined,
        access: payloadAccessFor(ctx),
        auditMasks: payloads.masking.map((rule) => parseMaskPath(rule.path)),
      };
      // The payload and key themselves stay out of the audit log (viewers read it), refused or not; the diff there is masked.
      ctx.audit.omitInput = ["value", "key"];
      const result = await editAndReplay(ctx, input, edit, options);
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
    .mutation(({ ctx, input }) => discardOf(input.kind)(ctx, input, { reason: input.reason, by: ctx.principal.name, jobId: null })),

  /** A connection's replay settings: whether messages may be edited before a replay. Never a secret. */
  settings: viewerProcedure.input(z.object({ kind, connection: name })).query(({ ctx, input }) => replaySettings(ctx.connections, input.kind, input.connection)),

  /**
   * One message as the editor starts from: the payload as it is stored (UTF-8 text, not re-indented), the key
   * where the broker can edit keys ("edit-key"), and the headers or attributes as text. Schema-encoded keys and
   * values as their decoded JSON; binary parts are not editable as text; masked ones are not editable.
   */
  editable: editProcedure
    .input(z.object({ kind, connection: name, dlq: name, id: name, snapshotId: z.uuid().optional() }))
    .query(async ({ ctx, input }) => {
      editOf(input.kind);
      const settings = replaySettings(ctx.connections, input.kind, input.connection);
      const access = payloadAccessFor(ctx);
      const message = await readDlqMessage(ctx, input.kind, input, input.id);
      if (!access.payloads) {
        return { allowEdit: settings.allowEdit, payloadsWithheld: true, value: null, valueIsJson: false, valueEditable: false, valueNote: "Your role may not read payloads.", schema: null, key: null, headers: [] };
      }
      // Keys and values alike: a schema-encoded one is edited as its decoded JSON, re-encoded with the subject's version picked.
      const topic = message.failure?.originTopic ?? input.dlq;
      const decoderOf = () => schemaDecoderOf(ctx.connections, input.kind, input.connection);
      const value = await editablePart(message, "value", topic, access, decoderOf);
      const key = can(input.kind, "edit-key") ? { ...(await editablePart(message, "key", topic, access, decoderOf)), wasNull: message.key === null } : null;
      return {
        allowEdit: settings.allowEdit,
        payloadsWithheld: false,
        value: value.text,
        valueIsJson: value.isJson,
        valueEditable: value.editable,
        valueNote: value.note,
        schema: value.schema,
        /** The record key (null: this broker's keys cannot be edited). */
        key,
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
  audience: viewerProcedure.input(z.object({ kind, connection: name, target: name })).query(({ ctx, input }) => {
    const broker = replayBrokerOf(ctx.connections, input.kind, input.connection);
    if (!broker) throw new TRPCError({ code: "NOT_FOUND", message: `No ${input.kind} connection "${input.connection}".` });
    return readableAudience(broker, readableFor(ctx), input.connection, input.target);
  }),

  /**
   * Who would receive a dead letter published to its SNS topic: every subscription of the topic now (protocol,
   * endpoint, filter policy, raw delivery). What the explicit "publish to the topic" confirmation lists.
   */
  snsTopicAudience: viewerProcedure
    .input(z.object({ connection: name, topicArn: z.string().regex(/^arn:[^:]+:sns:[^:]*:[^:]*:[^:]+$/, "An SNS topic ARN.").max(500) }))
    .query(async ({ ctx, input }) => {
      mustRead(readableFor(ctx), { connection: input.connection, resource: arnName(input.topicArn) }, `topic "${arnName(input.topicArn)}" on "${input.connection}"`);
      return topicAudience(sqsAdapter(ctx, input.connection), input.topicArn);
    }),

  /**
   * Publishes one dead letter of an SNS subscription DLQ to its topic instead of replaying it to its subscriber:
   * every subscription receives it again. Only with the list of subscriptions the caller confirmed, which must be
   * the topic's subscriptions now. Audited like every replay.
   */
  publishToTopic: replayProcedure
    .input(
      z.object({
        connection: name,
        dlq: name,
        id: name,
        confirmedSubscriptions: z.array(z.string().min(1).max(500)).max(1_000),
        overrideLoopGuard: z.boolean().default(false),
      }),
    )
    .mutation(({ ctx, input }) =>
      publishDeadLetterToTopic(ctx.db, sqsAdapter(ctx, input.connection), input.dlq, input.id, {
        confirmedSubscriptions: input.confirmedSubscriptions,
        overrideLoopGuard: input.overrideLoopGuard,
        replayedBy: ctx.principal.name,
      }),
    ),

  /** Destinations to offer: the connection's topics (Kafka) or queues (SQS) from the collector's latest sample. */
  destinations: viewerProcedure
    .input(z.object({ kind, connection: name }))
    .query(({ ctx, input }) => replayDestinations(ctx.db, readableFor(ctx), input.kind, input.connection)),

  /** The latest ledger entry (replay, edit or discard) of each given message: what the table marks as resolved. */
  resolution: viewerProcedure
    .input(z.object({ kind, connection: name, dlq: name, ids: z.array(name).max(1_000) }))
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
    .input(z.object({ kind, connection: name, dlq: name, id: name }))
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
