// Creates the demo database if it is missing, then applies the drizzle migrations in demo/drizzle/.
//   tsx demo/db/migrate.ts          (DEMO_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/redrive_demo)
import path from "node:path";
import { fileURLToPath } from "node:url";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import { DEFAULT_DATABASE_URL } from "../config";
import { connect } from "./client";

const MIGRATIONS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../drizzle");

function unreachable(url: string, err: unknown): Error {
  const safe = url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
  return new Error(
    `Postgres is unreachable at ${safe} (${(err as Error).message}). \`npm run demo\` puts the demo's database in ` +
      `Redrive's embedded PostgreSQL when DEMO_DATABASE_URL is unset; otherwise point DEMO_DATABASE_URL at a running server.`,
  );
}

export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ""));
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`unsupported database name "${name}"`);
  url.pathname = "/postgres";
  const client = new pg.Client({ connectionString: url.toString() });
  try {
    await client.connect();
  } catch (err) {
    throw unreachable(databaseUrl, err);
  }
  try {
    const found = await client.query("select 1 from pg_database where datname = $1", [name]);
    if (found.rowCount) return false;
    await client.query(`create database "${name}"`);
    return true;
  } finally {
    await client.end();
  }
}

export async function migrateDatabase(databaseUrl: string): Promise<void> {
  await ensureDatabase(databaseUrl);
  const handle = connect(databaseUrl, 1);
  try {
    await migrate(handle.db, { migrationsFolder: MIGRATIONS });
  } finally {
    await handle.close();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const url = process.env.DEMO_DATABASE_URL || DEFAULT_DATABASE_URL;
  migrateDatabase(url).then(
    () => console.log("demo database migrated"),
    (err: Error) => {
      console.error(`migrate: ${err.message}`);
      process.exit(1);
    },
  );
}
