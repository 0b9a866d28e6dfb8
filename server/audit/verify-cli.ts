// `npm run audit:verify`: walks the audit log's hash chain in the control store the server uses
// (DATABASE_URL, or the embedded store under REDRIVE_DATA_DIR / .redrive) and names the first broken row.
// Exit code 0 when the chain holds, 1 when a row was changed, removed or inserted around the chain.
import { verifyAuditChain } from "~/server/audit/chain";
import { openControlStore } from "~/server/db/control-store";

const store = await openControlStore({ databaseUrl: process.env.DATABASE_URL || undefined, dataDir: process.env.REDRIVE_DATA_DIR || undefined });
try {
  const report = await verifyAuditChain(store.db);
  const legacy = report.unchained > 0 ? ` (${report.unchained} older row(s) predate the chain)` : "";
  if (report.ok) {
    console.log(`audit log verified: ${report.checked} chained row(s)${legacy}`);
  } else {
    console.error(`audit log BROKEN at row ${report.broken!.id}: ${report.broken!.reason}; ${report.checked} row(s) before it verified${legacy}`);
    process.exitCode = 1;
  }
} finally {
  await store.close();
}
