import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import pg from "pg";
import type { DatabaseConnectionConfig } from "~/server/config/schema";
import { outboxLayout } from "~/server/outbox/layouts";
import { sagaLayout } from "~/server/sagas/layouts";
import { statusCounts } from "~/server/sagas/queries";

/**
 * An application database Redrive observes (saga and outbox tables of the user's services).
 * Sessions are read-only unless the connection is declared writable, so a bug in Redrive cannot change them.
 */
export class ApplicationDatabase {
  readonly name: string;
  readonly writable: boolean;
  readonly db: NodePgDatabase;
  private readonly pool: pg.Pool;

  constructor(private readonly config: DatabaseConnectionConfig) {
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

  /** Saga instances per status, through the database's saga layout (none for an outbox-only layout). */
  async sagaStatusCounts(): Promise<{ status: string; count: number }[]> {
    const layout = sagaLayout(this.config);
    if (!layout) return [];
    const perStatus = new Map<string, number>();
    for (const row of await statusCounts(this.db, layout)) perStatus.set(row.status, (perStatus.get(row.status) ?? 0) + row.count);
    return [...perStatus].map(([status, count]) => ({ status, count })).sort((a, b) => a.status.localeCompare(b.status));
  }

  /** Unpublished outbox rows and the age of the oldest: the first thing to check when events "went missing". */
  async outboxBacklog(): Promise<{ unpublished: number; oldestAgeSeconds: number | null }> {
    const summary = await outboxLayout(this.config).summary(this.db);
    return { unpublished: summary.unpublished ?? 0, oldestAgeSeconds: summary.oldestAgeSeconds };
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
