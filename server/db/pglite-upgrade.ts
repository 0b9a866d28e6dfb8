import { existsSync, renameSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { logger } from "~/server/lib/logger";

/**
 * Upgrade from Redrive 0.1, whose embedded control store was PGlite (WASM Postgres) in ./.redrive/pgdata.
 * This is the one place PGlite still earns its place: reading that old store once. On the first start
 * with an empty embedded server, every table of the public schema is copied across (after the old store
 * is migrated to the same schema version), sequences are moved past the copied ids, and the old
 * directory is renamed to pgdata.imported-<time> so it is never imported twice. The job queue's own
 * schema (pg-boss) is not copied: replay and saga jobs that were running are resumed from their own tables.
 */

const OLD_DIR = "pgdata";
const BATCH = 2000;

function isPgliteDir(dir: string): boolean {
  return existsSync(path.join(dir, "PG_VERSION")) && !existsSync(path.join(dir, "postmaster.opts"));
}

/** REDRIVE_DATA_DIR used to name the PGlite directory itself; now it is the root of the embedded server's files. */
export async function refuseOldPgliteStore(root: string): Promise<void> {
  if (isPgliteDir(root)) {
    throw new Error(
      `${root} is a PGlite control store from Redrive 0.1. REDRIVE_DATA_DIR now names the folder that holds the ` +
        `embedded PostgreSQL's files: move that directory to <folder>/${OLD_DIR} (e.g. mv ${root} ${root}.old && mkdir ${root} && ` +
        `mv ${root}.old ${path.join(root, OLD_DIR)}) and start again; it is imported once on start-up.`,
    );
  }
}

/** Copies the old PGlite store into `url` (already migrated) when it holds no users yet. */
export async function importOldPgliteStore(root: string, url: string, migrationsFolder: string): Promise<boolean> {
  const oldDir = path.join(root, OLD_DIR);
  if (!isPgliteDir(oldDir)) return false;
  const target = new pg.Client({ connectionString: url });
  await target.connect();
  try {
    const { rows } = await target.query<{ n: string }>("select count(*) as n from users");
    if (Number(rows[0]?.n) > 0) {
      logger.warn({ oldDir }, "an old PGlite store exists but the embedded server already holds data: not imported");
      return false;
    }
    logger.info({ oldDir }, "importing the PGlite control store of Redrive 0.1 (once)");
    const { PGlite } = await import("@electric-sql/pglite");
    const { drizzle } = await import("drizzle-orm/pglite");
    const { migrate } = await import("drizzle-orm/pglite/migrator");
    const source = await PGlite.create(oldDir);
    try {
      await migrate(drizzle(source), { migrationsFolder });
      const tables = await source.query<{ table_name: string }>(
        "select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name",
      );
      await target.query("begin");
      // Triggers off (foreign keys, the audit log's guards) so tables copy in any order; the rows were valid there.
      await target.query("set local session_replication_role = replica");
      let copied = 0;
      for (const { table_name: table } of tables.rows) {
        const quoted = `"${table.replaceAll('"', '""')}"`;
        for (let offset = 0; ; offset += BATCH) {
          const batch = await source.query<{ rows: string }>(
            `select coalesce(json_agg(t), '[]')::text as rows from (select * from ${quoted} order by ctid limit ${BATCH} offset ${offset}) t`,
          );
          const json = batch.rows[0]?.rows ?? "[]";
          if (json === "[]") break;
          const result = await target.query(`insert into ${quoted} select * from json_populate_recordset(null::${quoted}, $1::json)`, [json]);
          copied += result.rowCount ?? 0;
        }
      }
      // Serial and identity columns continue after the copied ids.
      await target.query(`
        do $$ declare r record; begin
          for r in select c.table_name, c.column_name, pg_get_serial_sequence(format('%I', c.table_name), c.column_name) as seq
                   from information_schema.columns c where c.table_schema = 'public'
                   and pg_get_serial_sequence(format('%I', c.table_name), c.column_name) is not null loop
            execute format('select setval(%L, coalesce((select max(%I) from %I), 0) + 1, false)', r.seq, r.column_name, r.table_name);
          end loop;
        end $$`);
      await target.query("commit");
      logger.info({ tables: tables.rows.length, rows: copied }, "imported the PGlite control store");
    } catch (error) {
      await target.query("rollback").catch(() => undefined);
      throw new Error(
        `importing the old PGlite store ${oldDir} failed (${error instanceof Error ? error.message : String(error)}); ` +
          `nothing was changed. To start with an empty store instead, move ${oldDir} away.`,
      );
    } finally {
      await source.close();
    }
    renameSync(oldDir, `${oldDir}.imported-${new Date().toISOString().replace(/[:.]/g, "-")}`);
    return true;
  } finally {
    await target.end();
  }
}
