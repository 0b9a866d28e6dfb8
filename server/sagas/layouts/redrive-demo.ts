import { sql } from "drizzle-orm";
import type { LayoutOverrides } from "~/server/sagas/config-schema";
import { columnsFor } from "~/server/outbox/layouts/columns";
import { ident, textArray } from "~/server/sagas/sql";
import type { SagaLayout } from "./types";

/** The demo's saga_instances / saga_steps / saga_commands (demo/db/schema.ts). */
export function redriveDemoSagas(overrides: LayoutOverrides): SagaLayout {
  const table = overrides.sagas ?? "saga_instances";
  const stepsTable = overrides.steps ?? "saga_steps";
  const commandsTable = overrides.commands ?? "saga_commands";
  const outboxTable = overrides.outbox ?? "outbox_events";
  const c = columnsFor(overrides, "saga", {
    id: "id",
    sagaType: "saga_type",
    status: "status",
    currentStep: "current_step",
    attempts: "attempts",
    lastError: "last_error",
    correlationId: "correlation_id",
    startedAt: "started_at",
    updatedAt: "updated_at",
    version: "version",
    context: "context",
    nextAttemptAt: "",
  });
  const col = (name: keyof typeof c) => sql`s.${ident(c[name])}`;
  const steps = columnsFor(overrides, "step", {
    id: "id",
    sagaId: "saga_id",
    step: "step",
    action: "action",
    status: "status",
    attempt: "attempt",
    error: "error",
    startedAt: "started_at",
    finishedAt: "finished_at",
  });
  const commands = columnsFor(overrides, "command", {
    id: "id",
    sagaId: "saga_id",
    command: "command",
    requestedBy: "requested_by",
    reason: "reason",
    requestedAt: "requested_at",
    handledAt: "handled_at",
    outcome: "outcome",
  });
  return {
    name: "redrive-demo",
    table,
    columns: {
      id: sql`${col("id")}::text`,
      sagaType: col("sagaType"),
      status: col("status"),
      rawState: col("status"),
      currentStep: col("currentStep"),
      attempts: col("attempts"),
      lastError: col("lastError"),
      correlationId: col("correlationId"),
      startedAt: col("startedAt"),
      updatedAt: col("updatedAt"),
      version: col("version"),
      context: col("context"),
      nextAttemptAt: c.nextAttemptAt ? col("nextAttemptAt") : null,
    },
    statusIn: (statuses) => sql`${col("status")} = any(${textArray([...statuses])})`,
    correlationIs: (value) => sql`${col("correlationId")} = ${value}`,
    idIs: (id) => sql`${col("id")} = ${id}::uuid`,
    steps: { table: stepsTable, sagaId: steps.sagaId, columns: steps },
    commands: { table: commandsTable, columns: commands },
    commandAppliesTo: {
      retry: ["failed", "running", "compensation_failed", "compensating"],
      compensate: ["running"],
      resolve: ["running", "compensating", "failed", "compensation_failed"],
    },
    outboxAggregates: (saga) => [saga.correlationId, saga.id],
    expectedIndexes: [
      { table, columns: [c.status, c.updatedAt], required: true, why: "Stuck view and status counts: a range over not-finished sagas by last progress" },
      { table, columns: [c.correlationId], required: false, why: "Search by correlation id" },
      { table: stepsTable, columns: [steps.sagaId, steps.id], required: true, why: "Saga detail: the step timeline" },
      { table: commandsTable, columns: [commands.sagaId], required: false, why: "Saga detail: operator command history, pending-command check" },
      { table: outboxTable, columns: ["aggregate_id"], required: false, why: "Saga detail and diagnosis: a saga's outbox rows (commands and replies)" },
      { table: outboxTable, columns: ["seq"], where: "published_at is null", required: true, why: "Outbox backlog: unpublished rows" },
      { table: outboxTable, columns: ["published_at"], required: false, why: "Outbox publish rate and relay-stall detection" },
    ],
  };
}
