import { and, eq, sql } from "drizzle-orm";
import type { Connections } from "~/server/connections/registry";
import type { ControlDb } from "~/server/db/control-store";
import { kafkaDlqSamples } from "~/server/db/schema";
import { kafkaPage } from "~/server/dlq/kafka-dlq";
import { latestDlqTopicSampleTime } from "~/server/lag/queries";

/** A dead letter that belongs to a saga: matched by its event id header or its key (the aggregate id). */
export interface DlqHit {
  connection: string;
  topic: string;
  sourceTopic: string | null;
  id: string;
  partition: number | null;
  offset: number | null;
  timestampMs: number;
  eventId: string | null;
  key: string | null;
  exceptionClass: string | null;
  error: string | null;
  stacktrace: string | null;
}

interface TopicIndex {
  byEventId: Map<string, DlqHit[]>;
  byKey: Map<string, DlqHit[]>;
  scanned: number;
}

/** Newest records read per DLQ topic: enough for "is this saga's message there", bounded whatever the topic's size. */
export const DLQ_SCAN_LIMIT = 1_000;
const CACHE_MS = 30_000;
const EVENT_ID_HEADERS = ["event-id", "eventId", "id", "message-id"];

const cache = new Map<string, { at: number; index: Promise<TopicIndex> }>();

const text = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString("utf8") : null);

async function readIndex(connections: Connections, connection: string, topic: string, sourceTopic: string | null): Promise<TopicIndex> {
  const adapter = connections.kafka.get(connection);
  const index: TopicIndex = { byEventId: new Map(), byKey: new Map(), scanned: 0 };
  if (!adapter) return index;
  const page = await kafkaPage(adapter, topic, { order: "newest", limit: DLQ_SCAN_LIMIT });
  for (const m of page.messages) {
    const eventId = EVENT_ID_HEADERS.map((h) => text(m.headers.get(h))).find((v) => v) ?? null;
    const key = text(m.key);
    const hit: DlqHit = {
      connection,
      topic,
      sourceTopic,
      id: m.id,
      partition: m.partition,
      offset: m.offset,
      timestampMs: m.timestampMs,
      eventId,
      key,
      exceptionClass: m.failure?.exceptionClass ?? null,
      error: m.failure?.message ?? null,
      stacktrace: m.failure?.stacktrace ?? null,
    };
    if (eventId) index.byEventId.set(eventId, [...(index.byEventId.get(eventId) ?? []), hit]);
    if (key) index.byKey.set(key, [...(index.byKey.get(key) ?? []), hit]);
  }
  index.scanned = page.messages.length;
  return index;
}

/**
 * The DLQ topics of the given source topics, from the collector's latest DLQ snapshot (never a metadata request,
 * which could create a topic that does not exist).
 */
export async function dlqTopicsFor(store: ControlDb, kafkaConnections: string[], sourceTopics: string[]): Promise<{ connection: string; topic: string; sourceTopic: string }[]> {
  if (sourceTopics.length === 0) return [];
  const wanted = new Set(sourceTopics);
  const out: { connection: string; topic: string; sourceTopic: string }[] = [];
  for (const connection of kafkaConnections) {
    const sampledAt = await latestDlqTopicSampleTime(store, connection);
    if (!sampledAt) continue;
    const topics = await store
      .select({ topic: kafkaDlqSamples.topic, sourceTopic: kafkaDlqSamples.sourceTopic })
      .from(kafkaDlqSamples)
      .where(and(eq(kafkaDlqSamples.connection, connection), eq(kafkaDlqSamples.sampledAt, sampledAt), sql`${kafkaDlqSamples.sourceTopic} is not null`));
    for (const t of topics) if (t.sourceTopic && wanted.has(t.sourceTopic)) out.push({ connection, topic: t.topic, sourceTopic: t.sourceTopic });
  }
  return out;
}

/** Dead letters of one DLQ topic whose event id or key is among the given values (newest DLQ_SCAN_LIMIT records, cached 30 s). */
export async function findInDlq(
  connections: Connections,
  dlq: { connection: string; topic: string; sourceTopic: string | null },
  match: { eventIds: string[]; keys: string[] },
): Promise<DlqHit[]> {
  const cacheKey = `${dlq.connection}\u0000${dlq.topic}`;
  let entry = cache.get(cacheKey);
  if (!entry || Date.now() - entry.at > CACHE_MS) {
    entry = { at: Date.now(), index: readIndex(connections, dlq.connection, dlq.topic, dlq.sourceTopic) };
    entry.index.catch(() => cache.delete(cacheKey));
    cache.set(cacheKey, entry);
  }
  const index = await entry.index;
  const hits = new Map<string, DlqHit>();
  for (const id of match.eventIds) for (const h of index.byEventId.get(id) ?? []) hits.set(h.id, h);
  for (const key of match.keys) for (const h of index.byKey.get(key) ?? []) hits.set(h.id, h);
  return [...hits.values()].sort((a, b) => b.timestampMs - a.timestampMs);
}

/** Forgets cached DLQ reads (tests, and after a replay changed what is there). */
export function clearDlqIndexCache(): void {
  cache.clear();
}
