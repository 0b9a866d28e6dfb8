import { sql } from "drizzle-orm";
import type { ControlDb } from "~/server/db/control-store";
import type { AppDatabase } from "~/server/sagas/context";
import { dateOrNull, ident, num, rows } from "~/server/sagas/sql";
import { columnsFor } from "./layouts/columns";
import { consumersOfTopic } from "~/server/sagas/lag-verdicts";

export interface IdempotencyReport {
  eventId: string;
  supported: boolean;
  note: string | null;
  event: { aggregateType: string; aggregateId: string; eventType: string; createdAt: Date | null; publishedAt: Date | null; topic: string } | null;
  processedBy: { consumer: string; eventType: string | null; processedAt: Date | null; duplicatesSkipped: number | null }[];
  /** Consumer groups that read the event's topic (latest lag snapshot) and have no processed row for it. */
  notProcessedBy: { group: string; status: string; state: string }[];
  duplicatesRecorded: boolean;
}

/**
 * Which consumers processed an event, and when: the application's idempotency table (demo: processed_events,
 * unique on event_id + consumer). Duplicate skips are counted only where the application records them
 * (config column `processed.duplicates`); the demo counts them in memory only.
 */
export async function inspectEvent(store: ControlDb, app: AppDatabase, eventId: string): Promise<IdempotencyReport> {
  if (app.config.layout !== "redrive-demo") {
    return {
      eventId,
      supported: false,
      note: `The ${app.config.layout} layout has no idempotency table Redrive knows of.`,
      event: null,
      processedBy: [],
      notProcessedBy: [],
      duplicatesRecorded: false,
    };
  }
  const table = app.config.tables.processed ?? "processed_events";
  const c = columnsFor(app.config.tables, "processed", { eventId: "event_id", consumer: "consumer", eventType: "event_type", processedAt: "processed_at", duplicates: "" });
  const duplicates = c.duplicates ? sql`${ident(c.duplicates)}` : sql`null::int`;
  const processed = await rows<{ consumer: string; event_type: string | null; processed_at: Date | null; duplicates: number | null }>(
    app.db,
    sql`select ${ident(c.consumer)} as consumer, ${ident(c.eventType)} as event_type, ${ident(c.processedAt)} as processed_at, ${duplicates} as duplicates
          from ${ident(table)} where ${ident(c.eventId)} = ${eventId} order by ${ident(c.processedAt)}`,
  );
  // The event itself, when it went through the outbox (the demo's event id is the outbox row id).
  let event: IdempotencyReport["event"] = null;
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(eventId)) {
    const outboxTable = app.config.tables.outbox ?? "outbox_events";
    const [row] = await rows<{ aggregate_type: string; aggregate_id: string; event_type: string; created_at: Date | null; published_at: Date | null }>(
      app.db,
      sql`select aggregate_type, aggregate_id, event_type, created_at, published_at from ${ident(outboxTable)} where id = ${eventId}::uuid`,
    );
    if (row) {
      event = {
        aggregateType: row.aggregate_type,
        aggregateId: row.aggregate_id,
        eventType: row.event_type,
        createdAt: dateOrNull(row.created_at),
        publishedAt: dateOrNull(row.published_at),
        topic: `${app.config.sagas.topicPrefix}${row.aggregate_type}.${row.event_type}`,
      };
    }
  }
  const seen = new Set(processed.map((p) => p.consumer));
  const notProcessedBy = event
    ? (await consumersOfTopic(store, app, event.topic)).filter((g) => !seen.has(g.group) && !seen.has(g.group.slice(app.config.sagas.groupPrefix.length))).map((g) => ({ group: g.group, status: g.status, state: g.state }))
    : [];
  return {
    eventId,
    supported: true,
    note: c.duplicates ? null : "Duplicate skips are not recorded in this database (the demo's consumers count them in memory only).",
    event,
    processedBy: processed.map((p) => ({ consumer: p.consumer, eventType: p.event_type, processedAt: dateOrNull(p.processed_at), duplicatesSkipped: p.duplicates === null ? null : num(p.duplicates) })),
    notProcessedBy,
    duplicatesRecorded: Boolean(c.duplicates),
  };
}
