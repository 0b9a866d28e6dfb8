import { and, desc, eq, lt, type SQL } from "drizzle-orm";
import { z } from "zod";
import { gateAuditRow } from "~/server/api/payload-gate";
import { redactSecrets } from "~/server/audit";
import { auditLog } from "~/server/db/schema";
import { createTRPCRouter, viewerProcedure } from "~/server/api/trpc";

export const auditRouter = createTRPCRouter({
  list: viewerProcedure
    .input(
      z.object({
        limit: z.number().int().min(1).max(200).default(50),
        /** The id of the last row already shown: pages go back in time. */
        cursor: z.number().int().positive().nullish(),
        procedure: z.string().max(200).optional(),
        outcome: z.enum(["ok", "error"]).optional(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const conditions: SQL[] = [];
      if (input.cursor) conditions.push(lt(auditLog.id, input.cursor));
      if (input.procedure) conditions.push(eq(auditLog.procedure, input.procedure));
      if (input.outcome) conditions.push(eq(auditLog.outcome, input.outcome));
      const rows = await ctx.db
        .select()
        .from(auditLog)
        .where(conditions.length ? and(...conditions) : undefined)
        .orderBy(desc(auditLog.id))
        .limit(input.limit + 1);
      const hasMore = rows.length > input.limit;
      const page = hasMore ? rows.slice(0, input.limit) : rows;
      // Rows written before secret header values were redacted at write time are redacted on the way out too.
      return { rows: page.map((row) => gateAuditRow({ ...row, parameters: redactSecrets(row.parameters) })), nextCursor: hasMore ? (page.at(-1)?.id ?? null) : null };
    }),
});
