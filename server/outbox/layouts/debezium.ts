import { sql } from "drizzle-orm";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import type { LayoutOverrides } from "~/server/sagas/config-schema";
import { dateOrNull, ident, num, rows, textArray } from "~/server/sagas/sql";
import { columnsFor } from "./columns";
import type { OutboxLayout, OutboxRow } from "./types";

/**
 * Debezium's outbox event router: an insert-only `outbox` table (id, aggregatetype, aggregateid, type,
 * payload) read from the WAL by the connector. Rows are never marked published (many applications delete
 * them right after the insert), so the table cannot say what is unpublished: the backlog is the
 * connector's lag. Redrive only reads what is in the table.
 */
export function debeziumOutbox(overrides: LayoutOverrides): OutboxLayout {
  const table = overrides.outbox ?? "outbox";
  const c = columnsFor(overrides, "outbox", {
    id: "id",
    aggregateType: "aggregatetype",
    aggregateId: "aggregateid",
    eventType: "type",
    payload: "payload",
    /** Optional in Debezium's router (`table.field.event.timestamp`); absent columns read as null. */
    createdAt: "",
  });
  const t = ident(table);
  const col = (name: keyof typeof c) => ident(c[name]);
  const created = c.createdAt ? sql`${col("createdAt")}` : sql`null::timestamptz`;
  type Raw = { id: string; aggregate_type: string; aggregate_id: string; event_type: string; created_at: Date | null; payload?: unknown };
  const toRow = (r: Raw): OutboxRow => ({
    id: r.id,
    seq: null,
    aggregateType: r.aggregate_type,
    aggregateId: r.aggregate_id,
    eventType: r.event_type,
    createdAt: dateOrNull(r.created_at),
    publishedAt: null,
    attempts: null,
    lastError: null,
    payload: r.payload ?? null,
  });
  const select = sql`${col("id")}::text as id, ${col("aggregateType")}::text as aggregate_type, ${col("aggregateId")}::text as aggregate_id,
    ${col("eventType")}::text as event_type, ${created} as created_at`;

  return {
    name: "debezium",
    table,
    capabilities: { insertOnly: true, attempts: false, requeue: false, publishTimes: false },
    async summary(db) {
      const [r] = await rows<{ n: string }>(db, sql`select count(*) as n from ${t}`);
      return {
        unpublished: null,
        oldestUnpublishedAt: null,
        oldestAgeSeconds: null,
        publishedLastMinute: null,
        lastPublishedAt: null,
        failing: 0,
        rowsInTable: num(r?.n),
      };
    },
    async backlog(db, limit) {
      // Rows in the table by type: what the table holds, not what the connector still has to read.
      const result = await rows<{ aggregate_type: string; event_type: string; n: string; oldest: Date | null }>(
        db,
        sql`select ${col("aggregateType")}::text as aggregate_type, ${col("eventType")}::text as event_type, count(*) as n, min(${created}) as oldest
              from ${t} group by 1, 2 order by count(*) desc, 1, 2 limit ${limit}`,
      );
      return result.map((r) => ({ aggregateType: r.aggregate_type, eventType: r.event_type, count: num(r.n), oldestAt: dateOrNull(r.oldest), failing: 0 }));
    },
    failing: () => Promise.resolve([]),
    blocked: () => Promise.resolve([]),
    async rowsForAggregates(db: NodePgDatabase, aggregateIds: string[], limit: number) {
      if (aggregateIds.length === 0) return [];
      const result = await rows<Raw>(
        db,
        sql`select ${select}, ${col("payload")} as payload from ${t} where ${col("aggregateId")}::text = any(${textArray(aggregateIds)}) limit ${limit}`,
      );
      return result.map(toRow);
    },
    async latestForAggregates() {
      return new Map();
    },
    requeue: () => Promise.reject(new Error("Debezium's outbox is insert-only: there is nothing to requeue in the table.")),
  };
}
