import path from "node:path";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import { embeddedServer } from "./embedded-postgres";
import { importOldPgliteStore, refuseOldPgliteStore } from "./pglite-upgrade";
import * as schema from "./schema";
import { errorText, logger } from "~/server/lib/logger";
import { leaseApplicationName } from "~/server/lib/replica";

/** The control store's database on the embedded server. */
const EMBEDDED_DATABASE = "redrive";

export type ControlDb = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface ControlStore {
  db: ControlDb;
  /** "postgres" when DATABASE_URL points at a server, "embedded" for the server Redrive runs under ./.redrive/. */
  kind: "postgres" | "embedded";
  /** Where the data lives, without credentials. */
  location: string;
  /**
   * Tries to become the one process that runs a singleton job (e.g. the collector) among all Redrive
   * replicas sharing this store: a session-level Postgres advisory lock, held while the lease lives.
   */
  tryLease(key: number): Promise<Lease | null>;
  /** What the durable job queue (pg-boss) connects with: the same database, in its own schema. */
  jobQueueConnection: { connectionString: string };
  close(): Promise<void>;
}

export interface Lease {
  /** False once the lock's connection is gone: the holder must stop and try again. */
  readonly held: boolean;
  release(): Promise<void>;
}

async function tryAdvisoryLease(url: string, key: number): Promise<Lease | null> {
  const client = new pg.Client({ connectionString: url, application_name: leaseApplicationName() });
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
  // An idle connection dropped by the server (restart, failover) is replaced on the next query: log it, do not crash.
  pool.on("error", (error) => logger.warn({ component: "control-store", err: errorText(error) }, "control-store connection lost"));
  return {
    db: drizzlePg(pool, { schema }),
    kind: "postgres",
    location: redactUrl(url),
    tryLease: (key) => tryAdvisoryLease(url, key),
    jobQueueConnection: { connectionString: url },
    close: () => pool.end(),
  };
}

async function openEmbedded(root: string): Promise<ControlStore> {
  await refuseOldPgliteStore(root);
  const server = await embeddedServer(root);
  try {
    await server.ensureDatabase(EMBEDDED_DATABASE);
    const store = await openPostgres(server.url(EMBEDDED_DATABASE));
    await importOldPgliteStore(root, server.url(EMBEDDED_DATABASE), migrationsFolder).catch(async (error: unknown) => {
      await store.close();
      throw error;
    });
    return {
      ...store,
      kind: "embedded",
      location: `${path.join(root, "postgres")} (127.0.0.1:${server.port}${server.owner ? "" : ", run by another process"})`,
      close: async () => {
        await store.close();
        await server.stop();
      },
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

export interface ControlStoreOptions {
  databaseUrl?: string;
  /** Root of the embedded server's files (default ./.redrive). */
  dataDir?: string;
}

export function openControlStore(options: ControlStoreOptions): Promise<ControlStore> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl);
  return openEmbedded(path.resolve(/*turbopackIgnore: true*/ options.dataDir ?? ".redrive"));
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
