import { sql } from "drizzle-orm";
import {
  bigserial,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

// Tables of the demo order-fulfilment application (the "user's application" Redrive inspects).

const tsz = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

export const orders = pgTable("orders", {
  id: uuid("id").primaryKey().defaultRandom(),
  customerId: text("customer_id").notNull(),
  sku: text("sku").notNull(),
  quantity: integer("quantity").notNull(),
  amountCents: integer("amount_cents").notNull(),
  status: text("status").notNull().default("placed"),
  createdAt: tsz("created_at").notNull().defaultNow(),
});

/** Transactional outbox. `seq` breaks ties between rows written in one transaction. */
export const outboxEvents = pgTable(
  "outbox_events",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    seq: bigserial("seq", { mode: "number" }).notNull(),
    aggregateType: text("aggregate_type").notNull(),
    aggregateId: text("aggregate_id").notNull(),
    eventType: text("event_type").notNull(),
    payload: jsonb("payload").notNull(),
    headers: jsonb("headers").$type<Record<string, string>>().notNull().default({}),
    createdAt: tsz("created_at").notNull().default(sql`clock_timestamp()`),
    publishedAt: tsz("published_at"),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
  },
  (t) => [index("outbox_events_unpublished_idx").on(t.seq).where(sql`${t.publishedAt} is null`)],
);

export const processedEvents = pgTable(
  "processed_events",
  {
    eventId: text("event_id").notNull(),
    consumer: text("consumer").notNull(),
    eventType: text("event_type").notNull(),
    processedAt: tsz("processed_at").notNull().defaultNow(),
  },
  (t) => [uniqueIndex("processed_events_event_consumer_key").on(t.eventId, t.consumer)],
);

export const sagaStatuses = ["running", "compensating", "completed", "failed", "compensation_failed"] as const;
export type SagaStatus = (typeof sagaStatuses)[number];

export const sagaInstances = pgTable(
  "saga_instances",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    sagaType: text("saga_type").notNull(),
    status: text("status", { enum: sagaStatuses }).notNull(),
    currentStep: text("current_step"),
    context: jsonb("context").$type<Record<string, unknown>>().notNull().default({}),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    correlationId: text("correlation_id").notNull(),
    startedAt: tsz("started_at").notNull().defaultNow(),
    updatedAt: tsz("updated_at").notNull().defaultNow(),
    version: integer("version").notNull().default(0),
  },
  (t) => [index("saga_instances_status_idx").on(t.status, t.updatedAt)],
);

export const sagaSteps = pgTable(
  "saga_steps",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    sagaId: uuid("saga_id")
      .notNull()
      .references(() => sagaInstances.id, { onDelete: "cascade" }),
    step: text("step").notNull(),
    action: text("action", { enum: ["execute", "compensate"] }).notNull(),
    status: text("status", { enum: ["running", "completed", "failed"] }).notNull(),
    attempt: integer("attempt").notNull().default(1),
    error: text("error"),
    startedAt: tsz("started_at").notNull().default(sql`clock_timestamp()`),
    finishedAt: tsz("finished_at"),
  },
  (t) => [index("saga_steps_saga_idx").on(t.sagaId, t.id)],
);

export const sagaCommandKinds = ["retry", "compensate", "resolve"] as const;

export const sagaCommands = pgTable(
  "saga_commands",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    sagaId: uuid("saga_id").notNull(),
    command: text("command", { enum: sagaCommandKinds }).notNull(),
    requestedBy: text("requested_by").notNull(),
    reason: text("reason"),
    requestedAt: tsz("requested_at").notNull().defaultNow(),
    handledAt: tsz("handled_at"),
    outcome: text("outcome"),
  },
  (t) => [index("saga_commands_pending_idx").on(t.requestedAt).where(sql`${t.handledAt} is null`)],
);

export const payments = pgTable("payments", {
  id: uuid("id").primaryKey().defaultRandom(),
  orderId: uuid("order_id").notNull().unique(),
  amountCents: integer("amount_cents").notNull(),
  status: text("status", { enum: ["authorized", "declined", "refunded"] }).notNull(),
  updatedAt: tsz("updated_at").notNull().defaultNow(),
});

/** ledger-service's record of authorized payments (from the Avro payment.PaymentAuthorized events). */
export const ledgerEntries = pgTable("ledger_entries", {
  id: uuid("id").primaryKey().defaultRandom(),
  orderId: uuid("order_id").notNull().unique(),
  customerId: text("customer_id").notNull(),
  amountCents: integer("amount_cents").notNull(),
  currency: text("currency").notNull(),
  authorizedAt: tsz("authorized_at"),
  recordedAt: tsz("recorded_at").notNull().defaultNow(),
});

export const inventoryReservations = pgTable("inventory_reservations", {
  id: uuid("id").primaryKey().defaultRandom(),
  orderId: uuid("order_id").notNull().unique(),
  sku: text("sku").notNull(),
  quantity: integer("quantity").notNull(),
  status: text("status", { enum: ["reserved", "released"] }).notNull(),
  updatedAt: tsz("updated_at").notNull().defaultNow(),
});

export const shipments = pgTable("shipments", {
  id: uuid("id").primaryKey().defaultRandom(),
  orderId: uuid("order_id").notNull().unique(),
  carrier: text("carrier").notNull(),
  status: text("status").notNull().default("scheduled"),
  createdAt: tsz("created_at").notNull().defaultNow(),
});

/** SQS records no failure reason; the notification-sender records it here, keyed by MessageId. */
export const sqsFailures = pgTable(
  "sqs_failures",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    messageId: text("message_id").notNull(),
    queue: text("queue").notNull(),
    reason: text("reason").notNull(),
    receiveCount: integer("receive_count").notNull(),
    at: tsz("at").notNull().defaultNow(),
  },
  (t) => [index("sqs_failures_message_idx").on(t.messageId)],
);
