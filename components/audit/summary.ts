import { dlqHref } from "../dlq/format";

/**
 * An audit row in words ("replayed message 0:12 of orders.DLQ to orders") with a link to the object
 * acted on. Pure, so it is unit-tested; the parameters are the ones the audit log kept (validated,
 * capped, secrets redacted), so any of them may be missing.
 */
export type AuditSummary = { text: string; href: string | null };

type Params = Record<string, unknown>;

const str = (p: Params, key: string): string | null => {
  const value = p[key];
  return typeof value === "string" && value.length > 0 ? value : typeof value === "number" ? String(value) : null;
};
const count = (p: Params, key: string): number | null => (Array.isArray(p[key]) ? (p[key] as unknown[]).length : null);
const plural = (n: number, word: string) => `${n.toLocaleString()} ${word}${n === 1 ? "" : "s"}`;

/** The DLQ named by kind/connection/dlq (or an SQS connection/queue), and the message when there is one. */
function dlqOf(p: Params): { label: string; href: string } | null {
  const connection = str(p, "connection");
  const name = str(p, "dlq") ?? str(p, "queue");
  if (!connection || !name) return null;
  const kind = str(p, "kind") === "kafka" ? "kafka" : str(p, "kind") === "sqs" || str(p, "queue") ? "sqs" : null;
  if (!kind) return null;
  const id = str(p, "id");
  const base = dlqHref(kind, connection, name);
  return { label: `${name} (${connection})`, href: id ? `${base}?msg=${encodeURIComponent(id)}` : base };
}

function jobOf(p: Params, area: string): { label: string; href: string | null } {
  const id = str(p, "jobId");
  if (!id) return { label: `a ${area} job`, href: null };
  return { label: `${area} job ${id.slice(0, 8)}`, href: area === "replay" ? `/replays/${encodeURIComponent(id)}` : null };
}

type Describe = (p: Params) => AuditSummary;

const onDlq =
  (verb: (p: Params) => string): Describe =>
  (p) => {
    const dlq = dlqOf(p);
    return { text: `${verb(p)}${dlq ? ` ${dlq.label}` : ""}`, href: dlq?.href ?? null };
  };
const onJob =
  (verb: string, area: "replay" | "saga bulk"): Describe =>
  (p) => {
    const job = jobOf(p, area);
    return { text: `${verb} ${job.label}`, href: job.href };
  };
const plain =
  (text: (p: Params) => string, href: string | null = null): Describe =>
  (p) => ({ text: text(p), href });

