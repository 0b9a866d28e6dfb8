import { sql } from "drizzle-orm";
import type { AppDatabase } from "./context";
import { sagaCommandKinds, type SagaCommandKind } from "./layouts/types";
import { commandById, getSaga, type CommandRow } from "./queries";
import { dateOrNull, ident, rows } from "./sql";
import { DomainError, type DomainErrorReason } from "~/server/lib/errors";

export { sagaCommandKinds, type SagaCommandKind };

export type SagaCommandErrorCode = "NOT_SUPPORTED" | "NOT_WRITABLE" | "NOT_FOUND" | "VERSION_CONFLICT" | "NOT_APPLICABLE" | "ALREADY_PENDING";

const refusals: Record<SagaCommandErrorCode, DomainErrorReason> = {
  NOT_SUPPORTED: "precondition",
  NOT_WRITABLE: "precondition",
  NOT_FOUND: "not-found",
  VERSION_CONFLICT: "precondition",
  NOT_APPLICABLE: "invalid",
  ALREADY_PENDING: "conflict",
};

/** Why a command was refused before it reached the orchestrator; `code` says which refusal it is. */
export class SagaCommandError extends DomainError {
  get refusal(): DomainErrorReason {
    return refusals[this.code];
  }
  override name = "SagaCommandError";
  constructor(
    readonly code: SagaCommandErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface IssueSagaCommandInput {
  sagaId: string;
  command: SagaCommandKind;
  /** The saga version the operator saw; a saga that moved on since is refused. */
  expectedVersion: number;
  reason: string;
  requestedBy: string;
}

export interface IssuedCommand {
  commandId: string;
  sagaId: string;
  command: SagaCommandKind;
  requestedAt: Date | null;
}

/**
 * Inserts one operator command into the application's saga_commands table, for its orchestrator to apply
 * (it sets handled_at and outcome). Refused unless the database is writable, the layout has a command table,
 * the command applies to the saga's status, no command of the saga is pending, and the saga is still at the
 * expected version — checked in the INSERT itself (`insert ... select ... where version = $n`), so a saga that
 * moves between the check and the insert cannot slip through. Used by the single actions and the bulk job.
 */
export async function issueSagaCommand(app: AppDatabase, input: IssueSagaCommandInput): Promise<IssuedCommand> {
  const layout = app.sagas;
  if (!layout?.commands) {
    throw new SagaCommandError("NOT_SUPPORTED", `The ${app.config.layout} layout of database "${app.name}" has no operator-command table: Redrive can only read its sagas.`);
  }
  if (!app.writable) {
    throw new SagaCommandError("NOT_WRITABLE", `Database "${app.name}" is read-only for Redrive: set writable: true in its config to issue saga commands.`);
  }
  const reason = input.reason.trim();
  if (reason.length < 3) throw new SagaCommandError("NOT_APPLICABLE", "Give a reason (at least 3 characters): it is recorded with the command.");
  const saga = await getSaga(app.db, layout, input.sagaId);
  if (!saga) throw new SagaCommandError("NOT_FOUND", `No saga ${input.sagaId} in database "${app.name}".`);
  const movedOn = (version: number | null, status: string, updatedAt: Date | null) =>
    new SagaCommandError(
      "VERSION_CONFLICT",
      `Saga ${input.sagaId} moved on: it is at version ${version ?? "?"} (${status}${updatedAt ? `, updated ${updatedAt.toISOString()}` : ""}), you saw version ${input.expectedVersion}. Reload it and decide again.`,
    );
  if (saga.version !== input.expectedVersion) throw movedOn(saga.version, saga.status, saga.updatedAt);
  const appliesTo = layout.commandAppliesTo[input.command];
  if (!appliesTo.includes(saga.status)) {
    throw new SagaCommandError("NOT_APPLICABLE", `${input.command} does not apply to a saga that is ${saga.status.replace("_", " ")} (it applies to: ${appliesTo.join(", ")}).`);
  }
  const c = layout.commands.columns;
  const s = layout.columns;
  const inserted = await rows<{ id: string; requested_at: Date | null; pending_id: string | null; pending_by: string | null; pending_command: string | null }>(
    app.db,
    sql`with pending as (
          select ${ident(c.id)}::text as id, ${ident(c.requestedBy)} as by, ${ident(c.command)} as command
            from ${ident(layout.commands.table)} where ${ident(c.sagaId)} = ${input.sagaId}::uuid and ${ident(c.handledAt)} is null limit 1),
        ins as (
          insert into ${ident(layout.commands.table)} (${ident(c.sagaId)}, ${ident(c.command)}, ${ident(c.requestedBy)}, ${ident(c.reason)})
          select ${input.sagaId}::uuid, ${input.command}, ${input.requestedBy}, ${reason}
            from ${ident(layout.table)} s
           where ${layout.idIs(input.sagaId)} and ${s.version} = ${input.expectedVersion} and not exists (select 1 from pending)
          returning ${ident(c.id)}::text as id, ${ident(c.requestedAt)} as requested_at)
        select ins.id, ins.requested_at, null::text as pending_id, null::text as pending_by, null::text as pending_command from ins
        union all
        select null, null, pending.id, pending.by, pending.command from pending`,
  );
  const done = inserted.find((r) => r.id);
  if (done) return { commandId: done.id, sagaId: input.sagaId, command: input.command, requestedAt: dateOrNull(done.requested_at) };
  const pending = inserted.find((r) => r.pending_id);
  if (pending) {
    throw new SagaCommandError("ALREADY_PENDING", `A ${pending.pending_command} requested by ${pending.pending_by} is still waiting for the orchestrator (command ${pending.pending_id}).`);
  }
  const now = await getSaga(app.db, layout, input.sagaId);
  throw movedOn(now?.version ?? null, now?.status ?? "gone", now?.updatedAt ?? null);
}

/** The command row as the orchestrator left it: pending until handled_at is set, then its outcome. */
export function sagaCommandStatus(app: AppDatabase, commandId: string): Promise<CommandRow | null> {
  if (!app.sagas) return Promise.resolve(null);
  return commandById(app.db, app.sagas, commandId);
}
