/**
 * Reading the audit log: newest first, a page at a time, narrowed by who, what, when and outcome.
 * The router only wires this; it also passes each row through the payload gate.
 *
 * A role that reads everywhere (viewer, operator, admin) sees every row. A configured role scoped to some
 * connections or resources sees only the rows about objects it may read — the connection and resource the
 * recorded input names, as the permission check read them — and not the rows about no object (sign-ins,
 * users, tokens, settings, alert rules) unless its grants reach every connection and resource. This is how
 * GitLab splits project audit events from instance ones and Argo CD shows an application's events to whoever
 * may read the application: a team sees who replayed or discarded on its DLQs, and nothing of other teams'
 * objects or of the instance's administration.
 */
import { and, desc, eq, gte, ilike, like, lt, lte, or, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { INPUT_CONNECTION_FIELDS, INPUT_RESOURCE_FIELDS, type Readable } from "~/server/auth/permissions";
import { readableWhere } from "~/server/auth/readable-sql";
import type { ControlDb } from "~/server/db/control-store";
import { auditLog } from "~/server/db/schema";

const MAX_RANGE_MS = 366 * 24 * 3_600_000;

export const auditQuerySchema = z
  .object({
    limit: z.number().int().min(1).max(200).default(50),
    /** The id of the last row already shown: pages go back in time. */
    cursor: z.number().int().positive().nullish(),
    /** One exact procedure ("replay.one"). */
    procedure: z.string().max(200).optional(),
    /** Who: part of the actor's name, any case. */
    actor: z.string().trim().max(100).optional(),
    /** What: a procedure ("replay.one") or a whole area ("replay" covers replay.one, replay.edit, ...). */
    action: z
      .string()
      .trim()
      .max(100)
      .regex(/^[A-Za-z0-9.]*$/, "An action is a procedure name such as replay.one, or its area such as replay.")
      .optional(),
    outcome: z.enum(["ok", "error"]).optional(),
    /** When: from (inclusive) and to (inclusive). */
    from: z.date().optional(),
    to: z.date().optional(),
  })
  .refine((input) => !input.from || !input.to || input.from.getTime() <= input.to.getTime(), { message: "The start of the range is after its end.", path: ["from"] })
  .refine((input) => !input.from || !input.to || input.to.getTime() - input.from.getTime() <= MAX_RANGE_MS, {
    message: "The range is longer than a year.",
    path: ["to"],
  });
export type AuditQuery = z.infer<typeof auditQuerySchema>;

/** LIKE wildcards typed by a person are matched literally. */
const literal = (text: string) => text.replace(/[\\%_]/g, "\\$&");

/**
 * The first of these fields of the recorded input (as scopeOf reads a call's input), else the controlled job's
 * (recorded as `job` beside a job id by server/api/trpc.ts), or NULL.
 */
const firstField = (fields: readonly string[], jobField: "connection" | "resource") =>
  sql`coalesce(${sql.join(
    fields.map((field) => sql`${auditLog.parameters}->>${field}`),
    sql`, `,
  )}, ${auditLog.parameters}->'job'->>${jobField})`;

export async function listAudit(db: ControlDb, input: AuditQuery, readable: Readable | null = null) {
  const conditions: SQL[] = [];
  const scoped = readableWhere(readable, { connection: firstField(INPUT_CONNECTION_FIELDS, "connection"), resource: firstField(INPUT_RESOURCE_FIELDS, "resource") });
  if (scoped) conditions.push(scoped);
  if (input.cursor) conditions.push(lt(auditLog.id, input.cursor));
  if (input.procedure) conditions.push(eq(auditLog.procedure, input.procedure));
  if (input.actor) conditions.push(ilike(auditLog.actorName, `%${literal(input.actor)}%`));
  if (input.action) conditions.push(or(eq(auditLog.procedure, input.action), like(auditLog.procedure, `${literal(input.action)}.%`))!);
  if (input.outcome) conditions.push(eq(auditLog.outcome, input.outcome));
  if (input.from) conditions.push(gte(auditLog.at, input.from));
  if (input.to) conditions.push(lte(auditLog.at, input.to));
  const rows = await db
    .select()
    .from(auditLog)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(auditLog.id))
    .limit(input.limit + 1);
  const hasMore = rows.length > input.limit;
  const page = hasMore ? rows.slice(0, input.limit) : rows;
  return { rows: page, nextCursor: hasMore ? (page.at(-1)?.id ?? null) : null };
}
