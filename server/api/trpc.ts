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
import { clientAddress } from "~/server/auth/client-address";
import { identify, isSameOrigin, type RequestIdentity } from "~/server/auth/request";
import { sessionPolicy } from "~/server/auth/session-policy";
import { connections, type Connections } from "~/server/connections/registry";
import { payloadAccess } from "~/server/dlq/masking";
import { resolveGates } from "./payload-gate";
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
      ...(await identify(db, opts.req.headers, sessionPolicy(connections.config.auth))),
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
  /** Set by the role check when it refuses the call: the row then records no input. */
  refused?: boolean;
  /** Input fields left out of the audit row (e.g. an edited payload, recorded as a masked diff instead). */
  omitInput?: string[];
}

/** The validated input (less what the procedure asked to leave out), plus the procedure's details when it gave any. */
function auditParameters(input: unknown, note: AuditNote): unknown {
  let recorded = input;
  if (note.omitInput?.length && input && typeof input === "object" && !Array.isArray(input)) {
    recorded = Object.fromEntries(Object.entries(input).map(([key, value]) => [key, note.omitInput!.includes(key) ? "[in the diff]" : value]));
  }
  if (!note.details) return recorded;
  return recorded && typeof recorded === "object" && !Array.isArray(recorded) ? { ...recorded, details: note.details } : { input: recorded, details: note.details };
}

/**
 * The call's input as its procedure's schema parses it (defaults in, unknown keys out), or null when it does
 * not parse. Looked up by path because this middleware runs before the procedure's own input step.
 */
interface StandardParser {
  "~standard": { validate(value: unknown): { value?: unknown; issues?: unknown } | Promise<{ value?: unknown; issues?: unknown }> };
}

async function validatedInput(path: string, raw: unknown): Promise<unknown> {
  const { appRouter } = await import("./root");
  const procedure = (appRouter._def.procedures as unknown as Record<string, { _def: { inputs: StandardParser[] } } | undefined>)[path];
  let merged: unknown = undefined;
  for (const parser of procedure?._def.inputs ?? []) {
    const result = await parser["~standard"].validate(raw);
    if (result.issues) return null;
    merged = merged && typeof merged === "object" && result.value && typeof result.value === "object" ? { ...merged, ...result.value } : result.value;
  }
  return merged ?? null;
}

const audited = t.middleware(async ({ ctx, type, path, getRawInput, next }) => {
  const audit: AuditNote = {};
  if (type !== "mutation") return next({ ctx: { audit } });
  const result = await next({ ctx: { audit } });
  // Read after the call: sign-in sets ctx.principal on the shared context object.
  const principal: Principal | null = ctx.principal;
  // Refused before validation (no credentials, wrong role, malformed input): a compact row, never the input,
  // so an anonymous caller cannot fill the log.
  const unvalidated = audit.refused || (!result.ok && result.error.code === "BAD_REQUEST" && result.error.cause instanceof ZodError);
  await recordAudit(ctx.db, {
    actor: principal ?? { kind: "anonymous", name: "anonymous" },
    procedure: path,
    parameters: unvalidated ? null : auditParameters(await validatedInput(path, await getRawInput().catch(() => null)), audit),
    outcome: result.ok ? "ok" : "error",
    error: result.ok ? null : unvalidated ? result.error.code : result.error.message,
    remoteAddress: clientAddress(ctx.request.headers, ctx.connections.config.server.trustedProxies),
  });
  return result;
});

/** Only for signing in: everything else needs a session or an API token. */
export const publicProcedure = t.procedure.meta({ access: "public" }).use(audited);

/** All a session may do after an admin reset its user's password, until the user chooses a new one. */
const WHILE_PASSWORD_MUST_CHANGE = new Set(["auth.me", "auth.changePassword", "auth.signOut"]);

/** The role check, after the audit step (so refusals are recorded) and before the input is parsed. */
function roleProcedure(role: Role) {
  return t.procedure
    .meta({ access: role })
    .use(audited)
    .use(({ ctx, type, path, next }) => {
      if (!ctx.principal) {
        ctx.audit.refused = true;
        throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in or send an API token." });
      }
      if (!hasRole(ctx.principal, role)) {
        ctx.audit.refused = true;
        throw new TRPCError({ code: "FORBIDDEN", message: `This needs the ${role} role; you are ${ctx.principal.role}.` });
      }
      if (ctx.principal.mustChangePassword && !WHILE_PASSWORD_MUST_CHANGE.has(path)) {
        ctx.audit.refused = true;
        throw new TRPCError({ code: "FORBIDDEN", message: "Choose a new password first (an admin reset yours)." });
      }
      if (type === "mutation" && ctx.via === "cookie" && !isSameOrigin(ctx.request)) {
        ctx.audit.refused = true;
        throw new TRPCError({ code: "FORBIDDEN", message: "Cross-origin request refused." });
      }
      return next({ ctx: { ...ctx, principal: ctx.principal } });
    })
    .use(async ({ ctx, next }) => {
      // The payload gate (server/api/payload-gate.ts): every output resolved for this caller's access.
      const result = await next();
      if (result.ok) result.data = resolveGates(result.data, payloadAccess(ctx.principal.role, ctx.connections.config.payloads));
      return result;
    });
}

export const viewerProcedure = roleProcedure("viewer");
export const operatorProcedure = roleProcedure("operator");
export const adminProcedure = roleProcedure("admin");
