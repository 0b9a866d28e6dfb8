import { DomainError } from "~/server/lib/errors";
/** A replay (or edit, discard, bulk job) refused for a reason the operator can act on; shown as a 4xx. */
export class ReplayRefused extends DomainError {
  readonly refusal = "precondition";
  constructor(message: string) {
    super(message);
    this.name = "ReplayRefused";
  }
}

/** Records of aborted transactions were never part of the log consumers saw: they are shown, never replayed. */
export function refuseAborted(message: { aborted?: boolean }): void {
  if (message.aborted) throw new ReplayRefused("This record belongs to an aborted transaction: consumers never saw it, so it is not replayed.");
}

/** An edit refused for what the operator typed (not valid JSON, does not fit the chosen schema): shown as a 400. */
export class EditInvalid extends DomainError {
  readonly refusal = "invalid";
  constructor(message: string) {
    super(message);
    this.name = "EditInvalid";
  }
}
