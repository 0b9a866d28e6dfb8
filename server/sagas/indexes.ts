import { sql } from "drizzle-orm";
import type { Connections } from "~/server/connections/registry";
import { appDatabases, type AppDatabase } from "./context";
import type { ExpectedIndex } from "./layouts/types";
import { rows } from "./sql";
import { logger } from "~/server/lib/logger";

export interface IndexCheck extends ExpectedIndex {
  present: boolean;
  /** The existing index that serves it. */
  satisfiedBy: string | null;
}

export interface IndexReport {
  database: string;
  checkedAt: Date;
  checks: IndexCheck[];
  /** Required indexes that are missing: the Sagas page warns. */
  missingRequired: IndexCheck[];
  missingRecommended: IndexCheck[];
  error: string | null;
}

/** The column list of `CREATE INDEX ... USING btree (a, b DESC)`: ["a", "b"]. */
export function indexColumns(indexdef: string): string[] {
  const start = /USING \w+ \(/i.exec(indexdef);
  if (!start) return [];
  // The column list runs to the matching parenthesis (a WHERE or INCLUDE clause may follow).
  let depth = 1;
  let i = start.index + start[0].length;
  const from = i;
  for (; i < indexdef.length && depth > 0; i++) {
    if (indexdef[i] === "(") depth++;
    else if (indexdef[i] === ")") depth--;
  }
  return indexdef
    .slice(from, i - 1)
    .split(",")
    .map((part) =>
      part
        .trim()
        .replace(/\s+(ASC|DESC|NULLS FIRST|NULLS LAST)\b.*$/i, "")
        .replace(/^"(.*)"$/, "$1"),
    );
}

/** An index serves an expected one when the expected columns are its leading columns (in order). */
export function serves(indexdef: string, expected: string[]): boolean {
  const columns = indexColumns(indexdef);
  return expected.every((column, i) => columns[i] === column);
}

/** Checks pg_indexes of one database against the indexes its layout relies on. */
export async function checkIndexes(app: AppDatabase): Promise<IndexReport> {
  const expected = app.sagas?.expectedIndexes ?? [];
  const base = { database: app.name, checkedAt: new Date() };
  try {
    const tables = [...new Set(expected.map((e) => e.table))];
    const existing =
      tables.length === 0
        ? []
        : await rows<{ tablename: string; indexname: string; indexdef: string }>(
            app.db,
            sql`select tablename, indexname, indexdef from pg_indexes where schemaname = ${app.config.schema}
                 and tablename in (${sql.join(tables.map((t) => sql`${t}`), sql`, `)})`,
          );
    const checks = expected.map((e) => {
      const found = existing.find((i) => i.tablename === e.table && serves(i.indexdef, e.columns));
      return { ...e, present: Boolean(found), satisfiedBy: found?.indexname ?? null };
    });
    return {
      ...base,
      checks,
      missingRequired: checks.filter((c) => !c.present && c.required),
      missingRecommended: checks.filter((c) => !c.present && !c.required),
      error: null,
    };
  } catch (error) {
    return { ...base, checks: [], missingRequired: [], missingRecommended: [], error: error instanceof Error ? error.message : String(error) };
  }
}

const holder = globalThis as unknown as { __redriveIndexReports?: Map<string, Promise<IndexReport>> };
const REPORT_TTL_MS = 5 * 60_000;

/** The cached report of a database (checked at start-up, again after five minutes). */
export function indexReport(app: AppDatabase): Promise<IndexReport> {
  holder.__redriveIndexReports ??= new Map();
  const cached = holder.__redriveIndexReports.get(app.name);
  if (cached) {
    return cached.then((report) => {
      if (Date.now() - report.checkedAt.getTime() < REPORT_TTL_MS && !report.error) return report;
      holder.__redriveIndexReports!.delete(app.name);
      return indexReport(app);
    });
  }
  const report = checkIndexes(app);
  holder.__redriveIndexReports.set(app.name, report);
  return report;
}

export function describeIndex(index: ExpectedIndex): string {
  return `${index.table} (${index.columns.join(", ")})${index.where ? ` where ${index.where}` : ""}`;
}

/** At start-up: checks every application database and logs the missing indexes. */
export async function checkIndexesAtStartup(
  connections: Connections,
  log: (line: string) => void = (line) => logger.warn({ component: "sagas" }, line),
): Promise<void> {
  for (const app of appDatabases(connections)) {
    const report = await indexReport(app);
    if (report.error) {
      log(`database "${app.name}": could not check indexes: ${report.error}`);
      continue;
    }
    for (const missing of report.missingRequired) {
      log(`database "${app.name}": missing index ${describeIndex(missing)} — ${missing.why}; the Sagas page will be slow on large tables`);
    }
    if (report.missingRecommended.length > 0) {
      logger.info({ component: "sagas" }, `database "${app.name}": recommended indexes not present: ${report.missingRecommended.map(describeIndex).join("; ")} (see docs/sagas.md)`);
    }
  }
}
