import { and, desc, eq } from "drizzle-orm";
import type { Connections } from "~/server/connections/registry";
import type { ControlDb } from "~/server/db/control-store";
import { outboxSamples } from "~/server/db/schema";
import { appDatabases } from "~/server/sagas/context";

export const OUTBOX_SAMPLE_INTERVAL_MS = 15_000;

/**
 * Samples the outbox backlog of every application database into outbox_samples (the Outbox page's history
 * chart). Insert-only layouts (Debezium) have no backlog in the table and are skipped. One database's failure
 * does not stop the others; the errors are returned.
 */
export class OutboxSampler {
  constructor(
    private readonly db: ControlDb,
    private readonly connections: Connections,
  ) {}

  async sample(now = new Date()): Promise<{ sampled: string[]; errors: { database: string; error: string }[] }> {
    const sampled: string[] = [];
    const errors: { database: string; error: string }[] = [];
    for (const app of appDatabases(this.connections)) {
      if (app.outbox.capabilities.insertOnly) continue;
      try {
        const summary = await app.outbox.summary(app.db);
        await this.db.insert(outboxSamples).values({
          database: app.name,
          sampledAt: now,
          unpublished: summary.unpublished ?? 0,
          oldestUnpublishedAt: summary.oldestUnpublishedAt,
          publishedLastMinute: summary.publishedLastMinute,
          failing: summary.failing,
        });
        sampled.push(app.name);
      } catch (error) {
        errors.push({ database: app.name, error: error instanceof Error ? error.message : String(error) });
      }
    }
    return { sampled, errors };
  }
}

/** The newest sample of a database (to tell whether the oldest row is the same one: its age grows). */
export async function latestOutboxSample(db: ControlDb, database: string) {
  const [row] = await db.select().from(outboxSamples).where(and(eq(outboxSamples.database, database))).orderBy(desc(outboxSamples.sampledAt)).limit(1);
  return row ?? null;
}
