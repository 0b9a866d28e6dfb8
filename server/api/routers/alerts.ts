import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { backtest, backtestRanges, matchingObjects, signalHistory } from "~/server/alerts/backtest";
import { staleAfterMs } from "~/server/alerts/engine";
import { channelInputSchema } from "~/server/alerts/notify/channel-config";
import { channelNameSchema, createChannel, deleteChannel, getChannel, listChannels, toPublic, updateChannel } from "~/server/alerts/notify/channels";
import { sendTest } from "~/server/alerts/notify/dispatch";
import { prometheusRules } from "~/server/alerts/prometheus-export";
import { activeAlerts, deliveryPage, firingCount, historyPage, objectAlerts, objectRefSchema, ruleStateCounts } from "~/server/alerts/queries";
import { createRule, deleteRule, getRule, listRules, setRuleEnabled, updateRule } from "~/server/alerts/rules";
import { signals, windowOf } from "~/server/alerts/signals";
import { createSilence, expireSilence, listSilences, silenceInputSchema, silenceInstance } from "~/server/alerts/silences-store";
import { alertStates, ruleSpecSchema } from "~/server/alerts/types";
import { adminProcedure, createTRPCRouter, readableFor, silenceProcedure, viewerProcedure } from "~/server/api/trpc";
import { labelScope, visible, type Readable } from "~/server/auth/permissions";

/** Alert instances and history rows whose objects (by their labels) the caller may read. */
const byLabels = <T extends { labels: Record<string, string> }>(rows: readonly T[], readable: Readable | null) => visible(rows, readable, (row) => labelScope(row.labels));

/**
 * A unique-name violation from the alert tables as a conflict (the domain's own refusals, RuleNotEditableError,
 * ChannelError, SilenceError, are DomainErrors mapped in server/api/errors.ts).
 */
async function mapped<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof Error && /duplicate key/.test(error.message)) throw new TRPCError({ code: "CONFLICT", message: "That name is taken." });
    throw error;
  }
}

const found = <T>(value: T | null | false, what: string): T => {
  if (!value) throw new TRPCError({ code: "NOT_FOUND", message: `No such ${what}.` });
  return value;
};

const id = z.object({ id: z.uuid() });
const range = z.enum(Object.keys(backtestRanges) as ["24h", "7d"]);

