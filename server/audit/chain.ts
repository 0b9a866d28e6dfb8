/**
 * Tamper evidence for the audit log. The append-only trigger stops the application, not the table's owner,
 * so every row also carries hash = sha256(previous row's hash + "\n" + canonical row): changing, removing or
 * reordering a row breaks every hash after it. Rows are chained in id order, inserted under one advisory
 * lock so that several replicas never chain onto the same predecessor.
 */
import { createHash } from "node:crypto";
import { and, asc, eq, gt, sql } from "drizzle-orm";
import type { ControlDb } from "~/server/db/control-store";
import { auditLog } from "~/server/db/schema";

/** The predecessor of the first chained row. */
export const GENESIS_HASH = "0".repeat(64);
/** Arbitrary constant: the advisory lock every audit insert takes (pg_advisory_xact_lock). */
export const AUDIT_CHAIN_LOCK = 7_346_211_013;

export interface ChainedFields {
  at: Date;
  actorKind: "user" | "token" | "anonymous" | "system";
  actorId: string | null;
  actorName: string;
  procedure: string;
  parameters: unknown;
  outcome: "ok" | "error";
  error: string | null;
  remoteAddress: string | null;
}

/** JSON with object keys sorted at every level: jsonb does not keep key order, so the hash must not depend on it. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item === undefined ? null : item)).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(",")}}`;
}

/** What jsonb gives back for a value: dates as strings, undefined dropped. */
export function asStored(value: unknown): unknown {
  return value === undefined ? null : (JSON.parse(JSON.stringify(value)) as unknown);
}

export function chainHash(prevHash: string, row: ChainedFields): string {
  const canonical = canonicalJson({
    at: row.at.toISOString(),
    actorKind: row.actorKind,
    actorId: row.actorId,
    actorName: row.actorName,
    procedure: row.procedure,
    parameters: asStored(row.parameters),
    outcome: row.outcome,
    error: row.error,
    remoteAddress: row.remoteAddress,
  });
  return createHash("sha256").update(`${prevHash}\n${canonical}`).digest("hex");
}

/** Takes the chain lock until the end of the caller's transaction. */
export async function lockChain(tx: ControlDb): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`);
}

/** Appends one row chained to the newest one; the caller holds the chain lock (lockChain) in `tx`. */
export async function appendChained(tx: ControlDb, row: ChainedFields): Promise<void> {
  const [last] = await tx.select({ hash: auditLog.hash }).from(auditLog).orderBy(sql`${auditLog.id} desc`).limit(1);
  const prevHash = last?.hash ?? GENESIS_HASH;
  await tx.insert(auditLog).values({ ...row, parameters: asStored(row.parameters) as object | null, prevHash, hash: chainHash(prevHash, row) });
}

/** Inserts one row chained to the newest one, under the chain lock (a transaction of its own). */
export async function insertChained(db: ControlDb, row: ChainedFields): Promise<void> {
  await db.transaction(async (tx) => {
    await lockChain(tx);
    await appendChained(tx, row);
  });
}

export interface ChainReport {
  ok: boolean;
  /** Rows whose hash was checked. */
  checked: number;
  /** Rows written before the chain existed (no hash), at the start of the log. */
  unchained: number;
  /** The first row that does not verify, and why. */
  broken: { id: number; reason: string } | null;
}

/**
 * Walks the log in id order. The first remaining row may follow rows pruned by retention: its predecessor
 * must then be the last hash a prune recorded (an "audit.prune" row), so dropping old rows silently fails.
 */
export async function verifyAuditChain(db: ControlDb, pageSize = 1_000): Promise<ChainReport> {
  const prunedThrough = new Set<string>([GENESIS_HASH]);
  let previous: string | null = null;
  let checked = 0;
  let unchained = 0;
  let cursor = 0;
  for (;;) {
    const rows = await db.select().from(auditLog).where(gt(auditLog.id, cursor)).orderBy(asc(auditLog.id)).limit(pageSize);
    if (rows.length === 0) break;
    for (const row of rows) {
      cursor = row.id;
      if (row.hash === null || row.prevHash === null) {
        if (previous === null && checked === 0) {
          unchained++;
          continue;
        }
        return { ok: false, checked, unchained, broken: { id: row.id, reason: "the row has no hash (written around the chain)" } };
      }
      if (previous === null) {
        if (!prunedThrough.has(row.prevHash) && !(await recordedPrune(db, row.prevHash))) {
          return { ok: false, checked, unchained, broken: { id: row.id, reason: "its predecessor is missing (rows removed outside retention)" } };
        }
      } else if (row.prevHash !== previous) {
        return { ok: false, checked, unchained, broken: { id: row.id, reason: "its predecessor hash does not match the row before it (a row was removed or inserted)" } };
      }
      const expected = chainHash(row.prevHash, row);
      if (expected !== row.hash) return { ok: false, checked, unchained, broken: { id: row.id, reason: "its content does not match its hash (the row was changed)" } };
      previous = row.hash;
      checked++;
    }
  }
  return { ok: true, checked, unchained, broken: null };
}

async function recordedPrune(db: ControlDb, hash: string): Promise<boolean> {
  const rows = await db
    .select({ id: auditLog.id })
    .from(auditLog)
    .where(and(eq(auditLog.procedure, "audit.prune"), sql`${auditLog.parameters}->>'lastHash' = ${hash}`))
    .limit(1);
  return rows.length > 0;
}
