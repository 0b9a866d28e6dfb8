import { sql, type SQL } from "drizzle-orm";
import type { LayoutOverrides } from "~/server/sagas/config-schema";
import { columnsFor } from "~/server/outbox/layouts/columns";
import { ident } from "~/server/sagas/sql";
import type { SagaLayout, SagaStatus } from "./types";

/**
 * Eventuate Tram Sagas' `saga_instance` (saga_type, saga_id, state_name, last_request_id, end_state, compensating,
 * failed, saga_data_type, saga_data_json). Read-only: Eventuate has no operator-command table. It records no
 * timestamps, so sagas are "stuck" by age only when `columns: { "saga.updatedAt": ... }` names one the
 * application added; a failure that reached no end state always counts.
 *
 * Status: end_state and not compensating/failed → completed; end_state otherwise → failed (compensated);
 * failed without end_state → compensation_failed; compensating → compensating; else running.
 */
export function eventuateSagas(overrides: LayoutOverrides): SagaLayout {
  const table = overrides.sagas ?? "saga_instance";
  const c = columnsFor(overrides, "saga", {
    id: "saga_id",
    sagaType: "saga_type",
    stateName: "state_name",
    endState: "end_state",
    compensating: "compensating",
    failed: "failed",
    data: "saga_data_json",
    updatedAt: "",
  });
  const col = (name: keyof typeof c) => sql`s.${ident(c[name])}`;
  const end = sql`coalesce(${col("endState")}, false)`;
  const comp = sql`coalesce(${col("compensating")}, false)`;
  const failed = sql`coalesce(${col("failed")}, false)`;
  const predicate: Record<SagaStatus, SQL> = {
    completed: sql`(${end} and not ${comp} and not ${failed})`,
    failed: sql`(${end} and (${comp} or ${failed}))`,
    compensation_failed: sql`(not ${end} and ${failed})`,
    compensating: sql`(not ${end} and not ${failed} and ${comp})`,
    running: sql`(not ${end} and not ${failed} and not ${comp})`,
  };
  const status = sql`case when ${predicate.completed} then 'completed' when ${predicate.failed} then 'failed'
    when ${predicate.compensation_failed} then 'compensation_failed' when ${predicate.compensating} then 'compensating' else 'running' end`;
  return {
    name: "eventuate",
    table,
    columns: {
      id: sql`${col("id")}::text`,
      sagaType: col("sagaType"),
      status,
      rawState: col("stateName"),
      currentStep: col("stateName"),
      attempts: sql`null::int`,
      lastError: sql`null::text`,
      correlationId: sql`${col("id")}::text`,
      startedAt: sql`null::timestamptz`,
      updatedAt: c.updatedAt ? col("updatedAt") : null,
      version: sql`null::int`,
      context: sql`(case when ${col("data")} ~ '^\\s*[\\{\\[]' then ${col("data")}::jsonb end)`,
      nextAttemptAt: null,
    },
    statusIn: (statuses) => (statuses.length === 0 ? sql`false` : sql`(${sql.join(statuses.map((s) => predicate[s]), sql` or `)})`),
    correlationIs: (value) => sql`${col("id")} = ${value}`,
    idIs: (id) => sql`${col("id")} = ${id}`,
    steps: null,
    commands: null,
    commandAppliesTo: { retry: [], compensate: [], resolve: [] },
    outboxAggregates: (saga) => [saga.id],
    expectedIndexes: [],
  };
}
