"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { Card, ErrorBox, PageHeader } from "./ui";
import { useTRPC } from "./trpc";
import { dlqHref } from "./dlq/format";
import { formatSeconds, isTerminal, jobDurationSeconds, jobHref, jobOutcome, JOB_STATES, OUTCOME_TONE, selectionSummary, targetSummary } from "./replay-jobs/format";
import { StateBadge } from "./replay-jobs/parts";
import type { ReplayJobState } from "./replay-jobs/types";
import { NAV_ROW_FOCUS, navRow } from "./keyboard-shortcuts";

export function ReplaysView() {
  return (
    <div>
      <PageHeader title="Replays" />
      <p className="mb-4 text-sm text-slate-600">
        Bulk replay jobs and every replayed dead letter, from the replay ledger. Replay one message from its detail view on a DLQ&apos;s page; replay many
        (a search&apos;s matches, a failure group or the whole DLQ) as a durable job with a dry run, rate limit, canary, pause and resume.
      </p>
      <div className="space-y-4">
        <ReplayJobs />
        <ReplayedMessages />
      </div>
    </div>
  );
}

function ReplayJobs() {
  const trpc = useTRPC();
  const [state, setState] = useState<ReplayJobState | "all">("all");
  const jobs = useQuery(
    trpc.replayJobs.list.queryOptions(
      { limit: 100, state: state === "all" ? undefined : state },
      // Quick while something is moving, slow otherwise.
      { refetchInterval: (query) => (query.state.data?.some((job) => !isTerminal(job.state) && job.state !== "draft") ? 2_000 : 10_000) },
    ),
  );
  // Durations of running jobs count up from the last fetch.
  const now = jobs.dataUpdatedAt || 0;

  return (
    <Card
      title="Bulk replay jobs"
      aside={
        <label className="flex items-center gap-2 text-xs text-slate-500">
          State
          <select
            value={state}
            onChange={(e) => setState(e.target.value as ReplayJobState | "all")}
            className="rounded border border-slate-300 px-2 py-0.5 text-sm text-slate-800"
            data-testid="replay-job-state-filter"
          >
            <option value="all">All</option>
            {JOB_STATES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      }
    >
      {jobs.error ? <ErrorBox title="Could not load the replay jobs" message={jobs.error.message} /> : null}
      {jobs.isPending ? <p className="text-sm text-slate-500">Loading…</p> : null}
      {jobs.data?.length === 0 ? (
        <p className="text-sm text-slate-500">
          {state === "all"
            ? "No bulk replay yet. Start one from a DLQ: “Replay matches…” on a search, “Replay group…” on a failure group, or “Replay all…”."
            : `No ${state} job.`}
        </p>
      ) : null}
      {jobs.data && jobs.data.length > 0 ? (
        <div className="overflow-x-auto">
          <table className="w-full text-left text-sm">
            <thead className="text-xs uppercase text-slate-500">
              <tr>
                <th scope="col" className="py-1 pr-3 font-medium">When</th>
                <th scope="col" className="py-1 pr-3 font-medium">Who</th>
                <th scope="col" className="py-1 pr-3 font-medium">DLQ</th>
                <th scope="col" className="py-1 pr-3 font-medium">Messages</th>
                <th scope="col" className="py-1 pr-3 font-medium">Target</th>
                <th scope="col" className="py-1 pr-3 text-right font-medium">Done / total</th>
                <th scope="col" className="py-1 pr-3 text-right font-medium">Skipped</th>
                <th scope="col" className="py-1 pr-3 text-right font-medium">Failed</th>
                <th scope="col" className="py-1 pr-3 font-medium">State</th>
                <th scope="col" className="py-1 pr-3 font-medium">Outcome</th>
                <th scope="col" className="py-1 pr-3 text-right font-medium">Duration</th>
              </tr>
            </thead>
            <tbody>
              {jobs.data.map((job) => {
                const selection = selectionSummary(job);
                const outcome = jobOutcome(job);
                return (
                  <tr key={job.id} {...navRow} className={`border-t border-slate-100 align-top ${NAV_ROW_FOCUS}`} data-testid="replay-job-row">
                    <td className="whitespace-nowrap py-1 pr-3 tabular-nums">
                      <Link href={jobHref(job.id)} className="text-sky-700 hover:underline" aria-label={`Open the job of ${job.createdAt.toLocaleString()}`}>
                        {job.createdAt.toLocaleString()}
                      </Link>
                    </td>
                    <td className="py-1 pr-3">{job.createdBy}</td>
                    <td className="min-w-40 py-1 pr-3">
                      <Link href={dlqHref(job.kind, job.connection, job.dlq)} className="font-mono text-sky-700 [overflow-wrap:anywhere] hover:underline">
                        {job.dlq}
                      </Link>
                      <div className="text-xs text-slate-400">
                        {job.kind} · {job.connection}
                      </div>
                    </td>
                    <td className="min-w-48 max-w-xs py-1 pr-3 text-xs">
                      <span className={job.action === "discard" ? "font-medium text-red-700" : "font-medium text-slate-700"}>{job.action}</span>
                      <span className="line-clamp-2 font-mono text-slate-600 [overflow-wrap:anywhere]" title={selection}>
                        {selection}
                      </span>
                    </td>
                    <td className="min-w-40 max-w-[14rem] py-1 pr-3 font-mono text-xs [overflow-wrap:anywhere]">{targetSummary(job)}</td>
                    <td className="whitespace-nowrap py-1 pr-3 text-right tabular-nums">
                      {job.done.toLocaleString()} / {job.total.toLocaleString()}
                    </td>
                    <td className="py-1 pr-3 text-right tabular-nums">{job.skipped.toLocaleString()}</td>
                    <td className={`py-1 pr-3 text-right tabular-nums ${job.failed > 0 ? "text-red-700" : ""}`}>{job.failed.toLocaleString()}</td>
                    <td className="py-1 pr-3">
                      <StateBadge state={job.state} testId="replay-job-state" />
                      {job.stateReason ? (
                        <div className="max-w-[16rem] text-xs text-slate-500" title={job.stateReason}>
                          <span className="line-clamp-2">{job.stateReason}</span>
                        </div>
                      ) : null}
                    </td>
                    <td className={`min-w-40 py-1 pr-3 text-xs ${OUTCOME_TONE[outcome.tone]}`} data-testid="replay-job-outcome">
                      {outcome.text}
                    </td>
                    <td className="whitespace-nowrap py-1 pr-3 text-right tabular-nums text-slate-600">
                      {formatSeconds(jobDurationSeconds(job, job.finishedAt ? 0 : Math.max(now, job.updatedAt.getTime())))}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
    </Card>
  );
}

function ReplayedMessages() {
  const trpc = useTRPC();
  const recent = useQuery(trpc.replay.recent.queryOptions({ limit: 200 }, { refetchInterval: 5_000 }));
  return (
    <>
      {recent.error ? <ErrorBox title="Could not load replays" message={recent.error.message} /> : null}
      <Card title="Replayed messages">
        {recent.data?.length === 0 ? <p className="text-sm text-slate-500">Nothing has been replayed yet.</p> : null}
        {recent.data && recent.data.length > 0 ? (
          <table className="w-full text-left text-sm">
            <thead className="text-xs uppercase text-slate-500">
              <tr>
                <th className="py-1 pr-3 font-medium">When</th>
                <th className="py-1 pr-3 font-medium">Who</th>
                <th className="py-1 pr-3 font-medium">From</th>
                <th className="py-1 pr-3 font-medium">Message</th>
                <th className="py-1 pr-3 font-medium">To</th>
                <th className="py-1 pr-3 text-right font-medium">Replay #</th>
                <th className="py-1 pr-3 font-medium">Outcome</th>
                <th className="py-1 pr-3 font-medium">Replay id</th>
              </tr>
            </thead>
            <tbody>
              {recent.data.map((row) => (
                <tr key={row.replayId} {...navRow} className={`border-t border-slate-100 ${NAV_ROW_FOCUS}`} data-testid="replay-row">
                  <td className="whitespace-nowrap py-1 pr-3 tabular-nums">{row.replayedAt.toLocaleString()}</td>
                  <td className="py-1 pr-3">{row.replayedBy}</td>
                  <td className="py-1 pr-3">
                    <Link
                      href={`/dlqs/${encodeURIComponent(row.kind)}/${encodeURIComponent(row.connection)}/${encodeURIComponent(row.dlq)}`}
                      className="break-all font-mono text-sky-700 hover:underline"
                    >
                      {row.dlq}
                    </Link>
                    <span className="ml-1 text-xs text-slate-400">
                      {row.kind} · {row.connection}
                    </span>
                  </td>
                  <td className="py-1 pr-3 font-mono text-xs">{row.messageId}</td>
                  <td className="py-1 pr-3 font-mono text-xs">
                    {row.action === "discard" ? <span className="font-sans text-red-700">discarded</span> : row.target}{" "}
                    <span className="text-slate-400">{row.targetPosition}</span>
                  </td>
                  <td className="py-1 pr-3 text-right tabular-nums">{row.replayCount}</td>
                  <td className={`py-1 pr-3 text-xs ${row.cameBackAt ? "text-red-700" : row.action === "discard" ? "text-slate-600" : "text-emerald-700"}`} data-testid="replay-outcome">
                    {row.cameBackAt ? (
                      <>
                        came back to the DLQ {row.cameBackAt.toLocaleString()} <span className="font-mono text-slate-500">{row.cameBackAs}</span>
                      </>
                    ) : row.action === "discard" ? (
                      "resolved without a copy"
                    ) : (
                      "delivered; not back in a DLQ"
                    )}
                  </td>
                  <td className="py-1 pr-3 font-mono text-xs text-slate-500">
                    {row.replayId}
                    {row.jobId ? (
                      <Link href={jobHref(row.jobId)} className="ml-2 font-sans text-sky-700 hover:underline">
                        job
                      </Link>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </Card>
    </>
  );
}
