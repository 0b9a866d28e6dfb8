import { z } from "zod";

// The alerting subsystem's ground floor: rule shape, signals, states. Imports nothing internal.

export const signalIds = [
  "consumer_status",
  "consumer_lag",
  "consumer_lag_seconds",
  "consumer_lag_growth",
  "dlq_depth",
  "dlq_growth",
  "dlq_oldest_age",
  "outbox_oldest_age",
  "outbox_relay_stall",
  "sagas_stuck",
  "sagas_compensation_failed",
  "replay_job_state",
  "connection_unreachable",
  "samples_stale",
] as const;
export type SignalId = (typeof signalIds)[number];

export const severities = ["critical", "warning", "info"] as const;
export type Severity = (typeof severities)[number];

export const alertStates = ["normal", "pending", "firing", "resolved"] as const;
export type AlertState = (typeof alertStates)[number];

export const numericOps = ["gt", "gte", "lt", "lte", "eq", "neq"] as const;
export const opSymbols: Record<(typeof numericOps)[number], string> = { gt: ">", gte: ">=", lt: "<", lte: "<=", eq: "==", neq: "!=" };

/** A numeric comparison, or membership of a status value in a list. */
export const conditionSchema = z.discriminatedUnion("op", [
  z.object({ op: z.enum(numericOps), threshold: z.number() }).strict(),
  z.object({ op: z.enum(["in", "notIn"]), values: z.array(z.string().min(1)).min(1).max(20) }).strict(),
]);
export type Condition = z.infer<typeof conditionSchema>;

const glob = z.string().min(1).max(200);

/**
 * Which objects a rule watches: connections (or application databases) and object names (groups, DLQs,
 * saga types, ...), each a list of `*` patterns. Empty lists match everything. One instance per object.
 */
export const scopeSchema = z
  .object({
    connections: z.array(glob).max(50).default([]),
    names: z.array(glob).max(200).default([]),
    exclude: z.array(glob).max(200).default([]),
  })
  .strict();
export type Scope = z.infer<typeof scopeSchema>;

/** Set from the rule's name and severity on every instance, so a rule cannot set them as labels. */
export const reservedLabels = ["alertname", "severity"] as const;
export const labelValueSchema = z.string().max(200);
export const maxLabels = 20;
export const labelKeySchema = z
  .string()
  .max(100)
  .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, "letters, digits and _, not starting with a digit")
  .refine((key) => !(reservedLabels as readonly string[]).includes(key), "alertname and severity come from the rule's name and severity");

export const ruleSpecSchema = z
  .object({
    name: z.string().min(1).max(120),
    enabled: z.boolean().default(true),
    signal: z.enum(signalIds),
    scope: scopeSchema.prefault({}),
    condition: conditionSchema,
    /** Growth signals: the window the change is measured over. */
    windowSeconds: z.number().int().min(30).max(7 * 86_400).optional(),
    forSeconds: z.number().int().min(0).max(7 * 86_400).default(0),
    keepFiringForSeconds: z.number().int().min(0).max(7 * 86_400).default(0),
    severity: z.enum(severities).default("warning"),
    /** Extra labels for routing and silences (team, service, ...); the object's own labels take precedence. */
    labels: z
      .record(labelKeySchema, labelValueSchema)
      .refine((labels) => Object.keys(labels).length <= maxLabels, "at most 20 labels")
      .default({}),
    summary: z.string().max(500).default("{{rule}}: {{name}} is {{value}}"),
    runbookUrl: z.url().max(500).nullable().default(null),
    channels: z.array(z.string().min(1).max(100)).max(20).default([]),
  })
  .strict();
export type RuleSpec = z.infer<typeof ruleSpecSchema>;
export type RuleSpecInput = z.input<typeof ruleSpecSchema>;

export interface Rule extends RuleSpec {
  id: string;
  source: "ui" | "file" | "default";
}

export type SignalValue = number | string | null;

export interface Point {
  at: number; // ms since epoch
  value: SignalValue;
}

/** One object's series of a signal: a consumer group, a DLQ, a database, a saga type, ... */
export interface Series {
  /** Unique per signal: "kafka/local/orders-consumer". */
  key: string;
  /** The connection or application database the object belongs to. */
  connection: string;
  /** The object's own name (group id, DLQ, saga type, job id; the connection itself for connection signals). */
  name: string;
  labels: Record<string, string>;
  /** Where the object is shown in Redrive (a path under the public URL). */
  path: string;
  points: Point[];
}
