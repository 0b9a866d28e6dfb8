import { randomUUID } from "node:crypto";
import { and, asc, eq, gte, lt } from "drizzle-orm";
import type { BrokerKind } from "~/server/brokers/registry";
import type { ControlDb } from "~/server/db/control-store";
import { dlqScanMatches, dlqScans } from "~/server/db/schema";
import { errorMessage } from "~/server/lib/errors";
import { errorText, logger } from "~/server/lib/logger";
import { compileFilter, FilterStopped } from "./filter";
import type { FetchedRecord } from "~/server/brokers/kafka/kafka-records";
import type { FilterInput } from "./filter-batch";
import { hasMasks, maskBytes, type PayloadAccess } from "./masking";
import { fromKafkaRecord, isFailureHeader, summarise, type DlqMessageSummary, type RawDlqMessage } from "./messages";
import { takeScanSlot } from "./scan-slots";
import type { DlqDeps } from "./source";
import { dlqSources } from "./sources";
import { decodeRecord, decodeRecordNow, filterPayload, originTopicOf } from "./schema-decoding";
import { schemaDecoderOf } from "./schema-decoders";
import { locateSchema, type SchemaDecoder } from "~/server/schemas";
import { cacheKey, type PortableSchema } from "~/server/schemas/decode";
import type { MessageDecoding } from "./messages";

export interface DlqRef {
  kind: BrokerKind;
  connection: string;
  /** Kafka: the DLQ topic. SQS, RabbitMQ: the DLQ queue name. */
  dlq: string;
  /** SQS: the snapshot to search. */
  snapshotId?: string;
}

export interface ScanState {
  id: string;
  ownerId: string;
  ref: DlqRef;
  expression: string;
  limit: number;
  startedAt: number;
  finishedAt: number | null;
  status: "running" | "done" | "limit" | "cancelled" | "failed";
  total: number | null;
  scanned: number;
  matched: number;
  firstMatchMs: number | null;
  error: string | null;
  matches: DlqMessageSummary[];
}

// A scan runs in the replica that started it (it holds the filter workers and the user's slot) and writes its
// state to the control store, so any replica answers status and cancel. Finished scans are kept a while.
const KEEP_FINISHED_MS = 15 * 60_000;
/** How often a running scan writes progress (and a heartbeat) and reads a cancel asked through another replica. */
export const SCAN_SYNC_MS = 500;
/** A running scan whose heartbeat is older than this lost its replica (stopped or crashed). */
const ORPHANED_AFTER_MS = 30_000;
type RunningScan = ScanState & { cancel: boolean; abort: AbortController };
/** Read batches being filtered while the next one is read and decoded. */
const FILTER_AHEAD = 3;

/** One read batch handed to the filter workers: its size, the answer to come, and a match's message. */
interface FilterRun {
  size: number;
  matched: Promise<ArrayLike<boolean | number>>;
  message(index: number): RawDlqMessage;
}
// The scans this process runs, read from memory here (fresher than the store); other replicas read the store.
const holder = globalThis as unknown as { __redriveScans?: Map<string, RunningScan> };
const scans = (holder.__redriveScans ??= new Map());

/** What a filter may see: everything, the masked payload, or (without payload access) metadata and errors. */
export function filterView(message: RawDlqMessage, access: PayloadAccess): RawDlqMessage {
  if (!access.payloads) {
    return { ...message, key: null, value: null, decoded: undefined, headers: new Map([...message.headers].filter(([name]) => isFailureHeader(name))), headerEntries: message.headerEntries.filter(([name]) => isFailureHeader(name)) };
  }
  // A schema-encoded key or value is filtered as its decoded JSON (record.value.field), masked like any value.
  if (message.decoded) {
    return { ...message, key: filterPayload(message.key, message.decoded.key, access, "key"), value: filterPayload(message.value, message.decoded.value, access, "value") };
  }
  return hasMasks(access) ? { ...message, key: maskBytes(message.key, access, "key"), value: maskBytes(message.value, access, "value") } : message;
}

/**
 * Starts a server-side CEL scan of a DLQ. The expression is checked first, so a syntax error or a refusal
 * is thrown (with its position) before anything is read, and so is TooManyScans when the user already runs
 * their share. Records are filtered in the worker pool a fetched batch at a time; the filter sees payloads
 * masked for the caller's role, and callers without payload access can filter on metadata and errors only.
 */