export const alertsRouter = createTRPCRouter({
  active: viewerProcedure
    .input(z.object({ path: z.string().max(500).optional() }).optional())
    .query(async ({ ctx, input }) => byLabels(await activeAlerts(ctx.db, { objectPath: input?.path }), readableFor(ctx))),
  /** What fires or is pending for one object, shown on its own page (group, DLQ, saga list). */
  forObject: viewerProcedure.input(objectRefSchema).query(async ({ ctx, input }) => byLabels(await objectAlerts(ctx.db, input), readableFor(ctx))),
  firingCount: viewerProcedure.query(({ ctx }) => firingCount(ctx.db, readableFor(ctx))),
  signals: viewerProcedure.query(() =>
    Object.values(signals).map(({ read: _read, ...signal }) => signal),
  ),
  rules: viewerProcedure.query(async ({ ctx }) => {
    const [rules, counts] = await Promise.all([listRules(ctx.db), ruleStateCounts(ctx.db)]);
    return rules.map((rule) => ({ ...rule, states: counts.get(rule.id) ?? {} }));
  }),
  rule: viewerProcedure.input(id).query(async ({ ctx, input }) => found(await getRule(ctx.db, input.id), "rule")),
  /** The editor's preview: objects in scope now, the signal's history, and the backtest, all from one spec. */
  preview: viewerProcedure.input(z.object({ spec: ruleSpecSchema, range: range.default("24h") })).query(async ({ ctx, input }) => {
    const signalCtx = { db: ctx.db, connections: ctx.connections };
    const readable = readableFor(ctx);
    const [objects, history, result] = await Promise.all([
      matchingObjects(signalCtx, input.spec, { readable }),
      signals[input.spec.signal].history ? signalHistory(signalCtx, input.spec, { range: input.range, readable }) : null,
      backtest(signalCtx, input.spec, { range: input.range, staleAfterMs: staleAfterMs(ctx.connections.config), readable }),
    ]);
    return { objects: objects.slice(0, 200), objectCount: objects.length, history, backtest: { ...result, objects: result.objects.filter((o) => o.fired > 0).slice(0, 50) } };
  }),
  channels: viewerProcedure.query(async ({ ctx }) => (await listChannels(ctx.db)).map(toPublic)),
  silences: viewerProcedure.query(({ ctx }) => listSilences(ctx.db)),
  history: viewerProcedure
    .input(z.object({ ruleId: z.uuid().optional(), toState: z.enum(alertStates).optional(), object: z.string().max(200).optional(), before: z.number().int().optional(), limit: z.number().int().min(1).max(500).default(100) }))
    .query(({ ctx, input }) => historyPage(ctx.db, input, readableFor(ctx))),
  deliveries: viewerProcedure
    .input(z.object({ channelId: z.uuid().optional(), status: z.enum(["sent", "failed"]).optional(), before: z.number().int().optional(), limit: z.number().int().min(1).max(500).default(100) }))
    .query(({ ctx, input }) => deliveryPage(ctx.db, input, readableFor(ctx))),
  exportPrometheus: viewerProcedure.query(async ({ ctx }) => prometheusRules((await listRules(ctx.db)).filter((r) => r.enabled), windowOf)),

  // Operators silence; admins edit rules and channels. Every mutation is audited by the procedure kinds.
  createSilence: silenceProcedure.input(silenceInputSchema).mutation(({ ctx, input }) => mapped(createSilence(ctx.db, input, ctx.principal.name))),
  silenceAlert: silenceProcedure
    .input(z.object({ ruleId: z.uuid(), objectKey: z.string().min(1).max(500), minutes: z.number().int().min(1).max(30 * 24 * 60), comment: z.string().trim().min(1).max(500) }))
    .mutation(({ ctx, input }) => mapped(silenceInstance(ctx.db, input, input.minutes, input.comment, ctx.principal.name))),
  expireSilence: silenceProcedure.input(id).mutation(async ({ ctx, input }) => ({ ok: found(await expireSilence(ctx.db, input.id, ctx.principal.name), "active silence") })),

  createRule: adminProcedure.input(ruleSpecSchema).mutation(({ ctx, input }) => mapped(createRule(ctx.db, input, ctx.principal.name))),
  updateRule: adminProcedure.input(z.object({ id: z.uuid(), spec: ruleSpecSchema })).mutation(async ({ ctx, input }) => found(await mapped(updateRule(ctx.db, input.id, input.spec)), "rule")),
  setRuleEnabled: adminProcedure.input(z.object({ id: z.uuid(), enabled: z.boolean() })).mutation(async ({ ctx, input }) => found(await setRuleEnabled(ctx.db, input.id, input.enabled), "rule")),
  deleteRule: adminProcedure.input(id).mutation(async ({ ctx, input }) => ({ ok: found(await mapped(deleteRule(ctx.db, input.id)), "rule") })),
  createChannel: adminProcedure
    .input(z.object({ name: channelNameSchema, channel: channelInputSchema }))
    .mutation(async ({ ctx, input }) => toPublic(await mapped(createChannel(ctx.db, input.name, input.channel, ctx.principal.name)))),
  updateChannel: adminProcedure
    .input(z.object({ id: z.uuid(), name: channelNameSchema.optional(), enabled: z.boolean().optional(), channel: channelInputSchema.optional() }))
    .mutation(async ({ ctx, input }) => toPublic(found(await mapped(updateChannel(ctx.db, input.id, { name: input.name, enabled: input.enabled, input: input.channel })), "channel"))),
  deleteChannel: adminProcedure.input(id).mutation(async ({ ctx, input }) => ({ ok: found(await mapped(deleteChannel(ctx.db, input.id)), "channel") })),
  testChannel: adminProcedure.input(id).mutation(async ({ ctx, input }) =>
    sendTest({ db: ctx.db, publicUrl: ctx.connections.config.alerts.publicUrl }, found(await getChannel(ctx.db, input.id), "channel")),
  ),
});
