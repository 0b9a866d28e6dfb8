import { TRPCError } from "@trpc/server";
import { and, asc, eq, gt } from "drizzle-orm";
import { z } from "zod";
import { gateReplayJob } from "~/server/api/payload-gate";
import { bulkReplayProcedure, createTRPCRouter, payloadAccessFor, readableFor, readableRow, viewerProcedure, type Context } from "~/server/api/trpc";
import { replayItemStates, replayJobItems, replayJobs, replayJobStates } from "~/server/db/schema";
import { checkFilter } from "~/server/dlq/filter-check";
import { FilterStopped, FilterSyntaxError } from "~/server/dlq/filter";
import { TooManyScans } from "~/server/dlq/scan-slots";
import { cancelReplayJob, pauseReplayJob, resumeReplayJob, startMoveAllJob, startReplayJob } from "~/server/replay/jobs/control";
import { createReplayDraft } from "~/server/replay/jobs/dry-run";
import { jobProgress } from "~/server/replay/jobs/progress";
import { replayJobList } from "~/server/replay/history";
import { ReplayRefused } from "~/server/replay/replay-one";

const name = z.string().min(1).max(500);
const jobId = z.object({ jobId: z.uuid() });

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

/** Refusals become clear 4xx errors; anything else stays a 500. */
async function refusalsAsErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ReplayRefused) throw new TRPCError({ code: "PRECONDITION_FAILED", message: error.message });
    if (error instanceof FilterSyntaxError || error instanceof FilterStopped) throw new TRPCError({ code: "BAD_REQUEST", message: error.message });
    if (error instanceof TooManyScans) throw new TRPCError({ code: "TOO_MANY_REQUESTS", message: error.message });
    throw error;
  }
}

async function jobOrThrow(ctx: Context, id: string) {
  const [job] = await ctx.db.select().from(replayJobs).where(eq(replayJobs.id, id));
  // A job outside the caller's read scope answers like an unknown one, so its existence is not revealed.
  if (!job || !readableRow(ctx)(job)) throw new TRPCError({ code: "NOT_FOUND", message: `No replay job ${id}.` });
  return job;
}

/** Bulk replay and discard as durable jobs: dry run, confirm, pause / resume / cancel, progress, outcomes. */
export const replayJobsRouter = createTRPCRouter({
  /** Reads the DLQ, applies the selection and stores a draft job with the exact messages; nothing is sent. */
  dryRun: bulkReplayProcedure
    .input(
      z
        .object({
          kind: z.enum(["kafka", "sqs"]),
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
    .mutation(({ ctx, input }) =>
      refusalsAsErrors(() => {
        // A misspelt field is refused before the DLQ is read, not counted as zero matches.
        if (input.selection.source === "filter" && input.selection.expression?.trim()) checkFilter(input.selection.expression);
        return createReplayDraft(ctx.db, ctx.connections, input, ctx.principal.name, payloadAccessFor(ctx));
      }),
    ),

  /** Confirms a dry run: the snapshotted messages are replayed by a durable job. */
  start: bulkReplayProcedure.input(jobId).mutation(async ({ ctx, input }) => refusalsAsErrors(async () => startReplayJob(ctx.db, await ctx.jobs(), input.jobId))),

  pause: bulkReplayProcedure.input(jobId).mutation(({ ctx, input }) => refusalsAsErrors(() => pauseReplayJob(ctx.db, input.jobId, ctx.principal.name))),

  resume: bulkReplayProcedure.input(jobId).mutation(async ({ ctx, input }) => refusalsAsErrors(async () => resumeReplayJob(ctx.db, await ctx.jobs(), input.jobId))),

  cancel: bulkReplayProcedure.input(jobId).mutation(async ({ ctx, input }) =>
    refusalsAsErrors(async () => {
      const job = await jobOrThrow(ctx, input.jobId);
      return cancelReplayJob(ctx.db, job.kind === "sqs" ? ctx.connections.sqs.get(job.connection) : undefined, input.jobId, ctx.principal.name);
    }),
  ),

  /** SQS only: the whole DLQ back to its source queues with SQS's own StartMessageMoveTask. */
  moveAll: bulkReplayProcedure
    .input(z.object({ connection: name, dlq: name, ratePerSecond: z.number().int().min(1).max(500).nullable().optional() }).strict())
    .mutation(async ({ ctx, input }) =>
      refusalsAsErrors(async () => {
        const sqs = ctx.connections.sqs.get(input.connection);
        if (!sqs) throw new TRPCError({ code: "NOT_FOUND", message: `No SQS connection "${input.connection}".` });
        return startMoveAllJob(ctx.db, await ctx.jobs(), sqs, input, ctx.principal.name);
      }),
    ),

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
      const items = await ctx.db
        .select()
        .from(replayJobItems)
        .where(and(eq(replayJobItems.jobId, input.jobId), gt(replayJobItems.seq, input.afterSeq), input.state ? eq(replayJobItems.state, input.state) : undefined))
        .orderBy(asc(replayJobItems.seq))
        .limit(input.limit);
      return { items, nextAfterSeq: items.length === input.limit ? items.at(-1)!.seq : null };
    }),
});
