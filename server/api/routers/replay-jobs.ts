import { z } from "zod";
import { gateReplayJob } from "~/server/api/payload-gate";
import { bulkReplayProcedure, createTRPCRouter, payloadAccessFor, readableFor, readableRow, viewerProcedure, type Context } from "~/server/api/trpc";
import { replayItemStates, replayJobStates } from "~/server/db/schema";
import { checkFilter } from "~/server/dlq/filter-check";
import { cancelReplayJob, pauseReplayJob, resumeReplayJob, startMoveAllJob, startReplayJob } from "~/server/replay/jobs/control";
import { createReplayDraft } from "~/server/replay/jobs/dry-run";
import { jobProgress } from "~/server/replay/jobs/progress";
import { readableReplayJob, replayJobItemsPage } from "~/server/replay/jobs/queries";
import { replayJobList } from "~/server/replay/history";
import { bulkReplayEffectsOf } from "~/server/replay/audience";
import { BROKER_KINDS, brokerPlugin, can, type BrokerKind } from "~/server/brokers/registry";
import { offersNativeMove, type NativeMovePlan } from "~/server/brokers/types";
import { ReplayRefused } from "~/server/replay/refused";
import { replayBrokerOf, requireBroker } from "~/server/connections/registry";

const name = z.string().min(1).max(500);
const jobId = z.object({ jobId: z.uuid() });
const brokerKind = z.enum(BROKER_KINDS as [BrokerKind, ...BrokerKind[]]);

const optionsInput = z
  .object({
    ratePerSecond: z.number().positive().max(1_000_000).nullable(),
    batchSize: z.number().int().min(1).max(5_000),
    canarySize: z.number().int().min(0).max(100_000),
    canaryWaitSeconds: z.number().int().min(0).max(3_600),
    maxFailShare: z.number().min(0).max(1),
    keepErrorHeaders: z.boolean(),
    overrideLoopGuard: z.boolean(),
    includeResolved: z.boolean(),
  })
  .partial()
  .strict();

const jobOrThrow = (ctx: Context, id: string) => readableReplayJob(ctx.db, id, readableRow(ctx));

/** Bulk replay and discard as durable jobs: dry run, confirm, pause / resume / cancel, progress, outcomes. */
export const replayJobsRouter = createTRPCRouter({
  /** Reads the DLQ, applies the selection and stores a draft job with the exact messages; nothing is sent. */
  dryRun: bulkReplayProcedure
    .input(
      z
        .object({
          kind: brokerKind,
          connection: name,
          dlq: name,
          action: z.enum(["replay", "discard"]).default("replay"),
          target: name.optional(),
          selection: z
            .object({
              source: z.enum(["selection", "filter", "group", "all"]),
              expression: z.string().max(10_000).optional(),
              fingerprint: z.string().max(100).optional(),
              ids: z.array(name).max(100_000).optional(),
              snapshotId: z.uuid().optional(),
            })
            .strict(),
          options: optionsInput.optional(),
          reason: z.string().max(2_000).optional(),
        })
        .strict(),
    )
    .mutation(({ ctx, input }) => {
      // A misspelt field is refused before the DLQ is read, not counted as zero matches.
      if (input.selection.source === "filter" && input.selection.expression?.trim()) checkFilter(input.selection.expression);
      return createReplayDraft(ctx.db, ctx.connections, input, ctx.principal.name, payloadAccessFor(ctx));
    }),

  /** Confirms a dry run: the snapshotted messages are replayed by a durable job. */
  start: bulkReplayProcedure.input(jobId).mutation(async ({ ctx, input }) => startReplayJob(ctx.db, await ctx.jobs(), input.jobId)),

  pause: bulkReplayProcedure.input(jobId).mutation(({ ctx, input }) => pauseReplayJob(ctx.db, input.jobId, ctx.principal.name)),

  resume: bulkReplayProcedure.input(jobId).mutation(async ({ ctx, input }) => resumeReplayJob(ctx.db, await ctx.jobs(), input.jobId)),

  cancel: bulkReplayProcedure.input(jobId).mutation(async ({ ctx, input }) => {
    const job = await jobOrThrow(ctx, input.jobId);
    return cancelReplayJob(ctx.db, ctx.connections, job.id, ctx.principal.name);
  }),

  /**
   * Whether the broker can move this whole DLQ back by itself (SQS's move task; a RabbitMQ dynamic shovel where the
   * shovel plugin is enabled and the DLQ has one source queue), where to and how; or why not.
   */
  moveAllPlan: viewerProcedure
    .input(z.object({ kind: brokerKind, connection: name, dlq: name }).strict())
    .query(async ({ ctx, input }): Promise<NativeMovePlan | null> => {
      if (!can(input.kind, "native-move")) return null;
      const adapter = requireBroker(ctx.connections, input.kind, input.connection);
      return offersNativeMove(adapter) ? adapter.nativeMovePlan(input.dlq) : null;
    }),

  /** The whole DLQ back, unfiltered, by the broker's own move (SQS StartMessageMoveTask, a RabbitMQ dynamic shovel). */
  moveAll: bulkReplayProcedure
    .input(z.object({ kind: brokerKind.default("sqs"), connection: name, dlq: name, ratePerSecond: z.number().int().min(1).max(500).nullable().optional() }).strict())
    .mutation(async ({ ctx, input }) => {
      const adapter = requireBroker(ctx.connections, input.kind, input.connection);
      if (!can(input.kind, "native-move") || !offersNativeMove(adapter)) throw new ReplayRefused(`${brokerPlugin(input.kind).label} cannot move a DLQ back by itself.`);
      return startMoveAllJob(ctx.db, await ctx.jobs(), adapter, input, ctx.principal.name);
    }),

  /**
   * What a bulk replay changes on this DLQ besides the messages it replays (RabbitMQ: the dry run's read and each
   * batch's read return what they do not replay), in words for the dialog; null where nothing is to be said.
   */
  effects: viewerProcedure
    .input(z.object({ kind: brokerKind, connection: name, dlq: name }).strict())
    .query(async ({ ctx, input }) => bulkReplayEffectsOf(replayBrokerOf(ctx.connections, input.kind, input.connection), input.dlq)),

  /** Every job, newest first (kept 90 days or more; see retention). */
  list: viewerProcedure
    .input(z.object({ limit: z.number().int().min(1).max(500).default(100), state: z.enum(replayJobStates).optional() }).default({ limit: 100 }))
    .query(async ({ ctx, input }) => (await replayJobList(ctx.db, readableFor(ctx), input)).map(gateReplayJob)),

  /** One job with what the page derives from it: remaining, rate, ETA and elapsed time. */
  get: viewerProcedure.input(jobId).query(async ({ ctx, input }) => {
    const job = await jobOrThrow(ctx, input.jobId);
    return { job: gateReplayJob(job), ...jobProgress(job, Date.now()) };
  }),

  /** Per-message outcomes, in snapshot order, paged by sequence number. */
  items: viewerProcedure
    .input(
      z.object({
        jobId: z.uuid(),
        state: z.enum(replayItemStates).optional(),
        afterSeq: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(1_000).default(200),
      }),
    )
    .query(async ({ ctx, input }) => {
      // A scoped role reads the items of jobs on its DLQs only (404 otherwise, like an unknown job).
      if (readableFor(ctx)) await jobOrThrow(ctx, input.jobId);
      return replayJobItemsPage(ctx.db, input);
    }),
});
