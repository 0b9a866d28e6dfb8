"use client";

import { useState } from "react";
import type { DlqRef } from "../dlq/types";
import { useCapabilities } from "../connections/use-capabilities";
import { brokerLabel } from "../dlq/format";
import { ErrorBox } from "../ui";
import { AudienceText } from "./audience";
import { wholeNumber } from "./bulk-form";
import { DryRunSummary, NumberField } from "./parts";
import type { ReplayJob } from "./types";

/** The dry run's result and the confirmation that names every target, with the button that starts the job. */
export function DryRunConfirm({
  draft,
  dlq,
  action,
  rateValue,
  canaryValue,
  disabled,
  starting,
  startError,
  effects,
  onStart,
  onCancel,
}: {
  draft: ReplayJob;
  dlq: DlqRef;
  action: "replay" | "discard";
  rateValue: number | null;
  canaryValue: number | null;
  disabled: boolean;
  starting: boolean;
  startError: string | null;
  /** What the job changes on the DLQ besides the messages it replays (RabbitMQ), or null. */
  effects?: string | null;
  onStart: () => void;
  onCancel: () => void;
}) {
  const caps = useCapabilities(dlq.kind, dlq.connection);
  const verb = action === "discard" ? "discard" : "replay";
  const targets: [string, number][] = draft.target ? [[draft.target, draft.total]] : (draft.dryRun?.byTarget ?? []).map((t) => [t.target, t.count]);
  return (
    <section aria-label="Dry run" className="space-y-3 border-t border-slate-200 pt-4">
      {draft.dryRun ? (
        <DryRunSummary dryRun={draft.dryRun} total={draft.total} action={draft.action} kind={draft.kind} />
      ) : (
        <p className="text-sm">
          <span data-testid="dry-run-count">{draft.total}</span> messages to {verb}
        </p>
      )}
      <div className={`space-y-2 rounded border p-3 text-sm ${action === "discard" ? "border-red-200 bg-red-50" : "border-amber-200 bg-amber-50"}`} role="group" aria-label="Confirm">
        {draft.total === 0 ? (
          <p>Nothing to {verb}.</p>
        ) : action === "discard" ? (
          <p>
            Discard <span className="font-semibold">{draft.total.toLocaleString()}</span> message{draft.total === 1 ? "" : "s"}? No copy is sent; the ledger marks
            them discarded with your reason.{" "}
            {dlq.kind === "sqs"
              ? "They are deleted from the queue (their bodies and attributes are kept in the ledger)."
              : "The records stay in the topic."}
          </p>
        ) : (
          <div>
            <p>
              Replay <span className="font-semibold">{draft.total.toLocaleString()}</span> message{draft.total === 1 ? "" : "s"} to:
            </p>
            <ul className="mt-1 list-disc pl-5" data-testid="confirm-targets">
              {targets.map(([name, count]) => {
                const audience = draft.dryRun?.audiences?.find((a) => a.target === name);
                return (
                  <li key={name}>
                    <span className="break-all font-mono font-medium">{name}</span>{" "}
                    <span className="text-slate-600">
                      ({count.toLocaleString()} message{count === 1 ? "" : "s"})
                    </span>
                    {audience ? (
                      <div className="text-xs text-slate-700">
                        <AudienceText audience={audience} />
                      </div>
                    ) : null}
                  </li>
                );
              })}
            </ul>
            <p className="mt-1 text-xs text-slate-600">
              {rateValue ? `At most ${rateValue.toLocaleString()} msg/s` : "As fast as the broker allows"}
              {canaryValue ? `, canary of ${canaryValue.toLocaleString()} first` : ", no canary"}.{" "}
              {caps?.includes("log-with-offsets")
                ? "The DLQ records stay; the ledger records every copy."
                : `Each original is removed from the DLQ only after ${brokerLabel(dlq.kind)} acknowledged its copy.`}
            </p>
            {effects ? (
              <p className="mt-1 text-xs text-slate-700" data-testid="confirm-effects">
                {effects}
              </p>
            ) : null}
          </div>
        )}
        <div className="flex items-center gap-2">
          <button
            type="button"
            disabled={draft.total === 0 || disabled}
            onClick={onStart}
            className={`rounded px-3 py-1 text-white disabled:opacity-50 ${action === "discard" ? "bg-red-700 hover:bg-red-600" : "bg-amber-600 hover:bg-amber-500"}`}
          >
            {starting ? "Starting…" : `Start ${verb} of ${draft.total.toLocaleString()} message${draft.total === 1 ? "" : "s"}`}
          </button>
          <button type="button" onClick={onCancel} className="rounded border border-slate-300 bg-white px-2 py-1 hover:bg-slate-50">
            Cancel
          </button>
        </div>
      </div>
      {startError ? <ErrorBox title="Could not start the job" message={startError} /> : null}
    </section>
  
  );
}

