import { TRPCError } from "@trpc/server";
import { and, asc, count, eq, ne } from "drizzle-orm";
import { z } from "zod";
import { passwordProblem } from "~/server/auth/password-policy";
import { listSessions, resetPassword, revokeSession } from "~/server/auth/accounts";
import { roleNames } from "~/server/auth/permissions";
import { hashPassword } from "~/server/auth/secrets";
import { sessions, users } from "~/server/db/schema";
import { adminProcedure, createTRPCRouter } from "~/server/api/trpc";
import { knownRole, orRefuse } from "../refusal";

// The password policy (length, a shipped list of common passwords, repeated characters): server/auth/password-policy.ts.
const password = z
  .string()
  .max(1000)
  .superRefine((value, ctx) => {
    const problem = passwordProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
/** A built-in role or one from auth.roles (checked against the config in the procedure). */
const roleInput = z.string().min(1).max(64);
const username = z
  .string()
  .trim()
  .regex(/^[a-zA-Z0-9._@-]{2,64}$/, "2-64 letters, digits, '.', '_', '@' or '-'");

export const usersRouter = createTRPCRouter({
  /** The role names users and tokens may be given: the presets, then auth.roles. */
  roles: adminProcedure.query(({ ctx }) => roleNames(ctx.connections.config)),

  list: adminProcedure.query(({ ctx }) =>
    ctx.db
      .select({
        id: users.id,
        username: users.username,
        role: users.role,
        disabled: users.disabled,
        createdAt: users.createdAt,
        lastSignInAt: users.lastSignInAt,
      })
      .from(users)
      .orderBy(asc(users.username)),
  ),

  create: adminProcedure
    .input(z.object({ username, role: roleInput, password }))
    .mutation(async ({ ctx, input }) => {
      knownRole(ctx.connections.config, input.role);
      const inserted = await ctx.db
        .insert(users)
        .values({ username: input.username, role: input.role, passwordHash: await hashPassword(input.password) })
        .onConflictDoNothing()
        .returning({ id: users.id });
      if (inserted.length === 0) throw new TRPCError({ code: "CONFLICT", message: `User "${input.username}" exists.` });
      return inserted[0];
    }),

  update: adminProcedure
    .input(
      z.object({
        id: z.uuid(),
        role: roleInput.optional(),
        disabled: z.boolean().optional(),
        password: password.optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      if (input.role) knownRole(ctx.connections.config, input.role);
      const demotesOrDisables = (input.role && input.role !== "admin") || input.disabled === true;
      if (demotesOrDisables) {
        // Never leave Redrive without an enabled admin.
        const [others] = await ctx.db
          .select({ n: count() })
          .from(users)
          .where(and(eq(users.role, "admin"), eq(users.disabled, false), ne(users.id, input.id)));
        if ((others?.n ?? 0) === 0) {
          throw new TRPCError({ code: "BAD_REQUEST", message: "This is the last enabled admin." });
        }
      }
      const updated = await ctx.db
        .update(users)
        .set({
          role: input.role,
          disabled: input.disabled,
          passwordHash: input.password ? await hashPassword(input.password) : undefined,
          // A password an admin typed is a temporary one: the user chooses their own at next sign-in.
          mustChangePassword: input.password ? true : undefined,
        })
        .where(eq(users.id, input.id))
        .returning({ id: users.id });
      if (updated.length === 0) throw new TRPCError({ code: "NOT_FOUND", message: "No such user." });
      // A changed password, role or a disabled account ends that user's sessions (a new role means a new session).
      await ctx.db.delete(sessions).where(eq(sessions.userId, input.id));
      return { ok: true };
    }),

  /** Sets a generated temporary password (returned once) that the user must replace at their next sign-in. */
  resetPassword: adminProcedure.input(z.object({ id: z.uuid() })).mutation(async ({ ctx, input }) => {
    const result = orRefuse(await resetPassword(ctx.db, input.id));
    // The audit row says a reset happened, never the password it set.
    ctx.audit.details = { temporaryPassword: "[shown once to the admin]" };
    return result;
  }),

  sessions: adminProcedure.input(z.object({ id: z.uuid() })).query(({ ctx, input }) => listSessions(ctx.db, input.id)),

  revokeSession: adminProcedure
    .input(z.object({ handle: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/) }))
    .mutation(async ({ ctx, input }) => orRefuse(await revokeSession(ctx.db, input.handle))),
});
