import { DEFAULT_JOB_OPTIONS } from "~/server/replay/jobs/default-options";
import { targetNoun } from "../dlq/format";
import type { DlqRef } from "../dlq/types";
import type { ReplayJobOptions } from "./types";

/** A whole number from a form field: null when blank, NaN when not a whole number >= min. */
export function wholeNumber(text: string, min: number): number | null {
  if (text.trim() === "") return null;
  const n = Number(text);
  return Number.isInteger(n) && n >= min ? n : Number.NaN;
}

export type BulkAction = "replay" | "discard";

/** The bulk dialog's fields as typed (numbers stay text until checked). */
export interface BulkForm {
  action: BulkAction;
  destination: "origin" | "custom";
  target: string;
  rate: string;
  batchSize: string;
  canarySize: string;
  canaryWait: string;
  maxFailPercent: string;
  keepErrorHeaders: boolean;
  includeResolved: boolean;
  overrideLoopGuard: boolean;
  reason: string;
}

/** The server's defaults, shown so the operator sees what the job will do. */
export function initialBulkForm(action: BulkAction): BulkForm {
  return {
    action,
    destination: "origin",
    target: "",
    rate: "",
    batchSize: String(DEFAULT_JOB_OPTIONS.batchSize),
    canarySize: String(DEFAULT_JOB_OPTIONS.canarySize),
    canaryWait: String(DEFAULT_JOB_OPTIONS.canaryWaitSeconds),
    maxFailPercent: String(DEFAULT_JOB_OPTIONS.maxFailShare * 100),
    keepErrorHeaders: false,
    includeResolved: false,
    overrideLoopGuard: false,
    reason: "",
  };
}

export interface CheckedBulkForm {
  /** What the operator must fix before a dry run, in words; empty when the form is good. */
  problems: string[];
  rateValue: number | null;
  canaryValue: number | null;
  /** The job options the dry run sends. A discard sends nothing: no canary, no loop guard, no headers. */
  options: Partial<ReplayJobOptions>;
  /** The chosen destination, or undefined for each message's origin (and for a discard). */
  target: string | undefined;
  reason: string | undefined;
}

export function checkBulkForm(form: BulkForm, kind: DlqRef["kind"]): CheckedBulkForm {
  const rateValue = wholeNumber(form.rate, 1);
  const batchValue = wholeNumber(form.batchSize, 1);
  const canaryValue = wholeNumber(form.canarySize, 0);
  const waitValue = wholeNumber(form.canaryWait, 0);
  const failPercent = form.maxFailPercent.trim() === "" ? Number.NaN : Number(form.maxFailPercent);
  const customTarget = form.target.trim();
  const replay = form.action === "replay";
  const problems: string[] = [];
  if (Number.isNaN(rateValue)) problems.push("The rate limit is a whole number of messages per second (or blank for unlimited).");
  if (batchValue === null || Number.isNaN(batchValue)) problems.push("The batch size is a whole number, at least 1.");
  if (replay) {
    if (canaryValue === null || Number.isNaN(canaryValue)) problems.push("The canary size is a whole number (0 turns the canary off).");
    if (waitValue === null || Number.isNaN(waitValue)) problems.push("The canary wait is a whole number of seconds.");
    if (!(failPercent >= 0 && failPercent <= 100)) problems.push("The canary's maximum fail share is a percentage from 0 to 100.");
  }
  if (replay && form.destination === "custom" && !customTarget) problems.push(`Type the destination ${targetNoun(kind)}.`);
  if (form.action === "discard" && !form.reason.trim()) problems.push("A discard needs a reason.");

  const options: Partial<ReplayJobOptions> = replay
    ? {
        ratePerSecond: rateValue,
        batchSize: batchValue ?? undefined,
        canarySize: canaryValue ?? undefined,
        canaryWaitSeconds: waitValue ?? undefined,
        maxFailShare: failPercent / 100,
        keepErrorHeaders: form.keepErrorHeaders,
        includeResolved: form.includeResolved,
        overrideLoopGuard: form.overrideLoopGuard,
      }
    : { ratePerSecond: rateValue, batchSize: batchValue ?? undefined, includeResolved: form.includeResolved };
  return {
    problems,
    rateValue,
    canaryValue,
    options,
    target: replay && form.destination === "custom" ? customTarget : undefined,
    reason: form.reason.trim() || undefined,
  };
}
