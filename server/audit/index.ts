/**
 * The audit log: who did what, with which (validated, capped, secret-free) parameters, and the outcome.
 * Rows are hash-chained on insert (./chain.ts) and pruned only after an NDJSON export (./retention.ts).
 */
import type { ControlDb } from "~/server/db/control-store";
import type { Principal } from "~/server/auth/principal";
import { insertChained } from "./chain";

const SECRET_KEY = /pass(word)?|secret|token|credential|authorization/i;
/** Header (or attribute) names whose values are secrets whatever the payload permission says. */
const SECRET_HEADER = /^(authorization|proxy-authorization|cookie|set-cookie)$|token|secret|passw|key|credential|session|signature/i;
/** The shape of a header in an edit or a diff: { name, value } or { name, before, after }. */
const HEADER_SHAPE = new Set(["name", "value", "before", "after", "dataType", "binary", "failure", "reserved"]);
/** Parameters larger than this (as JSON) are kept as a marked, cut preview. */
export const AUDIT_PARAMETERS_LIMIT = 8 * 1024;
const ERROR_LIMIT = 2_000;

export const REDACTED = "[redacted]";

export function isSecretHeaderName(name: string): boolean {
  return SECRET_HEADER.test(name);
}

/**
 * Copies parameters for the audit log with secrets replaced, so the log itself never holds one: keys that name
 * a secret, and the values of headers named like one ({ name: "Authorization", value | before | after }).
 */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value && typeof value === "object" && !(value instanceof Date)) {
    const record = value as Record<string, unknown>;
    const secretHeader = typeof record.name === "string" && isSecretHeaderName(record.name) && Object.keys(record).every((key) => HEADER_SHAPE.has(key));
    return Object.fromEntries(
      Object.entries(record).map(([key, item]) => [
        key,
        SECRET_KEY.test(key) || (secretHeader && key !== "name" && key !== "dataType") ? REDACTED : redactSecrets(item),
      ]),
    );
  }
  return value;
}

/** Parameters as stored: at most AUDIT_PARAMETERS_LIMIT characters of JSON, marked when cut. */
export function capParameters(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  const json = JSON.stringify(value) ?? "null";
  if (json.length <= AUDIT_PARAMETERS_LIMIT) return value;
  return { truncated: true, characters: json.length, preview: json.slice(0, AUDIT_PARAMETERS_LIMIT) };
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
  await insertChained(db, {
    at: new Date(),
    actorKind: entry.actor.kind,
    actorId: "id" in entry.actor ? (entry.actor.id ?? null) : null,
    actorName: entry.actor.name.slice(0, 200),
    procedure: entry.procedure.slice(0, 200),
    parameters: capParameters(redactSecrets(entry.parameters)),
    outcome: entry.outcome,
    error: entry.error ? entry.error.slice(0, ERROR_LIMIT) : null,
    remoteAddress: entry.remoteAddress?.slice(0, 100) ?? null,
  });
}
