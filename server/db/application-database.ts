import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import pg from "pg";
import type { DatabaseConnectionConfig } from "~/server/config/schema";

/**
 * An application database Redrive observes (saga and outbox tables of the user's services).
 * Sessions are read-only unless the connection is declared writable, so a bug in Redrive cannot change them.
 */
export class ApplicationDatabase {
  readonly name: string;
  readonly writable: boolean;
  readonly db: NodePgDatabase;
  private readonly pool: pg.Pool;

  constructor(config: DatabaseConnectionConfig) {
    this.name = config.name;
    this.writable = config.writable;
    this.pool = new pg.Pool({
      connectionString: config.url,
      max: 4,
      connectionTimeoutMillis: 3_000,
      statement_timeout: 15_000,
      application_name: "redrive",
      options: `-c search_path=${config.schema}${config.writable ? "" : " -c default_transaction_read_only=on"}`,
    });
    // An idle client that loses its server must not crash the process.
    this.pool.on("error", () => undefined);
    this.db = drizzle(this.pool);
  }

  async ping(): Promise<{ version: string | null }> {
    const result = await this.pool.query<{ version: string }>("select current_setting('server_version') as version");
    return { version: result.rows[0] ? `PostgreSQL ${result.rows[0].version}` : null };
  }

  /** Saga instances per status (the demo's layout; other layouts arrive with the Sagas feature). */
  async sagaStatusCounts(): Promise<{ status: string; count: number }[]> {
    const result = await this.pool.query<{ status: string; count: string }>(
      "select status, count(*) as count from saga_instances group by status order by status",
    );
    return result.rows.map((row) => ({ status: row.status, count: Number(row.count) }));
  }

  /** Unpublished outbox rows and the age of the oldest: the first thing to check when events "went missing". */
  async outboxBacklog(): Promise<{ unpublished: number; oldestAgeSeconds: number | null }> {
    const result = await this.pool.query<{ unpublished: string; oldest_age: number | null }>(
      `select count(*) as unpublished, extract(epoch from now() - min(created_at))::float8 as oldest_age
         from outbox_events where published_at is null`,
    );
    const row = result.rows[0];
    return { unpublished: Number(row?.unpublished ?? 0), oldestAgeSeconds: row?.oldest_age ?? null };
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
