import type { ControlDb } from "~/server/db/control-store";
import { auditLog } from "~/server/db/schema";
import type { Principal } from "~/server/auth/principal";

const SECRET_KEY = /pass(word)?|secret|token|credential|authorization/i;

/** Copies parameters for the audit log with secrets replaced, so the log itself never holds one. */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value && typeof value === "object" && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, SECRET_KEY.test(key) ? "[redacted]" : redactSecrets(item)]),
    );
  }
  return value;
}

export interface AuditEntry {
  actor: Principal | { kind: "anonymous" | "system"; id?: string; name: string };
  procedure: string;
  parameters: unknown;
  outcome: "ok" | "error";
  error?: string | null;
  remoteAddress?: string | null;
}

export async function recordAudit(db: ControlDb, entry: AuditEntry): Promise<void> {
  await db.insert(auditLog).values({
    actorKind: entry.actor.kind,
    actorId: "id" in entry.actor ? (entry.actor.id ?? null) : null,
    actorName: entry.actor.name,
    procedure: entry.procedure,
    parameters: (redactSecrets(entry.parameters) ?? null) as object | null,
    outcome: entry.outcome,
    error: entry.error ?? null,
    remoteAddress: entry.remoteAddress ?? null,
  });
}
