import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { clearedSessionCookie, isSecureRequest, sessionCookie } from "~/server/auth/request";
import { signIn, signOut } from "~/server/auth/sessions";
import { createTRPCRouter, publicProcedure, viewerProcedure } from "~/server/api/trpc";

export const authRouter = createTRPCRouter({
  signIn: publicProcedure
    .input(z.object({ username: z.string().trim().min(1).max(100), password: z.string().min(1).max(1000) }))
    .mutation(async ({ ctx, input }) => {
      const result = await signIn(ctx.db, input.username, input.password, ctx.request.headers.get("user-agent"));
      if (!result) throw new TRPCError({ code: "UNAUTHORIZED", message: "Wrong username or password." });
      ctx.resHeaders.append("Set-Cookie", sessionCookie(result.token, result.expiresAt, isSecureRequest(ctx.request)));
      // Lets the audit middleware name the user who just signed in.
      ctx.principal = result.principal;
      return { username: result.principal.name, role: result.principal.role };
    }),

  signOut: viewerProcedure.mutation(async ({ ctx }) => {
    if (ctx.sessionToken) await signOut(ctx.db, ctx.sessionToken);
    ctx.resHeaders.append("Set-Cookie", clearedSessionCookie());
    return { ok: true };
  }),

  me: viewerProcedure.query(({ ctx }) => ({
    name: ctx.principal.name,
    role: ctx.principal.role,
    kind: ctx.principal.kind,
  })),
});
