import { gateAuditRow } from "~/server/api/payload-gate";
import { redactSecrets } from "~/server/audit";
import { auditQuerySchema, listAudit } from "~/server/audit/list";
import { createTRPCRouter, readableFor, viewerProcedure } from "~/server/api/trpc";

export const auditRouter = createTRPCRouter({
  list: viewerProcedure.input(auditQuerySchema).query(async ({ ctx, input }) => {
    const { rows, nextCursor } = await listAudit(ctx.db, input, readableFor(ctx));
    // Rows written before secret header values were redacted at write time are redacted on the way out too.
    return { rows: rows.map((row) => gateAuditRow({ ...row, parameters: redactSecrets(row.parameters) })), nextCursor };
  }),
});