export async function startScan(
  deps: DlqDeps,
  input: { ref: DlqRef; expression: string; limit: number; ownerId: string; access: PayloadAccess },
): Promise<ScanState> {
  const { db } = deps;
  const filter = compileFilter(input.expression);
  const release = takeScanSlot(input.ownerId);
  const state: RunningScan = {
    id: randomUUID(),
    ownerId: input.ownerId,
    ref: input.ref,
    expression: input.expression,
    limit: input.limit,
    startedAt: Date.now(),
    finishedAt: null,
    status: "running",
    total: null,
    scanned: 0,
    matched: 0,
    firstMatchMs: null,
    error: null,
    matches: [],
    cancel: false,
    abort: new AbortController(),
  };
  try {
    await db.delete(dlqScans).where(lt(dlqScans.finishedAt, new Date(Date.now() - KEEP_FINISHED_MS)));
    await db.insert(dlqScans).values({
      id: state.id,
      ownerId: state.ownerId,
      ref: state.ref,
      expression: state.expression,
      matchLimit: state.limit,
      status: "running",
      startedAt: new Date(state.startedAt),
      heartbeatAt: new Date(),
    });
  } catch (error) {
    release();
    throw error;
  }
  scans.set(state.id, state);
  const sync = new ScanSync(db, state);

  // What was read since the last flush: messages, or log records as read (a message is built only for a match).
  let pending: RawDlqMessage[] = [];
  let logRecords: FetchedRecord[] = [];
  let logPartitions: number[] = [];
  const visit = (message: RawDlqMessage) => void pending.push(message);
  const visitRecords = (partition: number, records: FetchedRecord[]) => {
    for (const record of records) {
      logRecords.push(record);
      logPartitions.push(partition);
    }
  };
  // Up to FILTER_AHEAD read batches are being filtered while the next is read (the workers and this thread
  // work at once); their results are counted in reading order, up to the limit, as a record-by-record scan would.
  const filtering: FilterRun[] = [];
  const count = async (run: FilterRun) => {
    const matched = await run.matched;
    if (state.matched >= state.limit) return;
    for (let i = 0; i < run.size; i++) {
      state.scanned += 1;
      if (!matched[i] || state.matched >= state.limit) continue;
      state.matched += 1;
      state.firstMatchMs ??= Date.now() - state.startedAt;
      state.matches.push(summarise(run.message(i), input.access));
    }
  };
  const flush = async () => {
    // A source hands either messages (snapshot rows, a browse window) or log records; whichever arrived is filtered.
    const runs = state.matched >= state.limit ? [] : [recordRun(), messageRun()];
    for (const run of runs) {
      if (!run) continue;
      // Awaited in order below; a failure is taken from there (not an unhandled rejection).
      run.matched.catch(() => undefined);
      filtering.push(run);
    }
    while (filtering.length > FILTER_AHEAD) await count(filtering.shift()!);
  };
  const drain = async () => {
    while (filtering.length > 0) await count(filtering.shift()!);
  };
  const recordRun = (): FilterRun | null => {
    const records = logRecords;
    const partitions = logPartitions;
    logRecords = [];
    logPartitions = [];
    if (records.length === 0) return null;
    const { payloads } = input.access;
    const masked = payloads && hasMasks(input.access);
    // With a schema registry, keys and values are decoded here before the workers filter them (record.value is
    // the decoded value); a registry that is down leaves the bytes, as a page shows them.
    const decodings: (MessageDecoding | null)[] = new Array(records.length).fill(null);
    const decodeAll = async () => {
      if (!decoder || !payloads) return;
      // Most records decode at once (their schema compiled already); the rest wait for the registry.
      const waiting: Promise<void>[] = [];
      for (let i = 0; i < records.length; i++) {
        const record = records[i]!;
        const headers = new Map(record.headers);
        // The subject is named after the topic the record was first written to (TopicNameStrategy).
        const topic = originTopicOf(headers) ?? input.ref.dlq;
        const parts = { key: record.key, value: record.value, headers };
        const now = decodeRecordNow(decoder, parts, topic);
        if (now) {
          if (now.key || now.value) decodings[i] = now;
          continue;
        }
        waiting.push(
          decodeRecord(decoder, parts, topic).then((decoded) => {
            if (decoded.key || decoded.value) decodings[i] = decoded;
          }),
        );
      }
      await Promise.all(waiting);
    };
    // Without masks, the workers decode (in parallel, and only if the filter reads the key or value): this thread
    // hands them the batch's writers' schemas, then decodes the matches alone for their rows.
    const inWorkers = async () => {
      const schemas = await portableSchemas(decoder!, records);
      const inputs = records.map(
        (record, i): FilterInput => ({ partition: partitions[i]!, offset: Number(record.offset), timestampMs: Number(record.timestamp), key: record.key, value: record.value, headers: record.headers }),
      );
      const result = await filter.matchKafka(inputs, { signal: state.abort.signal, failureHeadersOnly: false, schemas });
      await Promise.all(
        records.map(async (record, i) => {
          if (!result[i]) return;
          const headers = new Map(record.headers);
          const decoded = await decodeRecord(decoder!, { key: record.key, value: record.value, headers }, originTopicOf(headers) ?? input.ref.dlq);
          if (decoded.key || decoded.value) decodings[i] = decoded;
        }),
      );
      return result;
    };
    const matched = decoder && payloads && !masked ? inWorkers() : decodeAll().then(() => {
      const inputs = records.map((record, i): FilterInput => {
        const decoded = decodings[i];
        return {
          partition: partitions[i]!,
          offset: Number(record.offset),
          timestampMs: Number(record.timestamp),
          key: !payloads ? null : decoded ? filterPayload(record.key, decoded.key, input.access, "key") : maskBytes(record.key, input.access, "key"),
          value: !payloads ? null : decoded ? filterPayload(record.value, decoded.value, input.access, "value") : maskBytes(record.value, input.access, "value"),
          headers: record.headers,
        };
      });
      return filter.matchKafka(inputs, { signal: state.abort.signal, failureHeadersOnly: !payloads });
    });
    return {
      size: records.length,
      matched,
      message: (i) => {
        const message = fromKafkaRecord(partitions[i]!, records[i]!);
        if (decodings[i]) message.decoded = decodings[i]!;
        return message;
      },
    };
  };
  const messageRun = (): FilterRun | null => {
    const batch = pending;
    pending = [];
    if (batch.length === 0) return null;
    return {
      size: batch.length,
      matched: filter.match(
        batch.map((message) => filterView(message, input.access)),
        state.abort.signal,
      ),
      message: (i) => batch[i]!,
    };
  };
  const stop = () => state.cancel || state.matched >= state.limit;
  const decoder = schemaDecoderOf(deps.connections, input.ref.kind, input.ref.connection);

  void (async () => {
    sync.start();
    try {
      await dlqSources[input.ref.kind].scan(deps, input.ref, {
        message: visit,
        records: visitRecords,
        stop,
        total: (total) => {
          state.total = total;
        },
        afterBatch: flush,
      });
      await flush();
      await drain();
      state.status = state.cancel ? "cancelled" : state.matched >= state.limit ? "limit" : "done";
    } catch (error) {
      // Batches still queued behind the one that failed are not evaluated.
      if (!state.abort.signal.aborted) state.abort.abort();
      if (error instanceof FilterStopped && error.reason === "cancelled") state.status = "cancelled";
      else {
        state.status = "failed";
        state.error = errorMessage(error);
      }
    } finally {
      state.finishedAt = Date.now();
      release();
      await sync.stop();
      scans.delete(state.id);
    }
  })();
  return state;
}

