import { TRPCError } from "@trpc/server";
import { and, desc, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import { createApiToken } from "~/server/auth/sessions";
import { covers } from "~/server/auth/permissions";
import { apiTokens, users } from "~/server/db/schema";
import { knownRole } from "../refusal";
import { adminProcedure, createTRPCRouter } from "~/server/api/trpc";

export const tokensRouter = createTRPCRouter({
  list: adminProcedure.query(({ ctx }) =>
    ctx.db
      .select({
        id: apiTokens.id,
        name: apiTokens.name,
        prefix: apiTokens.prefix,
        role: apiTokens.role,
        createdBy: users.username,
        createdAt: apiTokens.createdAt,
        expiresAt: apiTokens.expiresAt,
        lastUsedAt: apiTokens.lastUsedAt,
        revokedAt: apiTokens.revokedAt,
      })
      .from(apiTokens)
      .leftJoin(users, eq(users.id, apiTokens.createdBy))
      .orderBy(desc(apiTokens.createdAt)),
  ),

  /** The token is returned once and stored only as a hash. */
  create: adminProcedure
    .input(
      z.object({
        name: z.string().trim().min(1).max(100),
        role: z.string().min(1).max(64),
        // Every token expires: at most auth.maxTokenLifetimeDays (config) from now.
        expiresInDays: z.number().int().min(1).max(3650).default(90),
      }),
    )
    .mutation(({ ctx, input }) => {
      const { maxTokenLifetimeDays } = ctx.connections.config.auth;
      knownRole(ctx.connections.config, input.role);
      // A token never holds more than its creator (and stops working when that stops being true).
      if (!covers(ctx.principal.role, input.role, ctx.connections.config)) {
        throw new TRPCError({ code: "FORBIDDEN", message: `The ${ctx.principal.role} role cannot hand out the ${input.role} role.` });
      }
      if (input.expiresInDays > maxTokenLifetimeDays) {
        throw new TRPCError({ code: "BAD_REQUEST", message: `Tokens live at most ${maxTokenLifetimeDays} days here (auth.maxTokenLifetimeDays).` });
      }
      return createApiToken(ctx.db, {
        name: input.name,
        role: input.role,
        createdBy: ctx.principal.kind === "user" ? ctx.principal.id : null,
        expiresAt: new Date(Date.now() + input.expiresInDays * 86_400_000),
      });
    }),

  revoke: adminProcedure.input(z.object({ id: z.uuid() })).mutation(async ({ ctx, input }) => {
    const revoked = await ctx.db
      .update(apiTokens)
      .set({ revokedAt: new Date() })
      .where(and(eq(apiTokens.id, input.id), isNull(apiTokens.revokedAt)))
      .returning({ id: apiTokens.id });
    if (revoked.length === 0) throw new TRPCError({ code: "NOT_FOUND", message: "No such active token." });
    return { ok: true };
  }),
});
