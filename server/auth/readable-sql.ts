/**
 * The role's read check (server/auth/permissions.ts `readFilter`) as a SQL condition, for lists paged in the
 * database: filtering after a LIMIT would show a scoped role short or empty pages. Built from the same grants
 * and patterns; each `*` pattern becomes a LIKE pattern with the other LIKE wildcards escaped.
 */
import { and, or, sql, type SQL, type SQLWrapper } from "drizzle-orm";
import type { Readable } from "./permissions";

/** A grant pattern as a LIKE pattern: `*` is `%`, and `%`, `_` and `\` match themselves. */
export function likePattern(pattern: string): string {
  return pattern.replace(/[\\%_]/g, "\\$&").replaceAll("*", "%");
}

function matching(value: SQLWrapper, patterns: readonly string[], absent: "everywhere" | "somewhere"): SQL {
  if (patterns.includes("*")) return sql`true`;
  const likes = or(...patterns.map((pattern) => sql`${value} like ${likePattern(pattern)}`)) ?? sql`false`;
  return absent === "somewhere" ? sql`(${value} is null or ${likes})` : likes;
}

/**
 * Rows whose connection and resource (SQL expressions) the caller may read; undefined when it reads
 * everything (null, the presets), so the query stays as it was.
 *
 * A row that names no resource (NULL) spans all of them by default — an audit row about users, a notification
 * grouped by rule only — so only a `*` pattern covers it. `absentResource: "somewhere"` reads it as `allows`
 * does a scope part left out: the row is about the connection itself (an alert on its collector), which a role
 * reading anything there may see.
 */
export function readableWhere(
  readable: Readable | null,
  scope: { connection: SQLWrapper; resource: SQLWrapper; absentResource?: "everywhere" | "somewhere" },
): SQL | undefined {
  if (!readable) return undefined;
  const reads = readable.grants.filter((grant) => grant.actions.includes("read") || grant.actions.includes("admin"));
  const each = reads.map((grant) =>
    and(matching(scope.connection, grant.connections, "everywhere"), matching(scope.resource, grant.resources, scope.absentResource ?? "everywhere")),
  );
  return or(...each) ?? sql`false`;
}
