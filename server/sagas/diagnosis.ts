import { createHash } from "node:crypto";
import { sql } from "drizzle-orm";
import type { Connections } from "~/server/connections/registry";
import type { ControlDb } from "~/server/db/control-store";
import { normaliseMessage } from "~/server/dlq/failure";
import { columnsFor } from "~/server/outbox/layouts/columns";
import type { OutboxRow } from "~/server/outbox/layouts/types";
import type { AppDatabase } from "./context";
import { dlqTopicsFor, findInDlq, type DlqHit } from "./dlq-index";
import { describeGroup, groupIsUnhealthy, latestGroupVerdicts, type GroupVerdict } from "./lag-verdicts";
import { pendingCommands, type CommandRow, type SagaRow } from "./queries";
import { dateOrNull, ident, rows, textArray } from "./sql";

export const diagnosisKinds = [
  "compensation-failed",
  "command-pending",
  "retry-backoff",
  "outbox-unpublished",
  "participant-unhealthy",
  "no-consumer",
  "in-dlq",
  "no-reply",
  "awaiting-participant",
  "unknown",
] as const;
export type DiagnosisKind = (typeof diagnosisKinds)[number];

/** Why a stuck saga does not move, as far as the tables, the lag verdicts and the DLQs tell. */
export interface Diagnosis {
  kind: DiagnosisKind;
  /** What the saga waits on, as a phrase that reads for one saga or many ("wait on payment-processor, which is STOP …"). */
  phrase: string;
  /** The same for this saga alone, with its specifics (ids, ages). */
  detail: string;
  /** Who or what it waits on: a consumer group, the relay, a DLQ topic. */
  subject: string | null;
  /** The error that explains it (compensation error, DLQ exception, relay error). */
  error: string | null;
  message: { id: string; eventType: string; aggregateType: string; topic: string; createdAt: Date | null; publishedAt: Date | null; attempts: number | null; lastError: string | null } | null;
  group: Pick<GroupVerdict, "connection" | "group" | "status" | "state" | "members" | "totalLag"> | null;
  dlq: DlqHit | null;
  processedBy: { consumer: string; processedAt: Date | null }[];
  command: Pick<CommandRow, "id" | "command" | "requestedBy" | "requestedAt"> | null;
}

/** A command not picked up after this long means the orchestrator does not poll. */
const COMMAND_PICKUP_SECONDS = 10;
/** Diagnose at most this many stuck sagas per request; the rest are counted, not explained. */
export const DIAGNOSE_LIMIT = 2_000;

const ago = (from: Date | null, now: number) => {
  if (!from) return "at an unknown time";
  const s = Math.max(0, (now - from.getTime()) / 1000);
  return s < 120 ? `${Math.round(s)} s ago` : s < 7200 ? `${Math.round(s / 60)} min ago` : `${(s / 3600).toFixed(1)} h ago`;
};

export function topicOf(app: AppDatabase, row: Pick<OutboxRow, "aggregateType" | "eventType">): string {
  return `${app.config.sagas.topicPrefix}${row.aggregateType}.${row.eventType}`;
}

async function processedBy(app: AppDatabase, eventIds: string[]): Promise<Map<string, { consumer: string; processedAt: Date | null }[]>> {
  const out = new Map<string, { consumer: string; processedAt: Date | null }[]>();
  if (eventIds.length === 0 || app.config.layout !== "redrive-demo") return out;
  const table = app.config.tables.processed ?? "processed_events";
  const c = columnsFor(app.config.tables, "processed", { eventId: "event_id", consumer: "consumer", processedAt: "processed_at" });
  const result = await rows<{ event_id: string; consumer: string; processed_at: Date | null }>(
    app.db,
    sql`select ${ident(c.eventId)} as event_id, ${ident(c.consumer)} as consumer, ${ident(c.processedAt)} as processed_at
          from ${ident(table)} where ${ident(c.eventId)} = any(${textArray(eventIds)})`,
  );
  for (const r of result) out.set(r.event_id, [...(out.get(r.event_id) ?? []), { consumer: r.consumer, processedAt: dateOrNull(r.processed_at) }]);
  return out;
}

