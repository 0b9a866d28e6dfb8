/**
 * Audit retention: rows older than audit.retentionDays are written to an NDJSON file (hashes included, so
 * the archive verifies on its own), and only then deleted. The delete passes the append-only trigger through
 * a transaction-local setting; a chained "audit.prune" row records the last pruned hash, which lets
 * verifyAuditChain accept the new first row and nothing else.
 */
import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { finished } from "node:stream/promises";
import { and, asc, gt, gte, lte, min, sql } from "drizzle-orm";
import type { AuditSettings } from "~/server/config/schema";
import type { ControlDb } from "~/server/db/control-store";
import { auditLog } from "~/server/db/schema";
import { appendChained, lockChain } from "./chain";

/** Rows pruned per run at most: the next run takes the rest. */
const MAX_ROWS_PER_RUN = 100_000;
const PAGE = 2_000;

export interface PruneOutcome {
  pruned: number;
  file: string | null;
}

export async function pruneAuditLog(db: ControlDb, settings: AuditSettings, now = new Date()): Promise<PruneOutcome> {
  const cutoff = new Date(now.getTime() - settings.retentionDays * 86_400_000);
  return db.transaction(async (tx) => {
    await lockChain(tx);
    // Only a leading run of old rows: the chain stays one piece even when replicas' clocks disagree.
    const [firstKept] = await tx.select({ id: min(auditLog.id) }).from(auditLog).where(gte(auditLog.at, cutoff));
    const [first] = await tx.select({ id: min(auditLog.id) }).from(auditLog);
    if (!first?.id) return { pruned: 0, file: null };
    const through = Math.min(firstKept?.id ? firstKept.id - 1 : Number.MAX_SAFE_INTEGER, first.id + MAX_ROWS_PER_RUN - 1);
    if (through < first.id) return { pruned: 0, file: null };

    await mkdir(settings.exportDir, { recursive: true });
    const file = path.resolve(settings.exportDir, `audit-${first.id}-${through}.ndjson`);
    const out = createWriteStream(file, { flags: "w" });
    let cursor = first.id - 1;
    let count = 0;
    let lastHash: string | null = null;
    let lastId = cursor;
    for (;;) {
      const rows = await tx.select().from(auditLog).where(and(gt(auditLog.id, cursor), lte(auditLog.id, through))).orderBy(asc(auditLog.id)).limit(PAGE);
      if (rows.length === 0) break;
      for (const row of rows) {
        if (!out.write(`${JSON.stringify(row)}\n`)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
        cursor = row.id;
        lastId = row.id;
        lastHash = row.hash;
        count++;
      }
    }
    out.end();
    await finished(out);
    if (count === 0) return { pruned: 0, file: null };

    await tx.execute(sql`select set_config('redrive.audit_prune', 'on', true)`);
    await tx.delete(auditLog).where(lte(auditLog.id, lastId));
    await tx.execute(sql`select set_config('redrive.audit_prune', 'off', true)`);
    await appendChained(tx, {
      at: new Date(),
      actorKind: "system",
      actorId: null,
      actorName: "retention",
      procedure: "audit.prune",
      parameters: { firstId: first.id, lastId, rows: count, lastHash, file: path.basename(file), before: cutoff.toISOString() },
      outcome: "ok",
      error: null,
      remoteAddress: null,
    });
    return { pruned: count, file };
  });
}
