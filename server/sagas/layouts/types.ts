import type { SQL } from "drizzle-orm";

/** Saga statuses as Redrive shows them, whatever the layout stores. */
export const sagaStatuses = ["running", "compensating", "completed", "failed", "compensation_failed"] as const;
export type SagaStatus = (typeof sagaStatuses)[number];
export const terminalStatuses: readonly SagaStatus[] = ["completed", "failed"];

export const sagaCommandKinds = ["retry", "compensate", "resolve"] as const;
export type SagaCommandKind = (typeof sagaCommandKinds)[number];

/**
 * How one layout stores sagas, as SQL expressions over its instance table (aliased `s`). Queries are built
 * from these in server/sagas/queries.ts, so every layout gets the same filters and the same stuck rule.
 */
export interface SagaLayout {
  name: string;
  /** The instance table. */
  table: string;
  columns: {
    id: SQL;
    sagaType: SQL;
    /** One of sagaStatuses. */
    status: SQL;
    /** The state as stored, for display (e.g. Eventuate's state_name). */
    rawState: SQL;
    currentStep: SQL;
    attempts: SQL;
    lastError: SQL;
    correlationId: SQL;
    startedAt: SQL;
    /** Last progress; null where the layout records none (then nothing is "stuck" by age). */
    updatedAt: SQL | null;
    version: SQL;
    context: SQL;
    /** When a retry backoff ends (only where the application records one). */
    nextAttemptAt: SQL | null;
  };
  /** Index-friendly predicate for the given statuses (e.g. `status = any(...)` on the raw column). */
  statusIn(statuses: readonly SagaStatus[]): SQL;
  /** Lookup by correlation id (index-friendly). */
  correlationIs(value: string): SQL;
  idIs(id: string): SQL;
  steps: null | {
    table: string;
    sagaId: string;
    columns: { id: string; step: string; action: string; status: string; attempt: string; error: string; startedAt: string; finishedAt: string };
  };
  commands: null | {
    table: string;
    columns: { id: string; sagaId: string; command: string; requestedBy: string; reason: string; requestedAt: string; handledAt: string; outcome: string };
  };
  /** Statuses each operator command applies to (the orchestrator's contract); empty where commands are not supported. */
  commandAppliesTo: Record<SagaCommandKind, readonly SagaStatus[]>;
  /** The outbox aggregates a saga's messages are keyed by (the demo: commands by correlation id, replies by saga id). */
  outboxAggregates(saga: { id: string; correlationId: string }): string[];
  /** Indexes the queries rely on: table, leading columns, why. */
  expectedIndexes: ExpectedIndex[];
}

export interface ExpectedIndex {
  table: string;
  columns: string[];
  /** A partial index's predicate, as documentation (not checked). */
  where?: string;
  required: boolean;
  why: string;
}
