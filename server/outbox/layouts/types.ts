import type { NodePgDatabase } from "drizzle-orm/node-postgres";

export interface OutboxSummary {
  /** Rows not published yet (null: the layout cannot tell, e.g. Debezium's insert-only table). */
  unpublished: number | null;
  oldestUnpublishedAt: Date | null;
  oldestAgeSeconds: number | null;
  publishedLastMinute: number | null;
  lastPublishedAt: Date | null;
  /** Unpublished rows whose last publish attempt failed. */
  failing: number;
  /** Rows in the table (for insert-only layouts the only number there is). */
  rowsInTable: number | null;
}

export interface OutboxRow {
  id: string;
  seq: number | null;
  aggregateType: string;
  aggregateId: string;
  eventType: string;
  createdAt: Date | null;
  publishedAt: Date | null;
  attempts: number | null;
  lastError: string | null;
  payload: unknown;
}

export interface BacklogEntry {
  aggregateType: string;
  eventType: string;
  count: number;
  oldestAt: Date | null;
  failing: number;
}

/** A failing unpublished row and the later unpublished rows of the same aggregate it holds back. */
export interface BlockedChain {
  aggregateType: string;
  aggregateId: string;
  head: OutboxRow;
  behind: number;
}

export interface OutboxCapabilities {
  /** Debezium: rows are never marked, the connector reads the WAL; backlog is the connector's lag. */
  insertOnly: boolean;
  /** Publish attempts and the last error are recorded per row. */
  attempts: boolean;
  /** Redrive may reset attempts/last_error of chosen rows (still needs `writable: true`). */
  requeue: boolean;
  publishTimes: boolean;
}

export interface OutboxLayout {
  name: string;
  table: string;
  capabilities: OutboxCapabilities;
  summary(db: NodePgDatabase): Promise<OutboxSummary>;
  backlog(db: NodePgDatabase, limit: number): Promise<BacklogEntry[]>;
  failing(db: NodePgDatabase, limit: number): Promise<OutboxRow[]>;
  blocked(db: NodePgDatabase, limit: number): Promise<BlockedChain[]>;
  /** Rows of these aggregates (newest first): a saga's commands and replies. */
  rowsForAggregates(db: NodePgDatabase, aggregateIds: string[], limit: number): Promise<OutboxRow[]>;
  /** The newest row of each aggregate (by seq), for diagnosing many sagas in one statement. */
  latestForAggregates(db: NodePgDatabase, aggregateIds: string[]): Promise<Map<string, OutboxRow>>;
  /** Resets attempts and last_error of unpublished rows; returns the rows changed. */
  requeue(db: NodePgDatabase, ids: string[]): Promise<number>;
}
