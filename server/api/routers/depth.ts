import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { latestDepths } from "~/server/depth/latest";
import { bucketSeconds, depthHistory, ranges, type RangeKey } from "~/server/lag/queries";
import { createTRPCRouter, readableFor, viewerProcedure } from "~/server/api/trpc";

const rangeInput = z.enum(Object.keys(ranges) as [RangeKey, ...RangeKey[]]).default("1h");

export const depthRouter = createTRPCRouter({
  list: viewerProcedure.query(({ ctx }) => latestDepths(ctx.db, ctx.connections, readableFor(ctx))),

  history: viewerProcedure
    .input(
      z.object({
        kind: z.enum(["sqs", "kafka", "rabbitmq", "nats"]),
        connection: z.string().min(1),
        names: z.array(z.string().min(1)).min(1).max(50),
        range: rangeInput,
      }),
    )
    .query(async ({ ctx, input }) => {
      const interval =
        input.kind === "kafka"
          ? ctx.connections.kafka.get(input.connection)?.config.sampleIntervalSeconds
          : ctx.connections.config[input.kind].find((c) => c.name === input.connection)?.sampleIntervalSeconds;
      if (interval === undefined) throw new TRPCError({ code: "NOT_FOUND", message: `No ${input.kind} connection "${input.connection}".` });
      const bucket = bucketSeconds(input.range, interval);
      const points = await depthHistory(ctx.db, input.kind, { connection: input.connection, names: input.names, range: input.range, bucket });
      return { bucketSeconds: bucket, points };
    }),
});