const describers: Record<string, Describe> = {
  "replay.one": onDlq((p) => `replayed message ${str(p, "id") ?? "?"}${str(p, "target") ? ` to ${str(p, "target")}` : ""} from`),
  "replay.edit": onDlq((p) => `edited and replayed message ${str(p, "id") ?? "?"}${str(p, "target") ? ` to ${str(p, "target")}` : ""} from`),
  "replay.discard": onDlq((p) => `discarded message ${str(p, "id") ?? "?"}${str(p, "reason") ? ` ("${str(p, "reason")}")` : ""} from`),
  "replayJobs.dryRun": onDlq((p) => `dry-ran a bulk ${str(p, "action") ?? "replay"} of`),
  "replayJobs.start": onJob("started", "replay"),
  "replayJobs.pause": onJob("paused", "replay"),
  "replayJobs.resume": onJob("resumed", "replay"),
  "replayJobs.cancel": onJob("cancelled", "replay"),
  "replayJobs.moveAll": onDlq(() => "moved every message back to its source from"),
  "sagaJobs.dryRun": (p) => ({ text: `dry-ran a bulk ${str(p, "command") ?? "command"} on sagas of ${str(p, "database") ?? "?"}`, href: sagasHref(p) }),
  "sagaJobs.start": onJob("started", "saga bulk"),
  "sagaJobs.pause": onJob("paused", "saga bulk"),
  "sagaJobs.resume": onJob("resumed", "saga bulk"),
  "sagaJobs.cancel": onJob("cancelled", "saga bulk"),
  "sagas.issue": (p) => ({
    text: `issued ${str(p, "command") ?? "a command"} to saga ${str(p, "sagaId")?.slice(0, 8) ?? "?"} in ${str(p, "database") ?? "?"}${str(p, "reason") ? ` ("${str(p, "reason")}")` : ""}`,
    href: str(p, "database") && str(p, "sagaId") ? `/sagas/${encodeURIComponent(str(p, "database")!)}/${encodeURIComponent(str(p, "sagaId")!)}` : sagasHref(p),
  }),
  "outbox.requeue": (p) => ({ text: `requeued ${plural(count(p, "ids") ?? 0, "outbox row")} in ${str(p, "database") ?? "?"}`, href: "/outbox" }),
  "dlq.sqs.takeSnapshot": onDlq(() => "took a snapshot of"),
  "dlq.scan.start": onDlq((p) => `searched${str(p, "expression") ? ` for ${str(p, "expression")}` : ""} in`),
  "dlq.scan.cancel": plain(() => "cancelled a search"),
  "dlq.filters.save": plain((p) => `saved the filter "${str(p, "name") ?? "?"}"`),
  "dlq.filters.delete": plain(() => "deleted a saved filter"),
  "alerts.createRule": plain((p) => `created the alert rule "${str(p, "name") ?? "?"}"`, "/alerts"),
  "alerts.updateRule": (p) => ({ text: "changed an alert rule", href: ruleHref(p) }),
  "alerts.setRuleEnabled": (p) => ({ text: `${p.enabled === false ? "disabled" : "enabled"} an alert rule`, href: ruleHref(p) }),
  "alerts.deleteRule": plain(() => "deleted an alert rule", "/alerts"),
  "alerts.createSilence": plain(() => "created a silence", "/alerts"),
  "alerts.silenceAlert": (p) => ({ text: `silenced ${str(p, "objectKey") ?? "an alert"} for ${str(p, "minutes") ?? "?"} min`, href: ruleHref({ id: p.ruleId }) }),
  "alerts.expireSilence": plain(() => "ended a silence", "/alerts"),
  "alerts.createChannel": plain((p) => `created the alert channel "${str(p, "name") ?? "?"}"`, "/alerts"),
  "alerts.updateChannel": plain(() => "changed an alert channel", "/alerts"),
  "alerts.deleteChannel": plain(() => "deleted an alert channel", "/alerts"),
  "alerts.testChannel": plain(() => "sent a test notification", "/alerts"),
  "users.create": plain((p) => `created the user ${str(p, "username") ?? "?"} (${str(p, "role") ?? "?"})`, "/settings"),
  "users.update": plain((p) => `changed a user${str(p, "role") ? ` (role ${str(p, "role")})` : ""}`, "/settings"),
  "tokens.create": plain((p) => `created the API token "${str(p, "name") ?? "?"}" (${str(p, "role") ?? "?"})`, "/settings"),
  "tokens.revoke": plain(() => "revoked an API token", "/settings"),
  "auth.signIn": plain(() => "signed in"),
  "auth.signOut": plain(() => "signed out"),
};

function sagasHref(p: Params): string {
  const database = str(p, "database");
  return database ? `/sagas?database=${encodeURIComponent(database)}` : "/sagas";
}
function ruleHref(p: Params): string {
  const id = str(p, "id");
  return id ? `/alerts/rules/${encodeURIComponent(id)}` : "/alerts";
}

/** "replayJobs.start" -> "replay jobs start": unknown procedures still read as words. */
const words = (procedure: string) => procedure.replace(/\./g, " ").replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();

export function summarizeAudit(row: { procedure: string; parameters: unknown; outcome: "ok" | "error"; error: string | null }): AuditSummary {
  const p: Params = row.parameters && typeof row.parameters === "object" && !Array.isArray(row.parameters) ? (row.parameters as Params) : {};
  const describe = describers[row.procedure];
  const summary = describe ? describe(p) : onDlq(() => words(row.procedure))(p);
  if (row.outcome === "ok") return summary;
  return { ...summary, text: `tried: ${summary.text} — refused: ${row.error ?? "error"}` };
}
