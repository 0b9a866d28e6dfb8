"use client";

import { allows } from "~/server/auth/permissions";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useId, useRef, useState, type ReactNode } from "react";
import { formatDateTime } from "../dlq/format";
import { SQS_PAGE_SIZE } from "../dlq/sqs-messages";
import type { DlqRef } from "../dlq/types";
import { ErrorBox } from "../ui";
import { AudienceText } from "./audience";
import { useTRPC } from "../trpc";
import { jobHref } from "./format";
import { DryRunSummary } from "./parts";
import type { ReplayJobOptions } from "./types";

/** Which messages a bulk job acts on, as the page that opens the dialog knows them. */
export type BulkSelection =
  | { source: "filter"; expression: string }
  | { source: "group"; fingerprint: string; label: string }
  | { source: "selection"; ids: string[] }
  | { source: "all" };

export type BulkAction = "replay" | "discard";

/** The server's defaults (DEFAULT_JOB_OPTIONS), shown so the operator sees what the job will do. */
const DEFAULTS = { batchSize: "500", canarySize: "10", canaryWaitSeconds: "30", maxFailPercent: "20" };

function describeSelection(selection: BulkSelection): ReactNode {
  switch (selection.source) {
    case "filter":
      return (
        <>
          the messages matching <code className="whitespace-pre-wrap break-all font-mono text-xs text-slate-800">{selection.expression}</code>
        </>
      );
    case "group":
      return (
        <>
          the failure group <span className="font-mono text-xs text-slate-800">{selection.label}</span>
        </>
      );
    case "selection":
      return `${selection.ids.length.toLocaleString()} selected message${selection.ids.length === 1 ? "" : "s"}`;
    default:
      return "every message in this DLQ";
  }
}

/** A whole number from a form field: null when blank, NaN when not a whole number >= min. */
function wholeNumber(text: string, min: number): number | null {
  if (text.trim() === "") return null;
  const n = Number(text);
  return Number.isInteger(n) && n >= min ? n : Number.NaN;
}

function useCanOperate(): boolean | undefined {
  const trpc = useTRPC();
  const me = useQuery(trpc.auth.me.queryOptions(undefined, { staleTime: 60_000 }));
  if (!me.data) return undefined;
  return allows(me.data.grants, "replay.bulk");
}

/**
 * A button that opens the bulk replay dialog. Clicks and keys inside it stop here, so it can sit in a
 * clickable table row.
 */
export function BulkReplayButton({
  dlq,
  selection,
  action = "replay",
  snapshotId,
  label,
  className,
}: {
  dlq: DlqRef;
  selection: BulkSelection;
  action?: BulkAction;
  snapshotId?: string;
  label: string;
  className?: string;
}) {
  const [open, setOpen] = useState(false);
  const canOperate = useCanOperate();
  return (
    <span
      onClick={(event) => event.stopPropagation()}
      onKeyDown={(event) => event.stopPropagation()}
      className="inline-flex"
    >
      <button
        type="button"
        onClick={() => setOpen(true)}
        disabled={canOperate === false}
        title={canOperate === false ? "Bulk replays need the operator role." : undefined}
        className={
          className ??
          `rounded border px-3 py-1 text-sm disabled:opacity-50 ${
            action === "discard" ? "border-red-300 text-red-700 hover:bg-red-50" : "border-slate-300 text-slate-800 hover:bg-slate-50"
          }`
        }
      >
        {label}
      </button>
      {open ? <BulkReplayDialog dlq={dlq} selection={selection} initialAction={action} snapshotId={snapshotId} onClose={() => setOpen(false)} /> : null}
    </span>
  );
}

/**
 * Bulk replay (or discard) of dead letters as a durable job: destination, pacing, canary and guards,
 * then a dry run with the exact count and breakdowns, then a confirmation that names the targets.
 */