/** Writes a running scan's progress and new matches to the store, and takes a cancel asked through any replica. */
class ScanSync {
  private timer: NodeJS.Timeout | null = null;
  private written = 0;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: ControlDb,
    private readonly state: RunningScan,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.enqueue(), SCAN_SYNC_MS);
  }

  /** The final write (status, finishedAt, the last matches). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.enqueue();
  }

  private enqueue(): Promise<void> {
    this.chain = this.chain.then(() =>
      this.write().catch((error: unknown) => {
        logger.warn({ scan: this.state.id, err: errorText(error) }, "could not write a DLQ scan's progress");
      }),
    );
    return this.chain;
  }

  private async write(): Promise<void> {
    const s = this.state;
    const fresh = s.matches.slice(this.written);
    if (fresh.length > 0) {
      await this.db.insert(dlqScanMatches).values(fresh.map((summary, i) => ({ scanId: s.id, seq: this.written + i, summary })));
      this.written += fresh.length;
    }
    const [row] = await this.db
      .update(dlqScans)
      .set({
        status: s.finishedAt === null ? "running" : s.status,
        total: s.total,
        scanned: s.scanned,
        matched: this.written,
        firstMatchMs: s.firstMatchMs,
        error: s.error,
        finishedAt: s.finishedAt === null ? null : new Date(s.finishedAt),
        heartbeatAt: new Date(),
      })
      .where(eq(dlqScans.id, s.id))
      .returning({ cancelRequested: dlqScans.cancelRequested });
    if (row?.cancelRequested && s.finishedAt === null) cancelLocal(s);
  }
}

function cancelLocal(scan: RunningScan): void {
  scan.cancel = true;
  // Ends the worker evaluating this scan's batch now, not when the batch would have finished.
  scan.abort.abort();
}

/** A scan's state with its matches from index `from` on, from whichever replica runs it; null when unknown. */
export async function scanState(db: ControlDb, id: string, ownerId: string, from = 0): Promise<ScanState | null> {
  const local = scans.get(id);
  if (local) {
    if (local.ownerId !== ownerId) return null;
    const { cancel: _cancel, abort: _abort, matches, ...state } = local;
    return { ...state, matches: matches.slice(from) };
  }
  const [row] = await db
    .select()
    .from(dlqScans)
    .where(and(eq(dlqScans.id, id), eq(dlqScans.ownerId, ownerId)));
  if (!row) return null;
  const matches = await db
    .select({ summary: dlqScanMatches.summary })
    .from(dlqScanMatches)
    .where(and(eq(dlqScanMatches.scanId, id), gte(dlqScanMatches.seq, from)))
    .orderBy(asc(dlqScanMatches.seq));
  const orphaned = row.status === "running" && Date.now() - row.heartbeatAt.getTime() > ORPHANED_AFTER_MS;
  return {
    id: row.id,
    ownerId: row.ownerId,
    ref: row.ref as DlqRef,
    expression: row.expression,
    limit: row.matchLimit,
    startedAt: row.startedAt.getTime(),
    finishedAt: orphaned ? row.heartbeatAt.getTime() : (row.finishedAt?.getTime() ?? null),
    status: orphaned ? "failed" : row.status,
    total: row.total,
    scanned: row.scanned,
    matched: row.matched,
    firstMatchMs: row.firstMatchMs,
    error: orphaned ? "The Redrive replica running this scan stopped before it finished; start it again." : row.error,
    matches: matches.map((m) => m.summary as DlqMessageSummary),
  };
}

