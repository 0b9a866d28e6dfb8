import { sql } from "drizzle-orm";
import type { LayoutOverrides } from "~/server/sagas/config-schema";
import { dateOrNull, ident, num, numOrNull, rows, textArray } from "~/server/sagas/sql";
import { columnsFor } from "./columns";
import type { BacklogEntry, BlockedChain, OutboxLayout, OutboxRow, OutboxSummary } from "./types";

/**
 * The demo's transactional outbox (`outbox_events`): the relay sets published_at, counts attempts and keeps
 * the last error; `seq` orders rows, and per aggregate the relay publishes in seq order.
 */
export function redriveDemoOutbox(overrides: LayoutOverrides): OutboxLayout {
  const table = overrides.outbox ?? "outbox_events";
  const c = columnsFor(overrides, "outbox", {
    id: "id",
    seq: "seq",
    aggregateType: "aggregate_type",
    aggregateId: "aggregate_id",
    eventType: "event_type",
    payload: "payload",
    createdAt: "created_at",
    publishedAt: "published_at",
    attempts: "attempts",
    lastError: "last_error",
  });
  const t = ident(table);
  const col = (name: keyof typeof c) => ident(c[name]);
  const select = sql`${col("id")}::text as id, ${col("seq")} as seq, ${col("aggregateType")} as aggregate_type,
    ${col("aggregateId")} as aggregate_id, ${col("eventType")} as event_type, ${col("createdAt")} as created_at,
    ${col("publishedAt")} as published_at, ${col("attempts")} as attempts, ${col("lastError")} as last_error`;

  type Raw = {
    id: string;
    seq: string | number | null;
    aggregate_type: string;
    aggregate_id: string;
    event_type: string;
    created_at: Date | null;
    published_at: Date | null;
    attempts: number | null;
    last_error: string | null;
    payload?: unknown;
  };
  const toRow = (r: Raw): OutboxRow => ({
    id: r.id,
    seq: numOrNull(r.seq),
    aggregateType: r.aggregate_type,
    aggregateId: r.aggregate_id,
    eventType: r.event_type,
    createdAt: dateOrNull(r.created_at),
    publishedAt: dateOrNull(r.published_at),
    attempts: numOrNull(r.attempts),
    lastError: r.last_error,
    payload: r.payload ?? null,
  });
  const unpublished = sql`${col("publishedAt")} is null`;
  const failingRow = sql`${unpublished} and ${col("lastError")} is not null`;

  return {
    name: "redrive-demo",
    table,
    capabilities: { insertOnly: false, attempts: true, requeue: true, publishTimes: true },

    async summary(db): Promise<OutboxSummary> {
      // Three index-backed reads: the partial index on unpublished rows, and published_at for the rate.
      const [backlog] = await rows<{ unpublished: string; oldest: Date | null; age: number | null; failing: string }>(
        db,
        sql`select count(*) as unpublished, min(${col("createdAt")}) as oldest,
                   extract(epoch from now() - min(${col("createdAt")}))::float8 as age,
                   count(*) filter (where ${col("lastError")} is not null) as failing
              from ${t} where ${unpublished}`,
      );
      const [published] = await rows<{ last_minute: string; last_at: Date | null }>(
        db,
        sql`select count(*) filter (where ${col("publishedAt")} >= now() - interval '1 minute') as last_minute,
                   max(${col("publishedAt")}) as last_at
              from ${t} where ${col("publishedAt")} >= now() - interval '1 day'`,
      );
      return {
        unpublished: num(backlog?.unpublished),
        oldestUnpublishedAt: dateOrNull(backlog?.oldest),
        oldestAgeSeconds: numOrNull(backlog?.age),
        publishedLastMinute: num(published?.last_minute),
        lastPublishedAt: dateOrNull(published?.last_at),
        failing: num(backlog?.failing),
        rowsInTable: null,
      };
    },

    async backlog(db, limit): Promise<BacklogEntry[]> {
      const result = await rows<{ aggregate_type: string; event_type: string; n: string; oldest: Date | null; failing: string }>(
        db,
        sql`select ${col("aggregateType")} as aggregate_type, ${col("eventType")} as event_type, count(*) as n,
                   min(${col("createdAt")}) as oldest, count(*) filter (where ${col("lastError")} is not null) as failing
              from ${t} where ${unpublished}
             group by 1, 2 order by count(*) desc, 1, 2 limit ${limit}`,
      );
      return result.map((r) => ({ aggregateType: r.aggregate_type, eventType: r.event_type, count: num(r.n), oldestAt: dateOrNull(r.oldest), failing: num(r.failing) }));
    },

    async failing(db, limit): Promise<OutboxRow[]> {
      const result = await rows<Raw>(db, sql`select ${select} from ${t} where ${failingRow} order by ${col("seq")} limit ${limit}`);
      return result.map(toRow);
    },

    async blocked(db, limit): Promise<BlockedChain[]> {
      // Per aggregate, its first failing unpublished row and how many later unpublished rows wait behind it.
      const result = await rows<Raw & { behind: string }>(
        db,
        sql`with heads as (
              select distinct on (${col("aggregateId")}) ${select}
                from ${t} where ${failingRow}
               order by ${col("aggregateId")}, ${col("seq")}
               limit 10000)
            select heads.*, (select count(*) from ${t} later
                              where later.${col("aggregateId")} = heads.aggregate_id
                                and later.${col("publishedAt")} is null and later.${col("seq")} > heads.seq) as behind
              from heads order by behind desc, heads.seq limit ${limit}`,
      );
      return result.map((r) => ({ aggregateType: r.aggregate_type, aggregateId: r.aggregate_id, head: toRow(r), behind: num(r.behind) }));
    },

    async rowsForAggregates(db, aggregateIds, limit): Promise<OutboxRow[]> {
      if (aggregateIds.length === 0) return [];
      const result = await rows<Raw>(
        db,
        sql`select ${select}, ${col("payload")} as payload from ${t}
             where ${col("aggregateId")} in (${sql.join(aggregateIds.map((id) => sql`${id}`), sql`, `)})
             order by ${col("seq")} desc limit ${limit}`,
      );
      return result.map(toRow);
    },

    async latestForAggregates(db, aggregateIds): Promise<Map<string, OutboxRow>> {
      const out = new Map<string, OutboxRow>();
      if (aggregateIds.length === 0) return out;
      const result = await rows<Raw>(
        db,
        sql`select distinct on (${col("aggregateId")}) ${select}, ${col("payload")} as payload from ${t}
             where ${col("aggregateId")} = any(${textArray(aggregateIds)})
             order by ${col("aggregateId")}, ${col("seq")} desc`,
      );
      for (const r of result) out.set(r.aggregate_id, toRow(r));
      return out;
    },

    async requeue(db, ids): Promise<number> {
      if (ids.length === 0) return 0;
      const result = await db.execute(
        sql`update ${t} set ${col("attempts")} = 0, ${col("lastError")} = null
             where ${col("id")}::text = any(${textArray(ids)}) and ${unpublished}`,
      );
      return result.rowCount ?? 0;
    },
  };
}
