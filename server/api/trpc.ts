/**
 * The tRPC setup: request context and the procedure kinds. Every procedure is one of
 * viewerProcedure (reads), operatorProcedure (changes a broker or an application database) or
 * adminProcedure (settings, users, tokens); only sign-in is public. Every mutation is audited.
 */
import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError } from "zod";
import { recordAudit } from "~/server/audit";
import type { Principal } from "~/server/auth/principal";
import { allows, grantsOf, isPreset, OPERATOR_ACTIONS, readableBy, readFilter, scopeOf, type Action, type Readable, type Scope } from "~/server/auth/permissions";
import { toTRPCError } from "./errors";
import { clientAddress } from "~/server/auth/client-address";
import { identify, isSameOrigin, type RequestIdentity } from "~/server/auth/request";
import { identifyOptions } from "~/server/auth/session-policy";
import { jobScope } from "~/server/auth/job-scope";
import { connections, type Connections } from "~/server/connections/registry";
import { payloadAccess } from "~/server/dlq/masking";
import { resolveGates } from "./payload-gate";
import { controlStore, type ControlDb } from "~/server/db/control-store";
import { jobQueue, type JobQueue } from "~/server/jobs/job-queue";
import type { Role } from "~/server/db/schema";

export interface Context extends RequestIdentity {
  /** For a configured role: the connection and resource this call's input names (set by the permission check). */
  scope?: Scope;
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
      ...(await identify(db, opts.req.headers, identifyOptions(connections.config))),
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
  /** The permissions the procedure needs (server/auth/permissions.ts). */
  actions?: readonly Action[];
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
  /** A job control's job, resolved: recorded beside the job id so the row is about that connection and DLQ. */
  jobScope?: Scope;
}

/** The validated input (less what the procedure asked to leave out), plus the procedure's details when it gave any. */
function auditParameters(input: unknown, note: AuditNote): unknown {
  let recorded = input;
  if (note.omitInput?.length && input && typeof input === "object" && !Array.isArray(input)) {
    recorded = Object.fromEntries(Object.entries(input).map(([key, value]) => [key, note.omitInput!.includes(key) ? "[in the diff]" : value]));
  }
  // The fields the audit log's read scope looks for (server/audit/list.ts): a team sees its jobs' controls.
  if (note.jobScope?.connection !== undefined && recorded && typeof recorded === "object" && !Array.isArray(recorded)) {
    recorded = { ...recorded, job: { connection: note.jobScope.connection, resource: note.jobScope.resource } };
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
  // A deliberate cycle (root imports the routers, which import this file), broken at run time by the lazy import.
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

/**
 * The procedure's permission check, after the audit step (so refusals are recorded): the caller's role must
 * hold the action somewhere, and — for a configured role, whose grants may be narrower than everywhere — on
 * the connection and resource the input names (server/auth/permissions.ts). `tier` is the built-in role the
 * action belongs to, kept in the meta so tests can enumerate who may call what.
 */
function permissionProcedure(tier: Role, needed: readonly Action[], jobs?: "replay" | "saga") {
  return t.procedure
    .meta({ access: tier, actions: needed })
    .use(audited)
    .use(async ({ ctx, type, path, getRawInput, next }) => {
      const refuse = (code: "UNAUTHORIZED" | "FORBIDDEN", message: string): never => {
        ctx.audit.refused = true;
        throw new TRPCError({ code, message });
      };
      if (!ctx.principal) return refuse("UNAUTHORIZED", "Sign in or send an API token.");
      const grants = grantsOf(ctx.principal.role, ctx.connections.config);
      if (!needed.every((action) => allows(grants, action))) {
        return refuse("FORBIDDEN", `This needs ${needed.join(", ")}, which the ${ctx.principal.role} role does not have.`);
      }
      if (ctx.principal.mustChangePassword && !WHILE_PASSWORD_MUST_CHANGE.has(path)) refuse("FORBIDDEN", "Choose a new password first (an admin reset yours).");
      if (type === "mutation" && ctx.via === "cookie" && !isSameOrigin(ctx.request)) refuse("FORBIDDEN", "Cross-origin request refused.");
      // The built-in roles hold their actions everywhere: only a configured role's scope needs the input.
      let scope: Scope | undefined;
      // Job controls name only the job: its connection and DLQ (or database) are the scope, and go in the audit row.
      const controlsJob = jobs !== undefined && type === "mutation";
      if (!isPreset(ctx.principal.role) || controlsJob) {
        const input = await validatedInput(path, await getRawInput().catch(() => null));
        scope = scopeOf(input);
        if (jobs && scope.connection === undefined && input && typeof input === "object") {
          scope = await jobScope(ctx.db, jobs, (input as { jobId?: unknown }).jobId);
          if (controlsJob) ctx.audit.jobScope = scope;
        }
      }
      if (scope && !isPreset(ctx.principal.role)) {
        if (!needed.every((action) => allows(grants, action, scope))) {
          refuse("FORBIDDEN", `The ${ctx.principal.role} role may not do ${needed.join(", ")} on ${[scope.connection, scope.resource].filter(Boolean).join(" / ")}.`);
        }
      }
      return next({ ctx: { ...ctx, principal: ctx.principal, scope: isPreset(ctx.principal.role) ? undefined : scope } });
    })
    .use(async ({ ctx, next }) => {
      // The payload gate (server/api/payload-gate.ts): every output resolved for this caller's access.
      const result = await next();
      if (result.ok) result.data = resolveGates(result.data, payloadAccessFor(ctx));
      else {
        // Domain refusals (server/lib/errors.ts DomainError) become their tRPC errors here, in one place.
        const refusal = toTRPCError(result.error.cause);
        if (refusal) throw refusal;
      }
      return result;
    });
}

/** The payload access of this call: the caller's role on the connection and resource its input names. */
export function payloadAccessFor(ctx: { principal: Principal; connections: Connections; scope?: Scope }) {
  return payloadAccess(ctx.principal.role, ctx.connections.config.payloads, { roles: ctx.connections.config.auth.roles, scope: ctx.scope });
}

/** What this caller may read, for lists and overviews (null: everything, as for the presets). */
export function readableFor(ctx: { principal: Principal | null; connections: Connections }): Readable | null {
  // Procedures run this after the permission check, so a principal is there; without one nothing is readable.
  if (!ctx.principal) return readableBy([]);
  return readFilter(ctx.principal.role, ctx.connections.config);
}

/** A row filter for lists of things done on one DLQ (replays, jobs): keeps those this caller may read. */
export function readableRow(ctx: { principal: Principal | null; connections: Connections }): (row: { connection: string; dlq: string }) => boolean {
  const readable = readableFor(ctx);
  return (row) => readable === null || readable({ connection: row.connection, resource: row.dlq });
}

/** Reads (lag, DLQs, sagas, the audit log); payloads pass the payload gate on top. */
export const viewerProcedure = permissionProcedure("viewer", ["read"]);
export const replayProcedure = permissionProcedure("operator", ["replay"]);
export const editProcedure = permissionProcedure("operator", ["replay.edit"]);
export const discardProcedure = permissionProcedure("operator", ["discard"]);
export const bulkReplayProcedure = permissionProcedure("operator", ["replay.bulk"], "replay");
export const sagaCommandProcedure = permissionProcedure("operator", ["sagas.command"], "saga");
export const silenceProcedure = permissionProcedure("operator", ["alerts.silence"]);
/** Every operator action at once: for a procedure not yet given its own action (the presets keep working). */
export const operatorProcedure = permissionProcedure("operator", OPERATOR_ACTIONS);
export const adminProcedure = permissionProcedure("admin", ["admin"]);
