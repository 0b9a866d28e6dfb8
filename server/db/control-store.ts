import { mkdirSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import * as schema from "./schema";

export type ControlDb = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface ControlStore {
  db: ControlDb;
  /** "postgres" when DATABASE_URL points at a server, "embedded" for PGlite under ./.redrive/. */
  kind: "postgres" | "embedded";
  /** Where the data lives, without credentials. */
  location: string;
  /**
   * Tries to become the one process that runs a singleton job (e.g. the collector) among all Redrive
   * replicas sharing this store: a session-level Postgres advisory lock, held while the lease lives.
   * The embedded store belongs to one process, so it always grants the lease.
   */
  tryLease(key: number): Promise<Lease | null>;
  /** What the durable job queue (pg-boss) connects with: the same database, in its own schema. */
  jobQueueConnection: { connectionString: string } | { pglite: PGlite };
  close(): Promise<void>;
}

export interface Lease {
  /** False once the lock's connection is gone: the holder must stop and try again. */
  readonly held: boolean;
  release(): Promise<void>;
}

async function tryAdvisoryLease(url: string, key: number): Promise<Lease | null> {
  const client = new pg.Client({ connectionString: url, application_name: "redrive-lease" });
  await client.connect();
  let held = false;
  try {
    const result = await client.query<{ locked: boolean }>("select pg_try_advisory_lock($1) as locked", [key]);
    held = result.rows[0]?.locked === true;
  } finally {
    if (!held) await client.end().catch(() => undefined);
  }
  if (!held) return null;
  const lease = {
    held: true,
    async release() {
      lease.held = false;
      await client.end().catch(() => undefined);
    },
  };
  client.on("error", () => {
    lease.held = false;
  });
  client.on("end", () => {
    lease.held = false;
  });
  return lease;
}

const migrationsFolder = path.join(/*turbopackIgnore: true*/ process.cwd(), "drizzle");
// Arbitrary constant: serialises migrations when several Redrive replicas start at once.
const MIGRATION_LOCK_KEY = 7_346_211_001;

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable URL)";
  }
}

async function openPostgres(url: string): Promise<ControlStore> {
  const migrationClient = new pg.Client({ connectionString: url });
  await migrationClient.connect();
  try {
    await migrationClient.query("select pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    await migratePg(drizzlePg(migrationClient, { schema }), { migrationsFolder });
  } finally {
    await migrationClient.end();
  }
  const pool = new pg.Pool({ connectionString: url, max: Number(process.env.REDRIVE_DB_POOL_SIZE ?? 10) });
  return {
    db: drizzlePg(pool, { schema }),
    kind: "postgres",
    location: redactUrl(url),
    tryLease: (key) => tryAdvisoryLease(url, key),
    jobQueueConnection: { connectionString: url },
    close: () => pool.end(),
  };
}

async function openEmbedded(dataDir: string): Promise<ControlStore> {
  mkdirSync(/*turbopackIgnore: true*/ dataDir, { recursive: true });
  const client = await PGlite.create(dataDir);
  const db = drizzlePglite(client, { schema });
  await migratePglite(db, { migrationsFolder });
  return {
    db,
    kind: "embedded",
    location: dataDir,
    tryLease: async () => ({ held: true, release: async () => undefined }),
    jobQueueConnection: { pglite: client },
    close: () => client.close(),
  };
}

export interface ControlStoreOptions {
  databaseUrl?: string;
  dataDir?: string;
}

export function openControlStore(options: ControlStoreOptions): Promise<ControlStore> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl);
  return openEmbedded(path.resolve(/*turbopackIgnore: true*/ options.dataDir ?? path.join(".redrive", "pgdata")));
}

// Next.js may load this module in several bundles (route handlers, instrumentation): keep one store per process.
const holder = globalThis as unknown as { __redriveControlStore?: Promise<ControlStore> };

export function controlStore(): Promise<ControlStore> {
  holder.__redriveControlStore ??= openControlStore({
    databaseUrl: process.env.DATABASE_URL || undefined,
    dataDir: process.env.REDRIVE_DATA_DIR || undefined,
  }).catch((error: unknown) => {
    holder.__redriveControlStore = undefined;
    throw error;
  });
  return holder.__redriveControlStore;
}