export function BulkReplayDialog({
  dlq,
  selection,
  initialAction = "replay",
  snapshotId: givenSnapshotId,
  onClose,
}: {
  dlq: DlqRef;
  selection: BulkSelection;
  initialAction?: BulkAction;
  snapshotId?: string;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const dialogRef = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const canOperate = useCanOperate();

  const [action, setAction] = useState<BulkAction>(initialAction);
  const [destination, setDestination] = useState<"origin" | "custom">("origin");
  const [target, setTarget] = useState("");
  const [rate, setRate] = useState("");
  const [batchSize, setBatchSize] = useState(DEFAULTS.batchSize);
  const [canarySize, setCanarySize] = useState(DEFAULTS.canarySize);
  const [canaryWait, setCanaryWait] = useState(DEFAULTS.canaryWaitSeconds);
  const [maxFailPercent, setMaxFailPercent] = useState(DEFAULTS.maxFailPercent);
  const [keepErrorHeaders, setKeepErrorHeaders] = useState(false);
  const [includeResolved, setIncludeResolved] = useState(false);
  const [overrideLoopGuard, setOverrideLoopGuard] = useState(false);
  const [reason, setReason] = useState("");
  const [confirmMove, setConfirmMove] = useState(false);
  const [moveRate, setMoveRate] = useState("");

  // No close() on cleanup: its close event arrives after StrictMode's re-run and would shut the dialog.
  // Unmounting takes an open dialog out of the top layer anyway.
  useEffect(() => {
    const dialog = dialogRef.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);

  // SQS jobs read a snapshot: the one the caller used, else the latest (shared with the Messages tab).
  const latest = useQuery(
    trpc.dlq.sqs.messages.queryOptions(
      { connection: dlq.connection, queue: dlq.dlq, afterSeq: 0, limit: SQS_PAGE_SIZE },
      { enabled: dlq.kind === "sqs" && selection.source !== "all" && !givenSnapshotId },
    ),
  );
  const latestSnapshot = latest.data?.snapshot ?? null;
  // The whole queue is read afresh (the dry run takes a new snapshot); a filter or a group reads the
  // snapshot it was found in. Without any snapshot, the dry run takes one.
  const snapshotId = dlq.kind === "sqs" && selection.source !== "all" ? (givenSnapshotId ?? latestSnapshot?.id) : undefined;

  const afterJob = async (id: string) => {
    await queryClient.invalidateQueries({ queryKey: trpc.replayJobs.list.queryKey() });
    router.push(jobHref(id));
  };
  const dryRun = useMutation(trpc.replayJobs.dryRun.mutationOptions());
  const start = useMutation(trpc.replayJobs.start.mutationOptions({ onSuccess: (job) => afterJob(job.id) }));
  const moveAll = useMutation(trpc.replayJobs.moveAll.mutationOptions({ onSuccess: (job) => afterJob(job.id) }));

  /** Any change to the form makes the last dry run stale. */
  const edit =
    <T,>(set: (value: T) => void) =>
    (value: T) => {
      if (dryRun.data || dryRun.error) dryRun.reset();
      start.reset();
      set(value);
    };

  const rateValue = wholeNumber(rate, 1);
  const batchValue = wholeNumber(batchSize, 1);
  const canaryValue = wholeNumber(canarySize, 0);
  const waitValue = wholeNumber(canaryWait, 0);
  const failPercent = maxFailPercent.trim() === "" ? Number.NaN : Number(maxFailPercent);
  const customTarget = target.trim();
  const problems: string[] = [];
  if (Number.isNaN(rateValue)) problems.push("The rate limit is a whole number of messages per second (or blank for unlimited).");
  if (batchValue === null || Number.isNaN(batchValue)) problems.push("The batch size is a whole number, at least 1.");
  if (action === "replay") {
    if (canaryValue === null || Number.isNaN(canaryValue)) problems.push("The canary size is a whole number (0 turns the canary off).");
    if (waitValue === null || Number.isNaN(waitValue)) problems.push("The canary wait is a whole number of seconds.");
    if (!(failPercent >= 0 && failPercent <= 100)) problems.push("The canary's maximum fail share is a percentage from 0 to 100.");
  }
  if (action === "replay" && destination === "custom" && !customTarget) problems.push(`Type the destination ${dlq.kind === "kafka" ? "topic" : "queue"}.`);
  if (action === "discard" && !reason.trim()) problems.push("A discard needs a reason.");

  const moveRateValue = wholeNumber(moveRate, 1);
  const moveRateInvalid = moveRateValue !== null && (Number.isNaN(moveRateValue) || moveRateValue > 500);
  const busy = dryRun.isPending || start.isPending || moveAll.isPending;
  const canDryRun = canOperate !== false && problems.length === 0 && !busy;

  const runDryRun = () => {
    if (!canDryRun) return;
    start.reset();
    // A discard sends nothing: no canary, no loop guard, no headers.
    const options: Partial<ReplayJobOptions> =
      action === "replay"
        ? {
            ratePerSecond: rateValue,
            batchSize: batchValue ?? undefined,
            canarySize: canaryValue ?? undefined,
            canaryWaitSeconds: waitValue ?? undefined,
            maxFailShare: failPercent / 100,
            keepErrorHeaders,
            includeResolved,
            overrideLoopGuard,
          }
        : { ratePerSecond: rateValue, batchSize: batchValue ?? undefined, includeResolved };
    dryRun.mutate({
      kind: dlq.kind,
      connection: dlq.connection,
      dlq: dlq.dlq,
      action,
      target: action === "replay" && destination === "custom" ? customTarget : undefined,
      selection: {
        source: selection.source,
        expression: selection.source === "filter" ? selection.expression : undefined,
        fingerprint: selection.source === "group" ? selection.fingerprint : undefined,
        ids: selection.source === "selection" ? selection.ids : undefined,
        snapshotId,
      },
      options,
      reason: reason.trim() || undefined,
    });
  };

  const draft = dryRun.data;
  const verb = action === "discard" ? "discard" : "replay";
  const targets: [string, number][] = draft
    ? draft.target
      ? [[draft.target, draft.total]]
      : (draft.dryRun?.byTarget ?? []).map((t) => [t.target, t.count])
    : [];
  const noun = dlq.kind === "kafka" ? "topic" : "queue";

  return (
    <dialog
      ref={dialogRef}
      onClose={onClose}
      aria-labelledby={titleId}
      data-testid="bulk-replay-dialog"
      className="m-auto w-[min(56rem,calc(100vw-2rem))] rounded-lg border border-slate-200 bg-white p-0 text-slate-900 shadow-xl backdrop:bg-slate-900/40"
    >
      <div className="max-h-[90vh] space-y-4 overflow-y-auto p-5">
        <div className="flex items-start justify-between gap-3">
          <div>
            <h2 id={titleId} className="text-lg font-semibold">
              {action === "discard" ? "Discard" : "Replay"} in bulk
            </h2>
            <p className="text-sm text-slate-600">
              From <span className="font-mono">{dlq.dlq}</span> <span className="text-slate-400">({dlq.kind} · {dlq.connection})</span>: {describeSelection(selection)}
            </p>
            {dlq.kind === "sqs" ? (
              <p className="text-xs text-slate-500" data-testid="bulk-replay-snapshot">
                {selection.source === "all"
                  ? "The dry run takes a fresh snapshot of the queue (messages are received and released; nothing is deleted)."
                  : givenSnapshotId
                    ? "Reads the snapshot the search read."
                    : latestSnapshot
                      ? `Reads the snapshot taken ${formatDateTime(latestSnapshot.startedAt.getTime())} by ${latestSnapshot.takenBy} (${latestSnapshot.captured.toLocaleString()} messages).`
                      : latest.isPending
                        ? "Looking for a snapshot…"
                        : "No snapshot of this queue yet: the dry run takes one."}
              </p>
            ) : null}
          </div>
          <button type="button" onClick={() => dialogRef.current?.close()} className="rounded border border-slate-300 px-2 py-1 text-sm hover:bg-slate-50">
            Close
          </button>
        </div>

        {canOperate === false ? <p className="text-sm text-amber-800">Bulk replays need the operator role.</p> : null}

        <form
          className="space-y-4"
          onSubmit={(event) => {
            event.preventDefault();
            runDryRun();
          }}
        >
          <fieldset className="space-y-1">
            <legend className="text-sm font-semibold text-slate-700">Action</legend>
            <div className="flex gap-4 text-sm">
              <label className="flex items-center gap-1.5">
                <input type="radio" name="bulk-action" checked={action === "replay"} onChange={() => edit(setAction)("replay")} /> Replay (send copies)
              </label>
              <label className="flex items-center gap-1.5">
                <input type="radio" name="bulk-action" checked={action === "discard"} onChange={() => edit(setAction)("discard")} /> Discard (resolve without a copy)
              </label>
            </div>
          </fieldset>

          {action === "replay" ? (
            <fieldset className="space-y-1">
              <legend className="text-sm font-semibold text-slate-700">Destination</legend>
              <label className="flex items-center gap-1.5 text-sm">
                <input type="radio" name="bulk-destination" checked={destination === "origin"} onChange={() => edit(setDestination)("origin")} />
                Each message&apos;s origin ({dlq.kind === "kafka" ? "its original topic" : "its source queue"})
              </label>
              <label className="flex flex-wrap items-center gap-1.5 text-sm">
                <input type="radio" name="bulk-destination" checked={destination === "custom"} onChange={() => edit(setDestination)("custom")} />
                Another {noun}:
                <input
                  value={target}
                  onChange={(e) => {
                    edit(setTarget)(e.target.value);
                    if (destination !== "custom") setDestination("custom");
                  }}
                  aria-label={`Destination ${noun}`}
                  placeholder={dlq.kind === "kafka" ? "topic name" : "queue name"}
                  spellCheck={false}
                  className="w-72 rounded border border-slate-300 px-2 py-1 font-mono"
                />
              </label>
            </fieldset>
          ) : (
            <label className="block space-y-1 text-sm">
              <span className="font-semibold text-slate-700">Reason (required)</span>
              <textarea
                value={reason}
                onChange={(e) => edit(setReason)(e.target.value)}
                rows={2}
                maxLength={1000}
                placeholder="Why these messages need no replay (kept in the ledger and the audit log)"
                className="w-full rounded border border-slate-300 p-2"
              />
            </label>
          )}

          <fieldset className="space-y-2">
            <legend className="text-sm font-semibold text-slate-700">{action === "replay" ? "Pacing and canary" : "Pacing"}</legend>
            <div className="flex flex-wrap items-end gap-3 text-sm">
              <NumberField label="Rate limit (msg/s)" value={rate} onChange={edit(setRate)} placeholder="unlimited" min={1} />
              <NumberField label="Batch size" value={batchSize} onChange={edit(setBatchSize)} min={1} />
              {action === "replay" ? (
                <>
                  <NumberField label="Canary size" value={canarySize} onChange={edit(setCanarySize)} min={0} />
                  <NumberField label="Canary wait (s)" value={canaryWait} onChange={edit(setCanaryWait)} min={0} />
                  <NumberField label="Max fail share (%)" value={maxFailPercent} onChange={edit(setMaxFailPercent)} min={0} max={100} step="any" />
                </>
              ) : null}
            </div>
            {action === "replay" ? (
              <p className="text-xs text-slate-500">
                The canary replays the first messages, waits, and goes on only if less than the given share of them died again (canary size 0 turns it off);
                the job pauses itself when that share is reached later too.
              </p>
            ) : null}
          </fieldset>

          <fieldset className="space-y-1 text-sm">
            <legend className="text-sm font-semibold text-slate-700">Guards</legend>
            {action === "replay" ? (
              <label className="flex items-center gap-1.5">
                <input type="checkbox" checked={keepErrorHeaders} onChange={(e) => edit(setKeepErrorHeaders)(e.target.checked)} /> Keep the DLQ&apos;s error
                headers on the copies
              </label>
            ) : null}
            <label className="flex items-center gap-1.5">
              <input type="checkbox" checked={includeResolved} onChange={(e) => edit(setIncludeResolved)(e.target.checked)} /> Include already resolved messages
              (replayed or discarded before)
            </label>
            {action === "replay" ? (
              <label className="flex items-center gap-1.5">
                <input type="checkbox" checked={overrideLoopGuard} onChange={(e) => edit(setOverrideLoopGuard)(e.target.checked)} /> Override the loop guard
                (include quarantined messages, replayed 3 times already)
              </label>
            ) : null}
          </fieldset>

          {problems.length > 0 ? (
            <ul className="list-disc pl-5 text-xs text-amber-800">
              {problems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          ) : null}

          <div className="flex items-center gap-3">
            <button type="submit" disabled={!canDryRun} className="rounded bg-slate-800 px-3 py-1 text-sm text-white hover:bg-slate-700 disabled:opacity-50">
              {dryRun.isPending ? "Counting…" : "Dry run"}
            </button>
            <span className="text-xs text-slate-500">Counts the exact messages and writes nothing to the broker.</span>
          </div>
        </form>

        {dryRun.error ? (
          <div role="alert" className="rounded border border-red-200 bg-red-50 p-3 text-sm text-red-800" data-testid="dry-run-error">
            <div className="font-medium">The dry run failed</div>
            <pre className="mt-1 whitespace-pre-wrap break-words font-mono text-xs">{dryRun.error.message}</pre>
          </div>
        ) : null}

        {draft ? (
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
                    {dlq.kind === "kafka" ? "The DLQ records stay; the ledger records every copy." : "Each original is deleted only after SQS acknowledged its copy."}
                  </p>
                </div>
              )}
              <div className="flex items-center gap-2">
                <button
                  type="button"
                  disabled={draft.total === 0 || busy || canOperate === false}
                  onClick={() => start.mutate({ jobId: draft.id })}
                  className={`rounded px-3 py-1 text-white disabled:opacity-50 ${action === "discard" ? "bg-red-700 hover:bg-red-600" : "bg-amber-600 hover:bg-amber-500"}`}
                >
                  {start.isPending ? "Starting…" : `Start ${verb} of ${draft.total.toLocaleString()} message${draft.total === 1 ? "" : "s"}`}
                </button>
                <button type="button" onClick={() => dialogRef.current?.close()} className="rounded border border-slate-300 bg-white px-2 py-1 hover:bg-slate-50">
                  Cancel
                </button>
              </div>
            </div>
            {start.error ? <ErrorBox title="Could not start the job" message={start.error.message} /> : null}
          </section>
        ) : null}

        {dlq.kind === "sqs" && selection.source === "all" && action === "replay" ? (
          <section aria-label="SQS move task" className="space-y-2 border-t border-slate-200 pt-4 text-sm">
            <h3 className="font-semibold text-slate-700">Or: SQS&apos;s own move task</h3>
            <p className="text-xs text-slate-600">
              The fast path for the whole queue, unfiltered: SQS (StartMessageMoveTask) moves every message back to the queue it came from. No dry run, canary,
              per-message ledger or loop guard; the options above do not apply.
            </p>
            <NumberField label="Max msg/s (blank = SQS decides, up to 500)" value={moveRate} onChange={setMoveRate} placeholder="SQS decides" min={1} max={500} />
            {moveRateInvalid ? <p className="text-xs text-amber-800">The move task&apos;s rate is a whole number from 1 to 500.</p> : null}
            {confirmMove ? (
              <div className="flex flex-wrap items-center gap-2" role="group" aria-label="Confirm move task">
                <span>
                  Move every message of <span className="font-mono font-medium">{dlq.dlq}</span> back to its source queue?
                </span>
                <button
                  type="button"
                  disabled={busy || canOperate === false || moveRateInvalid}
                  onClick={() => moveAll.mutate({ connection: dlq.connection, dlq: dlq.dlq, ratePerSecond: moveRateValue })}
                  className="rounded bg-amber-600 px-3 py-1 text-white hover:bg-amber-500 disabled:opacity-50"
                >
                  {moveAll.isPending ? "Starting…" : "Confirm move"}
                </button>
                <button type="button" onClick={() => setConfirmMove(false)} className="rounded border border-slate-300 px-2 py-1 hover:bg-slate-50">
                  Back
                </button>
              </div>
            ) : (
              <button
                type="button"
                disabled={busy || canOperate === false}
                onClick={() => {
                  moveAll.reset();
                  setConfirmMove(true);
                }}
                className="rounded border border-slate-300 px-3 py-1 hover:bg-slate-50 disabled:opacity-50"
              >
                Move all back with SQS&apos;s move task
              </button>
            )}
            {moveAll.error ? <ErrorBox title="Could not start the move task" message={moveAll.error.message} /> : null}
          </section>
        ) : null}
      </div>
    </dialog>
  );
}

function NumberField({
  label,
  value,
  onChange,
  placeholder,
  min,
  max,
  step,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  placeholder?: string;
  min?: number;
  max?: number;
  step?: string;
}) {
  return (
    <label className="flex flex-col gap-1">
      <span className="text-xs text-slate-500">{label}</span>
      <input
        type="number"
        inputMode="numeric"
        value={value}
        min={min}
        max={max}
        step={step}
        placeholder={placeholder}
        onChange={(e) => onChange(e.target.value)}
        className="w-32 rounded border border-slate-300 px-2 py-1 tabular-nums"
      />
    </label>
  );
}
