import { randomUUID } from "node:crypto";
import { outboxEvents } from "../db/schema";
import type { DemoTx, DemoDb } from "../db/client";

export const SCHEMA_VERSION = 1;

export interface OutboxEvent {
  aggregateType: string;
  aggregateId: string;
  eventType: string;
  payload: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** Writes events to the outbox inside the caller's transaction (the whole point of the pattern). */
export async function enqueue(tx: DemoTx | DemoDb, ...events: OutboxEvent[]): Promise<string[]> {
  if (events.length === 0) return [];
  const rows = events.map((e) => ({
    id: randomUUID(),
    aggregateType: e.aggregateType,
    aggregateId: e.aggregateId,
    eventType: e.eventType,
    payload: { schemaVersion: SCHEMA_VERSION, ...e.payload },
    headers: e.headers ?? {},
  }));
  await tx.insert(outboxEvents).values(rows);
  return rows.map((r) => r.id);
}
