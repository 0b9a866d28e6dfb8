import { TRPCError } from "@trpc/server";
import { and, desc, eq } from "drizzle-orm";
import { z } from "zod";
import { createTRPCRouter, operatorProcedure, viewerProcedure } from "~/server/api/trpc";
import { replayLedger } from "~/server/db/schema";
import { ReplayRefused, replayKafkaMessage, replaySqsMessage } from "~/server/replay/replay-one";

const name = z.string().min(1).max(500);

export const replayRouter = createTRPCRouter({
  /** One-click replay of one dead letter to its origin (or a chosen destination). Audited like every mutation. */
  one: operatorProcedure
    .input(
      z.object({
        kind: z.enum(["kafka", "sqs"]),
        connection: name,
        dlq: name,
        id: name,
        target: name.optional(),
        overrideLoopGuard: z.boolean().default(false),
        keepErrorHeaders: z.boolean().default(false),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const options = {
        target: input.target,
        overrideLoopGuard: input.overrideLoopGuard,
        keepErrorHeaders: input.keepErrorHeaders,
        replayedBy: ctx.principal.name,
      };
      try {
        if (input.kind === "kafka") {
          const adapter = ctx.connections.kafka.get(input.connection);
          if (!adapter) throw new TRPCError({ code: "NOT_FOUND", message: `No Kafka connection "${input.connection}".` });
          const match = /^(\d+):(\d+)$/.exec(input.id);
          if (!match) throw new TRPCError({ code: "BAD_REQUEST", message: "A Kafka message id is partition:offset." });
          return await replayKafkaMessage(ctx.db, adapter, input.dlq, { partition: Number(match[1]), offset: Number(match[2]) }, options);
        }
        const adapter = ctx.connections.sqs.get(input.connection);
        if (!adapter) throw new TRPCError({ code: "NOT_FOUND", message: `No SQS connection "${input.connection}".` });
        return await replaySqsMessage(ctx.db, adapter, input.dlq, input.id, options);
      } catch (error) {
        if (error instanceof ReplayRefused) throw new TRPCError({ code: "PRECONDITION_FAILED", message: error.message });
        throw error;
      }
    }),

  /** The latest replays across every DLQ, newest first. */
  recent: viewerProcedure
    .input(z.object({ limit: z.number().int().min(1).max(500).default(100) }).default({ limit: 100 }))
    .query(({ ctx, input }) => ctx.db.select().from(replayLedger).orderBy(desc(replayLedger.replayedAt)).limit(input.limit)),

  /** Earlier replays of one dead letter, newest first. */
  ofMessage: viewerProcedure
    .input(z.object({ kind: z.enum(["kafka", "sqs"]), connection: name, dlq: name, id: name }))
    .query(({ ctx, input }) =>
      ctx.db
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
        .orderBy(desc(replayLedger.replayedAt)),
    ),
});
