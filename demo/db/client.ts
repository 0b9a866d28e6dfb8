import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import pg from "pg";
import * as schema from "./schema";

export type DemoDb = NodePgDatabase<typeof schema>;
/** A transaction handle or the database itself: both run queries. */
export type DemoTx = Parameters<Parameters<DemoDb["transaction"]>[0]>[0];

export interface DbHandle {
  db: DemoDb;
  pool: pg.Pool;
  close(): Promise<void>;
}

export function connect(databaseUrl: string, max = 10): DbHandle {
  const pool = new pg.Pool({ connectionString: databaseUrl, max });
  pool.on("error", (err) => console.error("[db] idle client error:", err.message));
  const db = drizzle(pool, { schema });
  return { db, pool, close: () => pool.end() };
}
