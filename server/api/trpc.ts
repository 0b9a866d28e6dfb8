/**
 * The tRPC setup: request context and the procedure kinds. Every procedure is one of
 * viewerProcedure (reads), operatorProcedure (changes a broker or an application database) or
 * adminProcedure (settings, users, tokens); only sign-in is public. Every mutation is audited.
 */
import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError } from "zod";
import { recordAudit } from "~/server/audit";
import { hasRole, type Principal } from "~/server/auth/principal";
import { identify, isSameOrigin, remoteAddress, type RequestIdentity } from "~/server/auth/request";
import { connections, type Connections } from "~/server/connections/registry";
import { controlStore, type ControlDb } from "~/server/db/control-store";
import { jobQueue, type JobQueue } from "~/server/jobs/job-queue";
import type { Role } from "~/server/db/schema";

export interface Context extends RequestIdentity {
  db: ControlDb;
  connections: Connections;
  /** The durable job queue (pg-boss), opened on first use. */
  jobs: () => Promise<JobQueue>;
  request: Request;
  resHeaders: Headers;
}

export interface ContextDependencies {
  db: ControlDb;
  connections: Connections;
  jobs: () => Promise<JobQueue>;
}

/** Tests build contexts over their own store and connections; the server uses the process-wide ones. */
export function contextFactory(dependencies: () => Promise<ContextDependencies>) {
  return async (opts: { req: Request; resHeaders: Headers }): Promise<Context> => {
    const { db, connections, jobs } = await dependencies();
    return {
      db,
      connections,
      jobs,
      request: opts.req,
      resHeaders: opts.resHeaders,
      ...(await identify(db, opts.req.headers)),
    };
  };
}

export const createContext = contextFactory(async () => ({
  db: (await controlStore()).db,
  connections: connections(),
  jobs: async () => jobQueue(await controlStore()),
}));

/** Every procedure declares who may call it; tests enumerate this to check authorisation over HTTP. */
export interface ProcedureMeta {
  access: "public" | Role;
}

function readableZodError(error: ZodError): string {
  return error.issues.map((issue) => `${issue.path.length ? issue.path.join(".") : "input"}: ${issue.message}`).join("; ");
}

const t = initTRPC.context<Context>().meta<ProcedureMeta>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    return {
      ...shape,
      // Invalid input reads as sentences ("expression: Too small: …"), not the raw list of zod issues.
      message: error.cause instanceof ZodError ? readableZodError(error.cause) : shape.message,
      data: {
        ...shape.data,
        // Field-level messages for the forms; never the stack in production.
        zodError: error.cause instanceof ZodError ? error.cause.flatten() : null,
        stack: process.env.NODE_ENV === "production" ? undefined : shape.data.stack,
      },
    };
  },
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

/** What a mutation adds to its audit row beyond its input (e.g. the diff of an edited message): set `details`. */
export interface AuditNote {
  details?: Record<string, unknown>;
  /** Input fields left out of the audit row (e.g. an edited payload, recorded as a masked diff instead). */
  omitInput?: string[];
}

/** The raw input (less what the procedure asked to leave out), plus the procedure's details when it gave any. */
function auditParameters(input: unknown, note: AuditNote): unknown {
  let recorded = input;
  if (note.omitInput?.length && input && typeof input === "object" && !Array.isArray(input)) {
    recorded = Object.fromEntries(Object.entries(input).map(([key, value]) => [key, note.omitInput!.includes(key) ? "[in the diff]" : value]));
  }
  if (!note.details) return recorded;
  return recorded && typeof recorded === "object" && !Array.isArray(recorded) ? { ...recorded, details: note.details } : { input: recorded, details: note.details };
}

const audited = t.middleware(async ({ ctx, type, path, getRawInput, next }) => {
  const audit: AuditNote = {};
  if (type !== "mutation") return next({ ctx: { audit } });
  const result = await next({ ctx: { audit } });
  // Read after the call: sign-in sets ctx.principal on the shared context object.
  const principal: Principal | null = ctx.principal;
  await recordAudit(ctx.db, {
    actor: principal ?? { kind: "anonymous", name: "anonymous" },
    procedure: path,
    parameters: auditParameters(await getRawInput().catch(() => null), audit),
    outcome: result.ok ? "ok" : "error",
    error: result.ok ? null : result.error.message,
    remoteAddress: remoteAddress(ctx.request.headers),
  });
  return result;
});

/** Only for signing in: everything else needs a session or an API token. */
export const publicProcedure = t.procedure.meta({ access: "public" }).use(audited);

function requireRole(role: Role) {
  return t.middleware(({ ctx, type, next }) => {
    if (!ctx.principal) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in or send an API token." });
    if (!hasRole(ctx.principal, role)) {
      throw new TRPCError({ code: "FORBIDDEN", message: `This needs the ${role} role; you are ${ctx.principal.role}.` });
    }
    if (type === "mutation" && ctx.via === "cookie" && !isSameOrigin(ctx.request)) {
      throw new TRPCError({ code: "FORBIDDEN", message: "Cross-origin request refused." });
    }
    return next({ ctx: { ...ctx, principal: ctx.principal } });
  });
}

export const viewerProcedure = t.procedure.meta({ access: "viewer" }).use(audited).use(requireRole("viewer"));
export const operatorProcedure = t.procedure.meta({ access: "operator" }).use(audited).use(requireRole("operator"));
export const adminProcedure = t.procedure.meta({ access: "admin" }).use(audited).use(requireRole("admin"));