const NO_HEADERS: ReadonlyMap<string, Uint8Array | null> = new Map();

/** The writers' schemas of a batch's keys and values, for the filter workers (each id asked of the decoder once). */
async function portableSchemas(decoder: SchemaDecoder, records: FetchedRecord[]): Promise<{ registry: string; byKey: Record<string, PortableSchema> }> {
  const byKey: Record<string, PortableSchema> = {};
  const seen = new Set<string>();
  for (const record of records) {
    const headers = record.headers.some(([name]) => name.startsWith("apicurio.")) ? new Map(record.headers) : NO_HEADERS;
    for (const part of ["key", "value"] as const) {
      const bytes = record[part];
      const locator = bytes && bytes.length > 0 ? locateSchema(bytes, headers, part) : null;
      if (!locator) continue;
      const key = cacheKey(locator);
      if (seen.has(key)) continue;
      seen.add(key);
      const portable = await decoder.portable(bytes, headers, part);
      if (portable) byKey[`${decoder.client.url}|${portable.key}`] = portable.schema;
    }
  }
  return { registry: decoder.client.url, byKey };
}

/** Cancels a running scan of the owner's, here or (through the store) in the replica running it. */
export async function cancelScan(db: ControlDb, id: string, ownerId: string): Promise<boolean> {
  const local = scans.get(id);
  if (local) {
    if (local.ownerId !== ownerId || local.status !== "running" || local.finishedAt !== null) return false;
    cancelLocal(local);
    return true;
  }
  const updated = await db
    .update(dlqScans)
    .set({ cancelRequested: true })
    .where(and(eq(dlqScans.id, id), eq(dlqScans.ownerId, ownerId), eq(dlqScans.status, "running")))
    .returning({ id: dlqScans.id });
  return updated.length > 0;
}