/** The consumer groups a message waits on: the configured participant of its step or topic, else the groups reading its topic. */
function groupsFor(app: AppDatabase, verdicts: GroupVerdict[], saga: SagaRow, topic: string, logicalTopic: string): { groups: GroupVerdict[]; configured: string | null } {
  const participants = app.config.sagas.participants;
  const configured = participants[logicalTopic] ?? participants[topic] ?? (saga.currentStep ? participants[saga.currentStep] : undefined) ?? null;
  if (configured) {
    const id = `${app.config.sagas.groupPrefix}${configured}`;
    return { groups: verdicts.filter((g) => g.group === id || g.group === configured), configured };
  }
  return { groups: verdicts.filter((g) => g.topics.includes(topic)), configured: null };
}

const isReply = (row: OutboxRow, saga: SagaRow) => row.aggregateId === saga.id && row.aggregateId !== saga.correlationId;

/**
 * Diagnoses stuck sagas in a few statements: pending commands, the newest outbox row of each saga's aggregates,
 * who processed those rows, the latest lag verdicts and (bounded, cached) the DLQ topics of their topics.
 */
export async function diagnose(store: ControlDb, connections: Connections, app: AppDatabase, sagas: SagaRow[], now = Date.now()): Promise<Map<string, Diagnosis>> {
  const out = new Map<string, Diagnosis>();
  const layout = app.sagas;
  if (!layout || sagas.length === 0) return out;
  const aggregatesOf = new Map(sagas.map((s) => [s.id, layout.outboxAggregates(s)]));
  const [pending, latest, verdicts] = await Promise.all([
    pendingCommands(app.db, layout, sagas.map((s) => s.id)),
    app.outbox.latestForAggregates(app.db, [...new Set([...aggregatesOf.values()].flat())]),
    latestGroupVerdicts(store, app.kafkaConnections),
  ]);
  const lastRow = new Map<string, OutboxRow>();
  for (const s of sagas) {
    const candidates = (aggregatesOf.get(s.id) ?? []).map((a) => latest.get(a)).filter((r): r is OutboxRow => Boolean(r));
    candidates.sort((a, b) => (b.seq ?? 0) - (a.seq ?? 0) || (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0));
    if (candidates[0]) lastRow.set(s.id, candidates[0]);
  }
  const processed = await processedBy(app, [...lastRow.values()].filter((r) => r.publishedAt).map((r) => r.id));

  // DLQ topics of the topics of published, unprocessed rows.
  const needDlq = new Map<string, OutboxRow[]>();
  for (const row of lastRow.values()) {
    if (!row.publishedAt || (processed.get(row.id)?.length ?? 0) > 0) continue;
    const topic = topicOf(app, row);
    needDlq.set(topic, [...(needDlq.get(topic) ?? []), row]);
  }
  const dlqTopics = await dlqTopicsFor(store, app.kafkaConnections, [...needDlq.keys()]).catch(() => []);
  const dlqHits = new Map<string, DlqHit>();
  await Promise.all(
    dlqTopics.map(async (dlq) => {
      const candidates = needDlq.get(dlq.sourceTopic) ?? [];
      const hits = await findInDlq(connections, dlq, { eventIds: candidates.map((r) => r.id), keys: candidates.map((r) => r.aggregateId) }).catch(() => []);
      for (const row of candidates) {
        const hit = hits.find((h) => h.eventId === row.id) ?? hits.find((h) => !h.eventId && h.key === row.aggregateId && h.timestampMs >= (row.createdAt?.getTime() ?? 0));
        if (hit && !dlqHits.has(row.id)) dlqHits.set(row.id, hit);
      }
    }),
  );

  for (const saga of sagas) {
    const row = lastRow.get(saga.id) ?? null;
    const base = (kind: DiagnosisKind, phrase: string, detail: string, extra: Partial<Diagnosis> = {}): Diagnosis => ({
      kind,
      phrase,
      detail,
      subject: null,
      error: null,
      message: row
        ? { id: row.id, eventType: row.eventType, aggregateType: row.aggregateType, topic: topicOf(app, row), createdAt: row.createdAt, publishedAt: row.publishedAt, attempts: row.attempts, lastError: row.lastError }
        : null,
      group: null,
      dlq: null,
      processedBy: row ? (processed.get(row.id) ?? []) : [],
      command: null,
      ...extra,
    });
    const command = pending.get(saga.id);
    if (command && command.requestedAt && now - command.requestedAt.getTime() > COMMAND_PICKUP_SECONDS * 1000) {
      out.set(
        saga.id,
        base("command-pending", "have an operator command the orchestrator has not picked up", `${command.command} requested by ${command.requestedBy} ${ago(command.requestedAt, now)} is not handled yet: is the orchestrator polling saga_commands?`, {
          subject: "orchestrator",
          command: { id: command.id, command: command.command, requestedBy: command.requestedBy, requestedAt: command.requestedAt },
        }),
      );
      continue;
    }
    if (saga.status === "compensation_failed") {
      const error = saga.lastError;
      // The demo prefixes the error with the step ("payment.refund: …"): say the step once.
      const reason = error && saga.currentStep && error.startsWith(`${saga.currentStep}: `) ? error.slice(saga.currentStep.length + 2) : error;
      out.set(
        saga.id,
        base("compensation-failed", `failed to compensate ${saga.currentStep ?? "a step"}${reason ? `: ${normaliseMessage(reason)}` : ""}`, `Compensation ${saga.currentStep ?? "?"} failed${reason ? `: ${reason}` : ""}. It waits for a human: retry the compensation or resolve it.`, {
          subject: saga.currentStep,
          error,
        }),
      );
      continue;
    }
    if (saga.nextAttemptAt && saga.nextAttemptAt.getTime() > now) {
      out.set(saga.id, base("retry-backoff", "wait for a retry backoff", `The next attempt is due at ${saga.nextAttemptAt.toISOString()}.`, { error: saga.lastError }));
      continue;
    }
    if (!row) {
      out.set(saga.id, base("unknown", "have no outbox message Redrive can follow", "No outbox row carries this saga's correlation id or saga id; the data does not say what it waits on."));
      continue;
    }
    const topic = topicOf(app, row);
    const logicalTopic = `${row.aggregateType}.${row.eventType}`;
    if (!row.publishedAt) {
      const error = row.lastError;
      out.set(
        saga.id,
        base(
          "outbox-unpublished",
          `wait on the outbox relay: their ${row.eventType} row is not published${error ? ` (${normaliseMessage(error)})` : ""}`,
          `Its last message, ${row.eventType} (outbox row ${row.id}, written ${ago(row.createdAt, now)}${row.attempts ? `, ${row.attempts} publish attempts` : ""}), is still unpublished${error ? `: ${error}` : ""}. The relay is stalled, failing or skips ${row.aggregateType} rows.`,
          { subject: `relay:${row.aggregateType}`, error },
        ),
      );
      continue;
    }
    const who = processed.get(row.id) ?? [];
    if (who.length > 0) {
      const consumers = who.map((w) => w.consumer).join(", ");
      const reply = isReply(row, saga);
      out.set(
        saga.id,
        base(
          "no-reply",
          reply
            ? `had their ${row.eventType} processed by ${consumers}, and did not move`
            : `got no reply: ${consumers} processed ${row.eventType}, nothing came back`,
          reply
            ? `${consumers} processed the reply ${row.eventType} ${ago(who[0]?.processedAt ?? null, now)}, but the saga did not move (a reply that did not match its state is ignored). Retry the step.`
            : `${consumers} processed ${row.eventType} ${ago(who[0]?.processedAt ?? null, now)} and sent no reply: the participant lost it or hung. Retry the step.`,
          { subject: consumers },
        ),
      );
      continue;
    }
    const { groups, configured } = groupsFor(app, verdicts, saga, topic, logicalTopic);
    const unhealthy = groups.find(groupIsUnhealthy);
    if (unhealthy) {
      const name = unhealthy.group;
      out.set(
        saga.id,
        base("participant-unhealthy", `wait on ${name}, which ${describeGroup(unhealthy)}`, `${row.eventType} was published ${ago(row.publishedAt, now)} to ${topic}; ${name} ${describeGroup(unhealthy)} (lag snapshot ${ago(unhealthy.sampledAt, now)}).`, {
          subject: name,
          group: unhealthy,
        }),
      );
      continue;
    }
    const hit = dlqHits.get(row.id);
    if (hit) {
      out.set(
        saga.id,
        base("in-dlq", `have their ${row.eventType} message in ${hit.topic}${hit.error ? `: ${normaliseMessage(hit.error)}` : ""}`, `${row.eventType} is dead-lettered in ${hit.topic} (${hit.id})${hit.error ? `: ${hit.error}` : ""}. Replay it from the DLQ page, or retry the step.`, {
          subject: hit.topic,
          error: hit.error,
          dlq: hit,
        }),
      );
      continue;
    }
    if (groups.length === 0) {
      out.set(
        saga.id,
        base(
          "no-consumer",
          configured ? `wait on ${configured}, which is not in the latest lag snapshot` : `wait on ${topic}, which no consumer group reads`,
          verdicts.length === 0
            ? `${row.eventType} was published ${ago(row.publishedAt, now)} to ${topic}; there is no lag snapshot to say who reads it.`
            : `${row.eventType} was published ${ago(row.publishedAt, now)} to ${topic}; ${configured ? `group ${configured} is not in the latest lag snapshot` : "no consumer group in the latest lag snapshot reads it"}.`,
          { subject: configured ?? topic },
        ),
      );
      continue;
    }
    const g = groups[0]!;
    out.set(
      saga.id,
      base("awaiting-participant", `wait on ${g.group} (${g.status}) for ${row.eventType}`, `${row.eventType} was published ${ago(row.publishedAt, now)}; ${g.group} is ${g.status} with ${g.totalLag.toLocaleString()} messages behind and has not processed it yet.`, {
        subject: g.group,
        group: g,
      }),
    );
  }
  return out;
}

