import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { changeOwnPassword, listSessions, revokeSession } from "~/server/auth/accounts";
import { clientAddress } from "~/server/auth/client-address";
import { localSignInAllowed } from "~/server/auth/local-accounts";
import { grantsOf } from "~/server/auth/permissions";
import { clearedSessionCookie, isSecureRequest, sessionCookie, readCookie } from "~/server/auth/request";
import { sessionPolicy } from "~/server/auth/session-policy";
import { SESSION_COOKIE, signIn, signOut } from "~/server/auth/sessions";
import { blockedFor, recordFailure, recordSuccess, throttleKeys } from "~/server/auth/throttle";
import { createTRPCRouter, publicProcedure, viewerProcedure } from "~/server/api/trpc";
import { orRefuse } from "../refusal";

const sessionHandle = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/);

export const authRouter = createTRPCRouter({
  signIn: publicProcedure
    .input(z.object({ username: z.string().trim().min(1).max(100), password: z.string().min(1).max(1000) }))
    .mutation(async ({ ctx, input }) => {
      const { auth, server } = ctx.connections.config;
      if (!localSignInAllowed(auth, input.username)) {
        throw new TRPCError({ code: "FORBIDDEN", message: "Password sign-in is off here: use single sign-on." });
      }
      const address = clientAddress(ctx.request.headers, server.trustedProxies);
      const keys = throttleKeys(input.username, address);
      const wait = await blockedFor(ctx.db, keys);
      if (wait > 0) {
        ctx.resHeaders.set("Retry-After", String(wait));
        throw new TRPCError({ code: "TOO_MANY_REQUESTS", message: `Too many failed sign-ins: try again in ${wait} s.` });
      }
      const result = await signIn(ctx.db, input.username, input.password, ctx.request.headers.get("user-agent"), {
        remoteAddress: address,
        replaces: readCookie(ctx.request.headers.get("cookie"), SESSION_COOKIE),
        policy: sessionPolicy(auth),
      });
      if (!result) {
        await recordFailure(ctx.db, keys, auth.throttle);
        throw new TRPCError({ code: "UNAUTHORIZED", message: "Wrong username or password." });
      }
      await recordSuccess(ctx.db, input.username);
      ctx.resHeaders.append("Set-Cookie", sessionCookie(result.token, result.expiresAt, isSecureRequest(ctx.request)));
      // Lets the audit middleware name the user who just signed in.
      ctx.principal = result.principal;
      return { username: result.principal.name, role: result.principal.role, mustChangePassword: result.principal.mustChangePassword ?? false };
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
    mustChangePassword: ctx.principal.mustChangePassword ?? false,
    /** What this role may do, and where: the UI hides the rest (the server refuses it either way). */
    grants: grantsOf(ctx.principal.role, ctx.connections.config),
  })),

  /** The signed-in user's own password; their other sessions end. */
  changePassword: viewerProcedure
    .input(z.object({ currentPassword: z.string().min(1).max(1000), newPassword: z.string().min(1).max(1000) }))
    .mutation(async ({ ctx, input }) => {
      if (ctx.principal.kind !== "user") throw new TRPCError({ code: "FORBIDDEN", message: "API tokens have no password." });
      return orRefuse(await changeOwnPassword(ctx.db, { userId: ctx.principal.id, currentSessionToken: ctx.sessionToken, ...input }));
    }),

  /** The signed-in user's sessions, this one marked. */
  sessions: viewerProcedure.query(async ({ ctx }) => {
    if (ctx.principal.kind !== "user") return [];
    const rows = await listSessions(ctx.db, ctx.principal.id);
    return rows.map((row) => ({ ...row, current: row.handle === ctx.principal.sessionHandle }));
  }),

  revokeSession: viewerProcedure.input(z.object({ handle: sessionHandle })).mutation(async ({ ctx, input }) => {
    if (ctx.principal.kind !== "user") throw new TRPCError({ code: "FORBIDDEN", message: "API tokens have no sessions." });
    return orRefuse(await revokeSession(ctx.db, input.handle, ctx.principal.id));
  }),
});
