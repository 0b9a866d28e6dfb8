import { sql } from "drizzle-orm";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import type { LayoutOverrides } from "~/server/sagas/config-schema";
import { dateOrNull, ident, num, numOrNull, rows, textArray } from "~/server/sagas/sql";
import { columnsFor } from "./columns";
import type { OutboxLayout, OutboxRow } from "./types";

/**
 * Eventuate Tram's `message` table: (id, destination, headers, payload, published, creation_time in epoch ms).
 * The CDC service sets `published = 1`. The destination (a channel / topic) stands in for the aggregate type and
 * the `event-type` or `command_type` header for the event type. No attempts or errors are recorded.
 */
export function eventuateOutbox(overrides: LayoutOverrides): OutboxLayout {
  const table = overrides.outbox ?? "message";
  const c = columnsFor(overrides, "outbox", {
    id: "id",
    destination: "destination",
    headers: "headers",
    payload: "payload",
    published: "published",
    creationTime: "creation_time",
  });
  const t = ident(table);
  const col = (name: keyof typeof c) => ident(c[name]);
  const created = sql`to_timestamp(${col("creationTime")} / 1000.0)`;
  // Headers are JSON text; a malformed one must not fail the whole page.
  const headers = sql`(case when ${col("headers")} ~ '^\\s*\\{' then ${col("headers")}::jsonb end)`;
  const eventType = sql`coalesce(${headers}->>'event-type', ${headers}->>'command_type', '')`;
  const aggregateId = sql`coalesce(${headers}->>'event-aggregate-id', ${headers}->>'PARTITION_ID', '')`;
  const unpublished = sql`${col("published")} = 0`;
  type Raw = { id: string; destination: string; aggregate_id: string; event_type: string; created_at: Date | null; published: number; payload?: unknown };
  const select = sql`${col("id")}::text as id, ${col("destination")} as destination, ${aggregateId} as aggregate_id, ${eventType} as event_type,
    ${created} as created_at, ${col("published")}::int as published`;
  const toRow = (r: Raw): OutboxRow => ({
    id: r.id,
    seq: null,
    aggregateType: r.destination,
    aggregateId: r.aggregate_id,
    eventType: r.event_type,
    createdAt: dateOrNull(r.created_at),
    publishedAt: null,
    attempts: null,
    lastError: null,
    payload: r.payload ?? null,
  });

  return {
    name: "eventuate",
    table,
    capabilities: { insertOnly: false, attempts: false, requeue: false, publishTimes: false },
    async summary(db) {
      const [r] = await rows<{ unpublished: string; oldest: Date | null; age: number | null }>(
        db,
        sql`select count(*) as unpublished, min(${created}) as oldest, extract(epoch from now() - min(${created}))::float8 as age
              from ${t} where ${unpublished}`,
      );
      return {
        unpublished: num(r?.unpublished),
        oldestUnpublishedAt: dateOrNull(r?.oldest),
        oldestAgeSeconds: numOrNull(r?.age),
        publishedLastMinute: null,
        lastPublishedAt: null,
        failing: 0,
        rowsInTable: null,
      };
    },
    async backlog(db, limit) {
      const result = await rows<{ destination: string; event_type: string; n: string; oldest: Date | null }>(
        db,
        sql`select ${col("destination")} as destination, ${eventType} as event_type, count(*) as n, min(${created}) as oldest
              from ${t} where ${unpublished} group by 1, 2 order by count(*) desc, 1, 2 limit ${limit}`,
      );
      return result.map((r) => ({ aggregateType: r.destination, eventType: r.event_type, count: num(r.n), oldestAt: dateOrNull(r.oldest), failing: 0 }));
    },
    failing: () => Promise.resolve([]),
    blocked: () => Promise.resolve([]),
    async rowsForAggregates(db: NodePgDatabase, aggregateIds: string[], limit: number) {
      if (aggregateIds.length === 0) return [];
      const result = await rows<Raw>(
        db,
        sql`select ${select}, ${col("payload")} as payload from ${t} where ${aggregateId} = any(${textArray(aggregateIds)})
             order by ${col("creationTime")} desc limit ${limit}`,
      );
      return result.map(toRow);
    },
    async latestForAggregates() {
      return new Map();
    },
    requeue: () => Promise.reject(new Error("Eventuate's message table records no attempts: there is nothing to requeue.")),
  };
}