export interface StuckGroup {
  key: string;
  sagaType: string;
  status: string;
  kind: DiagnosisKind;
  subject: string | null;
  fingerprint: string;
  /** "42 OrderFulfilment sagas wait on payment-processor, which is STOP …" */
  headline: string;
  count: number;
  oldestIdleSeconds: number | null;
  error: string | null;
  sample: string[];
}

/** The group of a stuck saga: type + status + diagnosis (kind and subject) + normalised error. */
export function stuckGroupKey(saga: Pick<SagaRow, "sagaType" | "status">, d: Diagnosis | undefined | null): { key: string; fingerprint: string } {
  const error = d?.error ?? null;
  const normalised = error ? normaliseMessage(error.split("\n")[0] ?? "") : "";
  const fingerprint = createHash("sha1").update(`${d?.kind ?? "unknown"}\u0000${d?.subject ?? ""}\u0000${normalised}`).digest("hex").slice(0, 12);
  return { key: `${saga.sagaType}/${saga.status}/${fingerprint}`, fingerprint };
}

/** Groups diagnosed sagas by type + status + diagnosis + error fingerprint: 500 stuck sagas read as a few problems. */
export function groupStuck(sagas: SagaRow[], diagnoses: Map<string, Diagnosis>): StuckGroup[] {
  const groups = new Map<string, StuckGroup>();
  for (const saga of sagas) {
    const d = diagnoses.get(saga.id);
    const kind = d?.kind ?? "unknown";
    const error = d?.error ?? null;
    const { key, fingerprint } = stuckGroupKey(saga, d);
    const group = groups.get(key) ?? {
      key,
      sagaType: saga.sagaType,
      status: saga.status,
      kind,
      subject: d?.subject ?? null,
      fingerprint,
      headline: "",
      count: 0,
      oldestIdleSeconds: null,
      error,
      sample: [],
    };
    group.count += 1;
    if (saga.idleSeconds !== null) group.oldestIdleSeconds = Math.max(group.oldestIdleSeconds ?? 0, saga.idleSeconds);
    if (group.sample.length < 5) group.sample.push(saga.id);
    group.headline = `${group.count.toLocaleString()} ${saga.sagaType} saga${group.count === 1 ? "" : "s"} (${saga.status.replace("_", " ")}) ${
      group.count === 1 ? singular(d?.phrase ?? "could not be diagnosed") : (d?.phrase ?? "could not be diagnosed")
    }`;
    groups.set(key, group);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || (b.oldestIdleSeconds ?? 0) - (a.oldestIdleSeconds ?? 0));
}

/** "wait on X" → "waits on X" for a group of one (the phrases are written for many). */
export function singular(phrase: string): string {
  return phrase
    .replace(/^wait /, "waits ")
    .replace(/^have their /, "has its ")
    .replace(/^have /, "has ")
    .replace(/^had their /, "had its ")
    .replace(/^got /, "got ")
    .replace(/ their /g, " its ");
}
