import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { visible } from "~/server/auth/permissions";
import { createTRPCRouter, readableFor, sagaCommandProcedure, viewerProcedure } from "~/server/api/trpc";
import { latestOutboxSample } from "~/server/jobs/outbox-sampler";
import { forgetSharedReads, sharedRead } from "~/server/lib/shared-read";
import { ranges, type RangeKey } from "~/server/lag/queries";
import { outboxHistory } from "~/server/outbox/history";
import { inspectEvent } from "~/server/outbox/idempotency";
import { relayVerdict } from "~/server/outbox/stall";
import { appDatabase, appDatabases } from "~/server/sagas/context";

const databaseInput = z.object({ database: z.string().min(1).max(63) });
/** The page's live reads of the application's outbox, shared by the viewers polling it (every 5 s each). */
const OUTBOX_SHARED_MS = 2_000;

export const outboxRouter = createTRPCRouter({
  /** The application databases and what their outbox layout can tell. */
  databases: viewerProcedure.query(({ ctx }) =>
    visible(appDatabases(ctx.connections), readableFor(ctx), (app) => ({ connection: app.name, resource: app.name })).map((app) => ({
      name: app.name,
      layout: app.config.layout,
      table: app.outbox.table,
      writable: app.writable,
      capabilities: app.outbox.capabilities,
      stallAfterSeconds: app.config.outbox.stallAfterSeconds,
    })),
  ),

  /** Headline: unpublished rows, the oldest's age, publish rate, failing rows, and whether the relay is stalled. */
  overview: viewerProcedure.input(databaseInput).query(async ({ ctx, input }) => {
    const app = appDatabase(ctx.connections, input.database);
    const [summary, previous] = await Promise.all([
      sharedRead(app.db, "outbox.summary", OUTBOX_SHARED_MS, () => app.outbox.summary(app.db)),
      latestOutboxSample(ctx.db, app.name),
    ]);
    const verdict = relayVerdict(summary, app.config.outbox.stallAfterSeconds, {
      insertOnly: app.outbox.capabilities.insertOnly,
      previousOldestAt: previous ? previous.oldestUnpublishedAt : undefined,
    });
    return {
      database: app.name,
      layout: app.config.layout,
      table: app.outbox.table,
      writable: app.writable,
      capabilities: app.outbox.capabilities,
      stallAfterSeconds: app.config.outbox.stallAfterSeconds,
      summary,
      verdict,
      fetchedAt: new Date(),
    };
  }),

  /** Unpublished rows by aggregate type and event type. */
  backlog: viewerProcedure.input(databaseInput).query(async ({ ctx, input }) => {
    const app = appDatabase(ctx.connections, input.database);
    return sharedRead(app.db, "outbox.backlog", OUTBOX_SHARED_MS, () => app.outbox.backlog(app.db, 200));
  }),

  /** Unpublished rows whose last publish attempt failed, oldest first. */
  failing: viewerProcedure
    .input(databaseInput.extend({ limit: z.number().int().min(1).max(500).default(100) }))
    .query(async ({ ctx, input }) => {
      const app = appDatabase(ctx.connections, input.database);
      return (await sharedRead(app.db, `outbox.failing ${input.limit}`, OUTBOX_SHARED_MS, () => app.outbox.failing(app.db, input.limit))).map(({ payload: _payload, ...row }) => row);
    }),

  /** Per aggregate: a failing row and the later rows of the same aggregate it holds back. */
  blocked: viewerProcedure.input(databaseInput).query(async ({ ctx, input }) => {
    const app = appDatabase(ctx.connections, input.database);
    // A failing row with nothing behind it is in "Failing rows" already; here only the ones holding others back.
    return (await sharedRead(app.db, "outbox.blocked", OUTBOX_SHARED_MS, () => app.outbox.blocked(app.db, 100))).filter((chain) => chain.behind > 0).map(({ head: { payload: _payload, ...head }, ...chain }) => ({ ...chain, head }));
  }),

  history: viewerProcedure
    .input(databaseInput.extend({ range: z.enum(Object.keys(ranges) as [RangeKey, ...RangeKey[]]).default("1h") }))
    .query(async ({ ctx, input }) => {
      appDatabase(ctx.connections, input.database);
      return outboxHistory(ctx.db, input.database, input.range);
    }),

  /** Which consumers processed an event, and when (the application's idempotency table). */
  inspectEvent: viewerProcedure
    .input(databaseInput.extend({ eventId: z.string().trim().min(1).max(500) }))
    .query(async ({ ctx, input }) => inspectEvent(ctx.db, appDatabase(ctx.connections, input.database), input.eventId)),

  /**
   * Requeues chosen failing rows: attempts = 0, last_error = null, so the relay picks them up afresh. Only where
   * the layout records attempts and the database is declared writable.
   */
  requeue: sagaCommandProcedure
    .input(databaseInput.extend({ ids: z.array(z.guid()).min(1).max(1000), reason: z.string().trim().min(3).max(1000) }))
    .mutation(async ({ ctx, input }) => {
      const app = appDatabase(ctx.connections, input.database);
      if (!app.outbox.capabilities.requeue) {
        throw new TRPCError({ code: "PRECONDITION_FAILED", message: `The ${app.config.layout} outbox layout records no attempts: there is nothing to requeue.` });
      }
      if (!app.writable) {
        throw new TRPCError({ code: "PRECONDITION_FAILED", message: `Database "${app.name}" is read-only for Redrive: set writable: true in its config to requeue rows.` });
      }
      const requeued = await app.outbox.requeue(app.db, input.ids);
      forgetSharedReads(app.db);
      return { requeued, skipped: input.ids.length - requeued };
    }),
});
