"use client";

import Link from "next/link";
import type { ReactNode } from "react";
import { brokerLabel, dlqHref, formatDateTime } from "../dlq/format";
import { ErrorBox } from "../ui";
import { formatRate, formatSeconds, isTerminal, targetSummary } from "./format";
import { ProgressBar } from "./parts";
import type { ReplayJob } from "./types";

function Figure({ label, value, testId, tone }: { label: string; value: ReactNode; testId?: string; tone?: string }) {
  return (
    <div>
      <div className="text-xs uppercase tracking-wide text-slate-500">{label}</div>
      <div className={`text-lg font-semibold tabular-nums ${tone ?? ""}`} data-testid={testId}>
        {value}
      </div>
    </div>
  );
}

export function JobProgress({ data }: { data: { job: ReplayJob; remaining: number; rate: number | null; etaSeconds: number | null; elapsedSeconds: number } }) {
  const { job, remaining } = data;
  const settled = job.done + job.skipped + job.failed;
  const percent = job.total > 0 ? Math.floor((settled / job.total) * 100) : 0;
  return (
    <div className="space-y-3">
      <div className="flex items-center gap-3">
        <ProgressBar total={job.total} done={job.done} skipped={job.skipped} failed={job.failed} label="Job progress" />
        <span className="w-12 text-right text-sm tabular-nums text-slate-600">{percent}%</span>
      </div>
      <p className="text-sm text-slate-700" data-testid="job-progress">
        {`done ${job.done} · skipped ${job.skipped} · failed ${job.failed} · remaining ${remaining}`}
      </p>
      <div className="grid grid-cols-2 gap-4 sm:grid-cols-4 lg:grid-cols-8">
        <Figure label="Total" value={job.total.toLocaleString()} testId="job-total" />
        <Figure label="Done" value={job.done.toLocaleString()} testId="job-done" tone="text-emerald-700" />
        <Figure label="Skipped" value={job.skipped.toLocaleString()} testId="job-skipped" tone={job.skipped > 0 ? "text-amber-700" : undefined} />
        <Figure label="Failed" value={job.failed.toLocaleString()} testId="job-failed" tone={job.failed > 0 ? "text-red-700" : undefined} />
        <Figure label="Remaining" value={remaining.toLocaleString()} testId="job-remaining" />
        <Figure label={isTerminal(job.state) ? "Average rate" : "Rate"} value={formatRate(data.rate)} testId="job-rate" />
        <Figure label="ETA" value={job.state === "completed" ? "done" : job.state === "paused" ? "paused" : formatSeconds(data.etaSeconds)} testId="job-eta" />
        <Figure label="Elapsed" value={formatSeconds(data.elapsedSeconds)} testId="job-elapsed" />
      </div>
      <div className="grid grid-cols-2 gap-4 border-t border-slate-100 pt-3 sm:grid-cols-3">
        <div>
          <Figure label="Duplicates" value={job.duplicates.toLocaleString()} testId="job-duplicates" tone={job.duplicates > 0 ? "text-amber-700" : undefined} />
          <p className="text-xs text-slate-500">sent twice after a crash</p>
        </div>
        <div>
          <Figure label="Came back" value={job.cameBack.toLocaleString()} testId="job-came-back" tone={job.cameBack > 0 ? "text-red-700" : undefined} />
          <p className="text-xs text-slate-500">copies that died again and reached a DLQ</p>
        </div>
        <div>
          <Figure label="Recoveries" value={job.recoveries.toLocaleString()} testId="job-recoveries" />
          <p className="text-xs text-slate-500">times picked up again after its worker died</p>
        </div>
      </div>
    </div>
  );
}

