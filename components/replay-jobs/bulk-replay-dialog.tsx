"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useId, useRef, useState, type ReactNode } from "react";
import { formatDateTime } from "../dlq/format";
import { SQS_PAGE_SIZE } from "../dlq/sqs-messages";
import type { DlqRef } from "../dlq/types";
import { useTRPC } from "../trpc";
import { jobHref } from "./format";
import { DryRunConfirm, MoveTaskSection } from "./bulk-confirm";
import { BulkFormFields } from "./bulk-form-fields";
import { useCanBulkReplay } from "./use-can-bulk-replay";
import { checkBulkForm, initialBulkForm, type BulkAction, type BulkForm } from "./bulk-form";

/** Which messages a bulk job acts on, as the page that opens the dialog knows them. */
export type BulkSelection =
  | { source: "filter"; expression: string }
  | { source: "group"; fingerprint: string; label: string }
  | { source: "selection"; ids: string[] }
  | { source: "all" };

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
  const canOperate = useCanBulkReplay();

  const [form, setForm] = useState<BulkForm>(() => initialBulkForm(initialAction));

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
  // What reading this DLQ changes (RabbitMQ: the dry run and every batch take messages and return the ones not
  // replayed), as the server words it for this queue; null where reading changes nothing.
  const effects = useQuery(trpc.replayJobs.effects.queryOptions({ kind: dlq.kind, connection: dlq.connection, dlq: dlq.dlq }, { staleTime: 60_000 }));
  const dryRun = useMutation(trpc.replayJobs.dryRun.mutationOptions());
  const start = useMutation(trpc.replayJobs.start.mutationOptions({ onSuccess: (job) => afterJob(job.id) }));
  const moveAll = useMutation(trpc.replayJobs.moveAll.mutationOptions({ onSuccess: (job) => afterJob(job.id) }));
  // The broker's own "move everything back" (SQS's move task, a RabbitMQ shovel): offered for the whole DLQ, unfiltered, where the broker says it can.
  const wholeQueue = selection.source === "all" && form.action === "replay";
  const movePlan = useQuery(trpc.replayJobs.moveAllPlan.queryOptions({ kind: dlq.kind, connection: dlq.connection, dlq: dlq.dlq }, { enabled: wholeQueue, staleTime: 30_000 }));

  /** Any change to the form makes the last dry run stale. */
  const set = (patch: Partial<BulkForm>) => {
    if (dryRun.data || dryRun.error) dryRun.reset();
    start.reset();
    setForm((current) => ({ ...current, ...patch }));
  };
  const checked = checkBulkForm(form, dlq.kind);
  const { action } = form;

  const busy = dryRun.isPending || start.isPending || moveAll.isPending;
  const canDryRun = canOperate !== false && checked.problems.length === 0 && !busy;

  const runDryRun = () => {
    if (!canDryRun) return;
    start.reset();
    dryRun.mutate({
      kind: dlq.kind,
      connection: dlq.connection,
      dlq: dlq.dlq,
      action,
      target: checked.target,
      selection: {
        source: selection.source,
        expression: selection.source === "filter" ? selection.expression : undefined,
        fingerprint: selection.source === "group" ? selection.fingerprint : undefined,
        ids: selection.source === "selection" ? selection.ids : undefined,
        snapshotId,
      },
      options: checked.options,
      reason: checked.reason,
    });
  };

  const draft = dryRun.data;

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

        {effects.data ? (
          <div className="space-y-1 rounded border border-sky-200 bg-sky-50 p-3 text-sm text-slate-800" data-testid="bulk-replay-effects">
            <p>
              <span className="font-medium">What the dry run changes: </span>
              {effects.data.dryRun}
            </p>
            <p>
              <span className="font-medium">What the replay changes: </span>
              {effects.data.job}
            </p>
          </div>
        ) : null}

        <form
          className="space-y-4"
          onSubmit={(event) => {
            event.preventDefault();
            runDryRun();
          }}
        >
          <BulkFormFields form={form} set={set} dlq={dlq} />

          {checked.problems.length > 0 ? (
            <ul className="list-disc pl-5 text-xs text-amber-800">
              {checked.problems.map((p) => (
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
          <DryRunConfirm
            draft={draft}
            dlq={dlq}
            action={action}
            rateValue={checked.rateValue}
            canaryValue={checked.canaryValue}
            disabled={busy || canOperate === false}
            starting={start.isPending}
            startError={start.error?.message ?? null}
            effects={effects.data?.job ?? null}
            onStart={() => start.mutate({ jobId: draft.id })}
            onCancel={() => dialogRef.current?.close()}
          />
        ) : null}

        {wholeQueue && movePlan.data?.available ? (
          <MoveTaskSection
            dlq={dlq}
            plan={movePlan.data}
            disabled={busy || canOperate === false}
            moving={moveAll.isPending}
            moveError={moveAll.error?.message ?? null}
            onOpen={() => moveAll.reset()}
            onMove={(ratePerSecond) => moveAll.mutate({ kind: dlq.kind, connection: dlq.connection, dlq: dlq.dlq, ratePerSecond })}
          />
        ) : wholeQueue && movePlan.data && !movePlan.data.available ? (
          <p className="border-t border-slate-200 pt-4 text-xs text-slate-500" data-testid="move-task-unavailable">
            {movePlan.data.method} is not offered for this queue: {movePlan.data.reason}
          </p>
        ) : null}
      </div>
    </dialog>
  );
}
