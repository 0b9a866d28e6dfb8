import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { visible } from "~/server/auth/permissions";
import { createTRPCRouter, payloadAccessFor, readableFor, sagaCommandProcedure, viewerProcedure, type Context } from "~/server/api/trpc";
import type { Principal } from "~/server/auth/principal";
import { gate } from "~/server/api/payload-gate";
import type { PayloadAccess } from "~/server/dlq/masking";
import { issueSagaCommand, sagaCommandKinds, sagaCommandStatus } from "~/server/sagas/commands";
import { appDatabase, appDatabases, type AppDatabase } from "~/server/sagas/context";
import { diagnose, stuckGroupKey, topicOf } from "~/server/sagas/diagnosis";
import { dlqTopicsFor, findInDlq, type DlqHit } from "~/server/sagas/dlq-index";
import { indexReport } from "~/server/sagas/indexes";
import { sagaStatuses } from "~/server/sagas/layouts/types";
import { getSaga, isStuck, listSagas, sagaCommands, sagaSteps } from "~/server/sagas/queries";
import { needsHuman } from "~/server/sagas/attention";
import { appSnapshot } from "~/server/sagas/snapshot";

const databaseInput = z.object({ database: z.string().min(1).max(63) });

const filterInput = z.object({
  types: z.array(z.string().min(1).max(200)).max(50).optional(),
  statuses: z.array(z.enum(sagaStatuses)).optional(),
  idleForSeconds: z.number().int().min(0).max(365 * 86_400).optional(),
  correlationId: z.string().trim().min(1).max(500).optional(),
  errorText: z.string().trim().min(1).max(500).optional(),
  stuck: z.boolean().optional(),
});

function sagasOf(app: AppDatabase) {
  if (!app.sagas) throw new TRPCError({ code: "PRECONDITION_FAILED", message: `The ${app.config.layout} layout of database "${app.name}" keeps no sagas (an outbox only).` });
  return app.sagas;
}

type WithPrincipal = Context & { principal: Principal };
const accessOf = (ctx: WithPrincipal): PayloadAccess => payloadAccessFor(ctx);

/** A JSON value with the role's masks applied, or null when the role may not read payloads. */
function masked(value: unknown, access: PayloadAccess): { visible: boolean; value: unknown } {
  // The payload gate (server/api/payload-gate.ts) withholds or masks the value itself.
  return { visible: access.payloads, value: gate.json(value ?? null) };
}

