import { z } from "zod";
import { BROKER_KINDS, type BrokerKind } from "~/server/brokers/registry";
import { queueDepthHistory } from "~/server/depth/history";
import { latestDepths } from "~/server/depth/latest";
import { ranges, type RangeKey } from "~/server/lag/queries";
import { createTRPCRouter, readableFor, viewerProcedure } from "~/server/api/trpc";

const rangeInput = z.enum(Object.keys(ranges) as [RangeKey, ...RangeKey[]]).default("1h");

export const depthRouter = createTRPCRouter({
  list: viewerProcedure.query(({ ctx }) => latestDepths(ctx.db, ctx.connections, readableFor(ctx))),

  history: viewerProcedure
    .input(
      z.object({
        kind: z.enum(BROKER_KINDS as [BrokerKind, ...BrokerKind[]]),
        connection: z.string().min(1),
        names: z.array(z.string().min(1)).min(1).max(50),
        range: rangeInput,
      }),
    )
    .query(({ ctx, input }) => queueDepthHistory(ctx.db, ctx.connections, input)),
});