/** The broker's own move (SQS's move task, a RabbitMQ shovel): its status and counts as the broker reports them (the job mirrors them into done / total). */
export function MoveTaskProgress({ data }: { data: { job: ReplayJob; remaining: number; elapsedSeconds: number } }) {
  const { job, remaining } = data;
  const task = job.moveTask;
  const moved = task?.moved ?? job.done;
  return (
    <div className="space-y-3" data-testid="move-task">
      <ProgressBar total={job.total} done={job.done} skipped={0} failed={0} label="Move task progress" />
      <p className="text-sm text-slate-700" data-testid="job-progress">
        {`moved ${moved} of ${job.total} · remaining ${remaining}`}
      </p>
      <div className="grid grid-cols-2 gap-4 sm:grid-cols-5">
        <Figure label="Task status" value={task?.status ?? "not started"} testId="move-task-status" />
        <Figure label="Moved" value={moved.toLocaleString()} testId="move-task-moved" />
        <Figure label={`To move (${brokerLabel(job.kind)})`} value={task?.toMove != null ? task.toMove.toLocaleString() : "—"} testId="move-task-to-move" />
        <Figure label="Rate limit" value={job.options.ratePerSecond ? formatRate(job.options.ratePerSecond) : `${brokerLabel(job.kind)} decides`} />
        <Figure label="Elapsed" value={formatSeconds(data.elapsedSeconds)} testId="job-elapsed" />
      </div>
      {task?.failureReason ? <ErrorBox title={`${brokerLabel(job.kind)} reports a failure`} message={task.failureReason} /> : null}
      {task ? <p className="break-all font-mono text-xs text-slate-500">task {task.taskHandle}</p> : null}
    </div>
  );
}

export function JobDetails({ job }: { job: ReplayJob }) {
  const selection = job.selection;
  const group = selection.fingerprint ? job.dryRun?.byGroup.find((g) => g.fingerprint === selection.fingerprint) : undefined;
  const rows: [string, ReactNode][] = [
    [
      "DLQ",
      <Link key="dlq" href={dlqHref(job.kind, job.connection, job.dlq)} className="break-all font-mono text-sky-700 hover:underline">
        {job.dlq}
      </Link>,
    ],
    [
      "Messages",
      job.action === "move" ? (
        `the whole queue (${brokerLabel(job.kind)}'s own move)`
      ) : selection.source === "filter" ? (
        <span key="f">
          matching the filter
          <pre className="mt-1 whitespace-pre-wrap break-all rounded bg-slate-50 p-2 font-mono text-xs" data-testid="job-filter">
            {selection.expression ?? ""}
          </pre>
        </span>
      ) : selection.source === "group" ? (
        <span key="g">
          failure group{" "}
          {group ? (
            <>
              <span className="font-mono text-xs">{group.exceptionClass}</span> from <span className="font-mono text-xs">{group.origin}</span>
              {group.pattern ? <div className="break-words text-xs text-slate-600">{group.pattern}</div> : null}
            </>
          ) : (
            <span className="font-mono text-xs">{selection.fingerprint}</span>
          )}
        </span>
      ) : selection.source === "selection" ? (
        `${(selection.ids?.length ?? 0).toLocaleString()} selected messages`
      ) : (
        "the whole DLQ"
      ),
    ],
  ];
  if (selection.snapshotId) rows.push(["Snapshot", <span key="s" className="font-mono text-xs">{selection.snapshotId}</span>]);
  rows.push(["Action", job.action === "move" ? `move (${brokerLabel(job.kind)}'s own)` : job.action]);
  rows.push(["Target", <span key="t" className="break-all font-mono text-xs" data-testid="job-target">{targetSummary(job)}</span>]);
  if (job.reason) rows.push(["Reason", <span key="r" className="whitespace-pre-wrap break-words">{job.reason}</span>]);
  rows.push(["Created", `${formatDateTime(job.createdAt.getTime())} by ${job.createdBy}`]);
  rows.push(["Started", job.startedAt ? formatDateTime(job.startedAt.getTime()) : "—"]);
  rows.push(["Finished", job.finishedAt ? formatDateTime(job.finishedAt.getTime()) : "—"]);
  return (
    <dl className="grid grid-cols-[7rem_1fr] gap-x-3 gap-y-1.5 text-sm">
      {rows.map(([name, value]) => (
        <div key={name} className="contents">
          <dt className="text-slate-500">{name}</dt>
          <dd className="min-w-0">{value}</dd>
        </div>
      ))}
    </dl>
  );
}
