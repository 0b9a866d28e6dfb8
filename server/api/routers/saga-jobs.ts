import { z } from "zod";
import { createTRPCRouter, sagaCommandProcedure, viewerProcedure } from "~/server/api/trpc";
import { sagaBulkItemsPage, sagaBulkJob, sagaBulkJobList } from "~/server/sagas/bulk-queries";
import { cancelSagaBulkJob, createSagaBulkDraft, pauseSagaBulkJob, resumeSagaBulkJob, startSagaBulkJob } from "~/server/sagas/bulk";
import { sagaCommandKinds } from "~/server/sagas/commands";
import { sagaStatuses } from "~/server/sagas/layouts/types";

const jobId = z.object({ jobId: z.uuid() });

/** Bulk retry / compensate / resolve over a filtered set or a Stuck-view group, as durable, verified jobs. */
export const sagaJobsRouter = createTRPCRouter({
  dryRun: sagaCommandProcedure
    .input(
      z
        .object({
          database: z.string().min(1).max(100),
          command: z.enum(sagaCommandKinds),
          reason: z.string().trim().min(3, "Give a reason (at least 3 characters).").max(1000),
          selection: z
            .object({
              filter: z
                .object({
                  types: z.array(z.string().min(1).max(200)).max(50).optional(),
                  statuses: z.array(z.enum(sagaStatuses)).optional(),
                  idleForSeconds: z.number().int().min(0).max(365 * 86_400).optional(),
                  correlationId: z.string().trim().min(1).max(500).optional(),
                  errorText: z.string().trim().min(1).max(500).optional(),
                  stuck: z.boolean().optional(),
                })
                .strict()
                .optional(),
              group: z.string().min(1).max(1000).optional(),
              groupHeadline: z.string().max(2000).optional(),
            })
            .strict()
            .refine((s) => Boolean(s.filter) !== Boolean(s.group), "Choose either a filter or a Stuck-view group."),
          ratePerSecond: z.number().positive().max(1000).nullable().optional(),
          verifyAfterSeconds: z.number().int().min(0).max(3600).optional(),
        })
        .strict(),
    )
    .mutation(({ ctx, input }) => createSagaBulkDraft(ctx.db, ctx.connections, input, ctx.principal.name)),

  start: sagaCommandProcedure.input(jobId).mutation(async ({ ctx, input }) => startSagaBulkJob(ctx.db, await ctx.jobs(), input.jobId)),
  pause: sagaCommandProcedure.input(jobId).mutation(({ ctx, input }) => pauseSagaBulkJob(ctx.db, input.jobId, ctx.principal.name)),
  resume: sagaCommandProcedure.input(jobId).mutation(async ({ ctx, input }) => resumeSagaBulkJob(ctx.db, await ctx.jobs(), input.jobId)),
  cancel: sagaCommandProcedure.input(jobId).mutation(({ ctx, input }) => cancelSagaBulkJob(ctx.db, input.jobId, ctx.principal.name)),

  list: viewerProcedure
    .input(z.object({ limit: z.number().int().min(1).max(500).default(50) }).default({ limit: 50 }))
    .query(({ ctx, input }) => sagaBulkJobList(ctx.db, input.limit)),

  get: viewerProcedure.input(jobId).query(({ ctx, input }) => sagaBulkJob(ctx.db, input.jobId)),

  items: viewerProcedure
    .input(z.object({ jobId: z.uuid(), afterSeq: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(1000).default(200) }))
    .query(({ ctx, input }) => sagaBulkItemsPage(ctx.db, input)),
});
