import { randomUUID } from "node:crypto";
import { and, asc, eq, gt } from "drizzle-orm";
import type { Connections } from "~/server/connections/registry";
import type { ControlDb } from "~/server/db/control-store";
import { sqsSnapshotMessages } from "~/server/db/schema";
import { errorMessage } from "~/server/jobs/health-monitor";
import { compileFilter, FilterStopped } from "./filter";
import { scanKafkaTopic } from "./kafka-dlq";
import { maskBytes, type PayloadAccess } from "./masking";
import { fromSqsMessage, isFailureHeader, summarise, type DlqMessageSummary, type RawDlqMessage } from "./messages";
import { takeScanSlot } from "./scan-slots";

export interface DlqRef {
  kind: "kafka" | "sqs";
  connection: string;
  /** Kafka: the DLQ topic. SQS: the DLQ queue name. */
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

// Scans are short-lived and per process; finished ones are kept a while so the page can read the result.
const KEEP_FINISHED_MS = 15 * 60_000;
type RunningScan = ScanState & { cancel: boolean; abort: AbortController };
const holder = globalThis as unknown as { __redriveScans?: Map<string, RunningScan> };
const scans = (holder.__redriveScans ??= new Map());

function prune(now: number): void {
  for (const [id, scan] of scans) if (scan.finishedAt !== null && now - scan.finishedAt > KEEP_FINISHED_MS) scans.delete(id);
}

/** What a filter may see: everything, the masked payload, or (without payload access) metadata and errors. */
export function filterView(message: RawDlqMessage, access: PayloadAccess): RawDlqMessage {
  if (!access.payloads) {
    return { ...message, key: null, value: null, headers: new Map([...message.headers].filter(([name]) => isFailureHeader(name))), headerEntries: message.headerEntries.filter(([name]) => isFailureHeader(name)) };
  }
  return access.masks.length > 0 ? { ...message, value: maskBytes(message.value, access) } : message;
}

/**
 * Starts a server-side CEL scan of a DLQ. The expression is checked first, so a syntax error or a refusal
 * is thrown (with its position) before anything is read, and so is TooManyScans when the user already runs
 * their share. Records are filtered in the worker pool a fetched batch at a time; the filter sees payloads
 * masked for the caller's role, and callers without payload access can filter on metadata and errors only.
 */
export function startScan(
  db: ControlDb,
  connections: Connections,
  input: { ref: DlqRef; expression: string; limit: number; ownerId: string; access: PayloadAccess },
): ScanState {
  const filter = compileFilter(input.expression);
  const release = takeScanSlot(input.ownerId);
  prune(Date.now());
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
  scans.set(state.id, state);

  let pending: RawDlqMessage[] = [];
  const visit = (message: RawDlqMessage) => void pending.push(message);
  // Filters what was read since the last call; counts only up to the limit, as a record-by-record scan would.
  const flush = async () => {
    const batch = pending;
    pending = [];
    if (batch.length === 0 || state.matched >= state.limit) return;
    const matched = await filter.match(
      batch.map((message) => filterView(message, input.access)),
      state.abort.signal,
    );
    for (let i = 0; i < batch.length; i++) {
      state.scanned += 1;
      if (!matched[i] || state.matched >= state.limit) continue;
      state.matched += 1;
      state.firstMatchMs ??= Date.now() - state.startedAt;
      state.matches.push(summarise(batch[i]!, input.access));
    }
  };
  const stop = () => state.cancel || state.matched >= state.limit;

  void (async () => {
    try {
      if (input.ref.kind === "kafka") {
        const adapter = connections.kafka.get(input.ref.connection);
        if (!adapter) throw new Error(`no Kafka connection "${input.ref.connection}"`);
        await scanKafkaTopic(adapter, input.ref.dlq, visit, stop, {
          onTotal: (total) => {
            state.total = total;
          },
          afterBatch: flush,
        });
      } else {
        await scanSnapshot(db, input.ref.snapshotId ?? "", visit, stop, (total) => (state.total = total), flush);
      }
      await flush();
      state.status = state.cancel ? "cancelled" : state.matched >= state.limit ? "limit" : "done";
    } catch (error) {
      if (error instanceof FilterStopped && error.reason === "cancelled") state.status = "cancelled";
      else {
        state.status = "failed";
        state.error = errorMessage(error);
      }
    } finally {
      state.finishedAt = Date.now();
      release();
    }
  })();
  return state;
}

async function scanSnapshot(
  db: ControlDb,
  snapshotId: string,
  visit: (message: RawDlqMessage) => void,
  stop: () => boolean,
  onTotal: (total: number) => void,
  afterPage: () => Promise<void>,
): Promise<void> {
  const PAGE = 1_000;
  let after = 0;
  let total = 0;
  for (;;) {
    const rows = await db
      .select()
      .from(sqsSnapshotMessages)
      .where(and(eq(sqsSnapshotMessages.snapshotId, snapshotId), gt(sqsSnapshotMessages.seq, after)))
      .orderBy(asc(sqsSnapshotMessages.seq))
      .limit(PAGE);
    total += rows.length;
    if (rows.length < PAGE) onTotal(total);
    for (const row of rows) {
      if (stop()) return;
      visit(fromSqsMessage(row));
    }
    await afterPage();
    if (rows.length < PAGE) return;
    after = rows.at(-1)!.seq;
  }
}

export function scanState(id: string, ownerId: string): ScanState | null {
  const scan = scans.get(id);
  if (!scan || scan.ownerId !== ownerId) return null;
  const { cancel: _cancel, abort: _abort, ...state } = scan;
  return state;
}

export function cancelScan(id: string, ownerId: string): boolean {
  const scan = scans.get(id);
  if (!scan || scan.ownerId !== ownerId || scan.status !== "running") return false;
  scan.cancel = true;
  // Ends the worker evaluating this scan's batch now, not when the batch would have finished.
  scan.abort.abort();
  return true;
}
