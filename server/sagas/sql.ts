import { sql, type SQL } from "drizzle-orm";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";

/** Runs a statement on an application database and returns its rows, typed by the caller. */
export async function rows<T>(db: NodePgDatabase, statement: SQL): Promise<T[]> {
  const result = await db.execute(statement);
  return result.rows as T[];
}

/** A table or column name from the layout (validated as a plain identifier by the config schema). */
export const ident = (name: string) => sql.identifier(name);

export const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));
export const numOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));
export const dateOrNull = (value: unknown): Date | null => (value === null || value === undefined ? null : value instanceof Date ? value : new Date(String(value)));

/** A text[] parameter (drizzle would otherwise expand a JS array into a parenthesised list). */
export const textArray = (values: string[]) => sql`${sql.param(values)}::text[]`;
