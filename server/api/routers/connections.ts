import { z } from "zod";
import { describeConnections } from "~/server/connections/describe";
import { healthMonitor } from "~/server/jobs/health-monitor";
import { createTRPCRouter, viewerProcedure } from "~/server/api/trpc";

export const connectionsRouter = createTRPCRouter({
  list: viewerProcedure.input(z.object({ refresh: z.boolean().default(false) }).default({ refresh: false })).query(
    async ({ ctx, input }) => {
      const monitor = healthMonitor(ctx.connections);
      const health = input.refresh ? await monitor.checkAll() : await monitor.current();
      return describeConnections(ctx.connections.config, health);
    },
  ),
});
