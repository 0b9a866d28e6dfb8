import { z } from "zod";

// Per application database: how Redrive reads its saga and outbox tables (imported by server/config/schema.ts).

/** Where the tables and columns live: the demo's layout is the default; Debezium and Eventuate Tram are read-only. */
export const applicationLayouts = ["redrive-demo", "debezium", "eventuate"] as const;
export type ApplicationLayout = (typeof applicationLayouts)[number];

const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, "expected a plain SQL identifier");

/**
 * Table and column names that differ from the layout's defaults, e.g. `{ outbox: "outbox_v2" }` or
 * `{ columns: { "saga.nextAttemptAt": "retry_at" } }`. Column keys are `<table role>.<field>`.
 */
export const layoutOverrides = z
  .object({
    outbox: identifier.optional(),
    sagas: identifier.optional(),
    steps: identifier.optional(),
    commands: identifier.optional(),
    processed: identifier.optional(),
    columns: z.record(z.string().regex(/^[a-z]+\.[A-Za-z]+$/, "expected <table>.<field>"), identifier).default({}),
  })
  .strict()
  .prefault({});

export const sagaSettings = z
  .object({
    /** A saga that is neither finished nor moved (updated_at) for this long is stuck. */
    stuckAfterSeconds: z.number().int().min(1).max(30 * 86_400).default(300),
    /** Per saga type, a different SLA in seconds. */
    perType: z.record(z.string().min(1), z.number().int().min(1).max(30 * 86_400)).default({}),
    /** Step name or topic -> the consumer group of the participant that handles it (default: the groups that consume the topic). */
    participants: z.record(z.string().min(1), z.string().min(1)).default({}),
    /** Prefix of the topics the outbox relay publishes to (`<prefix><aggregate_type>.<event_type>`). */
    topicPrefix: z.string().default(""),
    /** Prefix of the consumer group ids (the idempotency table names consumers without it). */
    groupPrefix: z.string().default(""),
    /** The Kafka connection the participants consume from (default: every configured one). */
    kafkaConnection: z.string().optional(),
  })
  .strict()
  .prefault({});

export const outboxSettings = z
  .object({
    /** The relay is stalled when rows wait and nothing was published for this long. */
    stallAfterSeconds: z.number().int().min(5).max(86_400).default(60),
  })
  .strict()
  .prefault({});

export type SagaSettings = z.infer<typeof sagaSettings>;
export type OutboxSettings = z.infer<typeof outboxSettings>;
export type LayoutOverrides = z.infer<typeof layoutOverrides>;