/** What the broker's own move can do here, as moveAllPlan answers it. */
export interface MovePlan {
  method: string;
  destination: string;
  depth: number;
  maxRatePerSecond: number | null;
  description: string;
}

/** The broker's own move (SQS StartMessageMoveTask, a RabbitMQ shovel): the unfiltered fast path for a whole queue, behind its own confirmation. */
export function MoveTaskSection({
  dlq,
  plan,
  disabled,
  moving,
  moveError,
  onOpen,
  onMove,
}: {
  dlq: DlqRef;
  plan: MovePlan;
  disabled: boolean;
  moving: boolean;
  moveError: string | null;
  onOpen: () => void;
  onMove: (ratePerSecond: number | null) => void;
}) {
  const [confirmMove, setConfirmMove] = useState(false);
  const [moveRate, setMoveRate] = useState("");
  const maxRate = plan.maxRatePerSecond;
  const moveRateValue = maxRate === null ? null : wholeNumber(moveRate, 1);
  const moveRateInvalid = maxRate !== null && moveRateValue !== null && (Number.isNaN(moveRateValue) || moveRateValue > maxRate);
  const broker = brokerLabel(dlq.kind);
  return (
    <section aria-label="Native move" className="space-y-2 border-t border-slate-200 pt-4 text-sm" data-testid="move-task-section">
      <h3 className="font-semibold text-slate-700">Or: {plan.method}</h3>
      <p className="text-xs text-slate-600" data-testid="move-task-description">
        {plan.description}
      </p>
      {maxRate !== null ? (
        <NumberField label={`Max msg/s (blank = ${broker} decides, up to ${maxRate})`} value={moveRate} onChange={setMoveRate} placeholder={`${broker} decides`} min={1} max={maxRate} />
      ) : null}
      {moveRateInvalid ? <p className="text-xs text-amber-800">The move&apos;s rate is a whole number from 1 to {maxRate}.</p> : null}
      {confirmMove ? (
        <div className="flex flex-wrap items-center gap-2" role="group" aria-label="Confirm move task">
          <span>
            Move every message of <span className="font-mono font-medium">{dlq.dlq}</span> (about {plan.depth.toLocaleString()}) to{" "}
            <span className="font-mono font-medium">{plan.destination}</span>?
          </span>
          <button
            type="button"
            disabled={disabled || moveRateInvalid}
            onClick={() => onMove(moveRateValue)}
            className="rounded bg-amber-600 px-3 py-1 text-white hover:bg-amber-500 disabled:opacity-50"
          >
            {moving ? "Starting…" : "Confirm move"}
          </button>
          <button type="button" onClick={() => setConfirmMove(false)} className="rounded border border-slate-300 px-2 py-1 hover:bg-slate-50">
            Back
          </button>
        </div>
      ) : (
        <button
          type="button"
          disabled={disabled}
          onClick={() => {
            onOpen();
            setConfirmMove(true);
          }}
          className="rounded border border-slate-300 px-3 py-1 hover:bg-slate-50 disabled:opacity-50"
        >
          Move all back with {plan.method}
        </button>
      )}
      {moveError ? <ErrorBox title="Could not start the move" message={moveError} /> : null}
    </section>
  
  );
}
