/** Throw-away Postgres databases of a benchmark, made through an admin connection (e.g. postgres://.../postgres). */
import pg from "pg";
import type { Log } from "./stats";

/** Runs one statement on its own connection to the admin database. */
export async function adminQuery(adminDatabaseUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminDatabaseUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Creates a database and returns its URL (the admin URL with the database name as path). */
export async function createDatabase(adminDatabaseUrl: string, name: string): Promise<string> {
  await adminQuery(adminDatabaseUrl, `create database "${name}"`);
  const url = new URL(adminDatabaseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops a database even while connections remain, then logs it. */
export async function dropDatabase(adminDatabaseUrl: string, name: string, log: Log): Promise<void> {
  await adminQuery(adminDatabaseUrl, `drop database if exists "${name}" with (force)`);
  log(`dropped database ${name}`);
}