export const sagasRouter = createTRPCRouter({
  /** The application databases with their saga layout and settings. */
  databases: viewerProcedure.query(({ ctx }) =>
    visible(appDatabases(ctx.connections), readableFor(ctx), (app) => ({ connection: app.name, resource: app.name })).map((app) => ({
      name: app.name,
      layout: app.config.layout,
      writable: app.writable,
      hasSagas: app.sagas !== null,
      commands: Boolean(app.sagas?.commands) && app.writable,
      commandsSupported: Boolean(app.sagas?.commands),
      steps: Boolean(app.sagas?.steps),
      progressTracked: Boolean(app.sagas?.columns.updatedAt),
      stuckAfterSeconds: app.config.sagas.stuckAfterSeconds,
      perType: app.config.sagas.perType,
    })),
  ),

  /** Stuck sagas per database, for the navigation badge (index-backed count). */
  stuckCount: viewerProcedure.query(async ({ ctx }) => {
    const perDatabase = await Promise.all(
      visible(appDatabases(ctx.connections), readableFor(ctx), (app) => ({ connection: app.name, resource: app.name }))
        .filter((app) => app.sagas)
        .map(async (app) => {
          try {
            const { needsHuman, waiting } = (await appSnapshot(ctx.db, ctx.connections, app)).stuckKinds;
            return { database: app.name, count: needsHuman, waiting, error: null };
          } catch (error) {
            return { database: app.name, count: 0, waiting: 0, error: error instanceof Error ? error.message : String(error) };
          }
        }),
    );
    // The badge counts what needs a human; sagas waiting behind a slow participant are counted apart.
    return { total: perDatabase.reduce((sum, d) => sum + d.count, 0), waiting: perDatabase.reduce((sum, d) => sum + d.waiting, 0), perDatabase };
  }),

  /** Counts per type and status, stuck counts per type, and the index check. */
  summary: viewerProcedure.input(databaseInput).query(async ({ ctx, input }) => {
    const app = appDatabase(ctx.connections, input.database);
    sagasOf(app);
    const [{ statusCounts: counts, stuckCounts: stuck }, indexes] = await Promise.all([appSnapshot(ctx.db, ctx.connections, app), indexReport(app)]);
    const types = [...new Set(counts.map((c) => c.sagaType))].sort();
    return { counts, stuck, types, indexes, settings: { stuckAfterSeconds: app.config.sagas.stuckAfterSeconds, perType: app.config.sagas.perType } };
  }),

  /** Saga instances with filters, a page at a time. */
  list: viewerProcedure
    .input(databaseInput.extend({ filter: filterInput.default({}), page: z.number().int().min(0).default(0), pageSize: z.number().int().min(1).max(200).default(50) }))
    .query(async ({ ctx, input }) => {
      const app = appDatabase(ctx.connections, input.database);
      const layout = sagasOf(app);
      return listSagas(app.db, layout, app.config.sagas, input.filter, { offset: input.page * input.pageSize, limit: input.pageSize });
    }),

  /**
   * The Stuck view: every stuck saga (up to DIAGNOSE_LIMIT) diagnosed and grouped by type + status + diagnosis +
   * error fingerprint, plus the first `limit` of them (optionally of one group) with their diagnosis.
   */
  stuck: viewerProcedure
    .input(databaseInput.extend({ group: z.string().max(1000).optional(), limit: z.number().int().min(1).max(500).default(100) }))
    .query(async ({ ctx, input }) => {
      const app = appDatabase(ctx.connections, input.database);
      sagasOf(app);
      // Computed once per collector round (server/sagas/snapshot.ts), not per viewer.
      const snapshot = await appSnapshot(ctx.db, ctx.connections, app);
      const sagas = snapshot.stuckView?.sagas ?? [];
      const total = snapshot.stuckCounts.reduce((sum, c) => sum + c.count, 0);
      const chosen = input.group ? sagas.filter((saga) => stuckGroupKey(saga, saga.diagnosis).key === input.group) : sagas;
      return {
        total,
        kinds: snapshot.stuckKinds,
        diagnosed: sagas.length,
        // Each group and row says whether it needs a human or waits on something that moves by itself.
        groups: (snapshot.stuckView?.groups ?? []).map((g) => ({ ...g, needsHuman: needsHuman({ status: g.status, diagnosis: { kind: g.kind } }) })),
        sampledAt: snapshot.sampledAt,
        rows: chosen.slice(0, input.limit).map((saga) => ({ ...saga, needsHuman: needsHuman(saga) })),
        settings: { stuckAfterSeconds: app.config.sagas.stuckAfterSeconds, perType: app.config.sagas.perType },
      };
    }),

  /** One saga: its state, steps, context (masked), commands, outbox rows, dead letters and diagnosis. */
  detail: viewerProcedure.input(databaseInput.extend({ id: z.string().min(1).max(200) })).query(async ({ ctx, input }) => {
    const app = appDatabase(ctx.connections, input.database);
    const layout = sagasOf(app);
    if (layout.name === "redrive-demo" && !z.guid().safeParse(input.id).success) throw new TRPCError({ code: "BAD_REQUEST", message: "A saga id is a UUID." });
    const saga = await getSaga(app.db, layout, input.id);
    if (!saga) throw new TRPCError({ code: "NOT_FOUND", message: `No saga ${input.id} in database "${app.name}".` });
    const access = accessOf(ctx);
    const [steps, commands, outboxRows] = await Promise.all([
      sagaSteps(app.db, layout, saga.id),
      sagaCommands(app.db, layout, saga.id),
      app.outbox.rowsForAggregates(app.db, layout.outboxAggregates(saga), 200),
    ]);
    // Dead letters of the saga's messages: by event id or key, in the DLQ topics of the topics it used.
    const topics = [...new Set(outboxRows.map((r) => topicOf(app, r)))];
    const dlqTopics = await dlqTopicsFor(ctx.db, app.kafkaConnections, topics).catch(() => []);
    const dlq: DlqHit[] = (
      await Promise.all(
        dlqTopics.map((t) =>
          findInDlq(ctx.connections, t, { eventIds: outboxRows.map((r) => r.id), keys: [...new Set(layout.outboxAggregates(saga))] }).catch(() => []),
        ),
      )
    ).flat();
    const stuck = await isStuck(app.db, layout, app.config.sagas, saga.id);
    const diagnosis = stuck ? ((await diagnose(ctx.db, ctx.connections, app, [saga])).get(saga.id) ?? null) : null;
    const { context, ...rest } = saga;
    return {
      database: app.name,
      layout: app.config.layout,
      writable: app.writable,
      commandsSupported: Boolean(layout.commands),
      commandAppliesTo: layout.commandAppliesTo,
      saga: rest,
      stuck,
      diagnosis,
      context: masked(context, access),
      steps,
      commands,
      outbox: outboxRows.map((r) => ({ ...r, topic: topicOf(app, r), payload: masked(r.payload, access) })),
      dlq: dlq.map((h) => ({ ...h, stacktrace: access.payloads ? h.stacktrace : null })),
    };
  }),

  /** An operator command's state: pending until the orchestrator handled it, then its outcome. */
  command: viewerProcedure.input(databaseInput.extend({ id: z.guid() })).query(async ({ ctx, input }) => {
    const app = appDatabase(ctx.connections, input.database);
    const row = await sagaCommandStatus(app, input.id);
    if (!row) throw new TRPCError({ code: "NOT_FOUND", message: `No saga command ${input.id}.` });
    return row;
  }),

  /** Retry, compensate or resolve one saga through the application's saga_commands table (audited). */
  issue: sagaCommandProcedure
    .input(
      databaseInput.extend({
        sagaId: z.guid(),
        command: z.enum(sagaCommandKinds),
        expectedVersion: z.number().int().min(0),
        reason: z.string().trim().min(3, "Give a reason (at least 3 characters).").max(1000),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const app = appDatabase(ctx.connections, input.database);
      return issueSagaCommand(app, { ...input, requestedBy: ctx.principal.name });
    }),
});
