"use client";

import { allows } from "~/server/auth/permissions";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { Card, ErrorBox, PageHeader } from "../ui";
import { useTRPC } from "../trpc";
import { actionLabel, formatSeconds, isTerminal } from "./format";
import { DryRunSummary, OptionsList } from "./parts";
import { JobItems } from "./job-items";
import { JobDetails, JobProgress, MoveTaskProgress } from "./job-progress";
import type { ReplayJob } from "./types";
import { brokerLabel } from "../dlq/format";

const POLL_MS = 1_000;

/** What the state means for the operator, in words (the server's reason comes on top). */
const STATE_HELP: Record<ReplayJob["state"], string> = {
  draft: "Dry run only: nothing has been done yet. Start it to act on exactly these messages.",
  queued: "Waiting for a worker to pick it up.",
  running: "Working through the messages.",
  waiting: "The broker is unreachable: the job retries by itself and goes on where it stopped.",
  paused: "Paused: nothing is sent until it is resumed.",
  cancelled: "Cancelled: the messages not yet sent stay in the DLQ.",
  completed: "Completed.",
  failed: "Failed: the messages not yet sent stay in the DLQ.",
};

/** One bulk replay job: live progress (polled every second while it can change), controls, details and per-message outcomes. */
export function JobView({ jobId }: { jobId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const me = useQuery(trpc.auth.me.queryOptions(undefined, { staleTime: 60_000 }));
  const canOperate = me.data ? allows(me.data.grants, "replay.bulk") : false;
  const progress = useQuery(
    trpc.replayJobs.get.queryOptions(
      { jobId },
      {
        // Polled while it can change; a job that does not exist is not asked for again.
        refetchInterval: (query) => {
          const state = query.state.data?.job.state;
          if (state === undefined) return query.state.error ? false : POLL_MS;
          return isTerminal(state) || state === "draft" ? false : POLL_MS;
        },
        retry: (failures, error) => error.data?.code !== "NOT_FOUND" && error.data?.code !== "BAD_REQUEST" && error.data?.code !== "UNAUTHORIZED" && error.data?.code !== "FORBIDDEN" && failures < 2,
      },
    ),
  );
  const [confirmCancel, setConfirmCancel] = useState(false);

  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: trpc.replayJobs.get.queryKey({ jobId }) });
    await queryClient.invalidateQueries({ queryKey: trpc.replayJobs.list.queryKey() });
  };
  const control = { onSuccess: refresh };
  const start = useMutation(trpc.replayJobs.start.mutationOptions(control));
  const pause = useMutation(trpc.replayJobs.pause.mutationOptions(control));
  const resume = useMutation(trpc.replayJobs.resume.mutationOptions(control));
  const cancel = useMutation(trpc.replayJobs.cancel.mutationOptions({ onSuccess: refresh, onSettled: () => setConfirmCancel(false) }));
  const controlError = start.error ?? pause.error ?? resume.error ?? cancel.error;
  const busy = start.isPending || pause.isPending || resume.isPending || cancel.isPending;

  const data = progress.data;
  const job = data?.job;

  return (
    <div className="space-y-4">
      <div className="text-sm">
        <Link href="/replays" className="text-sky-700 hover:underline">
          ← Replays
        </Link>
      </div>
      <PageHeader title={job ? `${actionLabel(job.action)} of ${job.dlq}` : "Replay job"}>
        {job ? (
          <>
            <span>{brokerLabel(job.kind)}</span>
            <span>·</span>
            <span className="font-mono">{job.connection}</span>
            <span>·</span>
            <span className="font-mono text-xs">{job.id}</span>
          </>
        ) : null}
      </PageHeader>
      {progress.error ? <ErrorBox title="Could not load the job" message={progress.error.message} /> : null}
      {progress.isPending ? <p className="text-sm text-slate-500">Loading…</p> : null}

      {data && job ? (
        <>
          <StateBanner job={job} />

          <Card
            title="Progress"
            aside={
              canOperate ? (
                <div className="flex items-center gap-2 text-sm">
                  {job.state === "draft" ? (
                    <button
                      type="button"
                      disabled={busy || job.total === 0}
                      onClick={() => start.mutate({ jobId })}
                      className={`rounded px-3 py-1 text-white disabled:opacity-50 ${job.action === "discard" ? "bg-red-700 hover:bg-red-600" : "bg-amber-600 hover:bg-amber-500"}`}
                    >
                      {`Start ${job.action === "discard" ? "discard" : "replay"} of ${job.total.toLocaleString()} message${job.total === 1 ? "" : "s"}`}
                    </button>
                  ) : null}
                  {/* A broker's own move (SQS's task, a shovel) cannot be paused, only cancelled. */}
                  {job.action !== "move" && (job.state === "running" || job.state === "waiting" || job.state === "queued") ? (
                    <button type="button" disabled={busy} onClick={() => pause.mutate({ jobId })} className="rounded border border-slate-300 px-3 py-1 hover:bg-slate-50 disabled:opacity-50">
                      Pause
                    </button>
                  ) : null}
                  {job.action !== "move" && job.state === "paused" ? (
                    <button type="button" disabled={busy} onClick={() => resume.mutate({ jobId })} className="rounded bg-slate-800 px-3 py-1 text-white hover:bg-slate-700 disabled:opacity-50">
                      Resume
                    </button>
                  ) : null}
                  {!isTerminal(job.state) ? (
                    confirmCancel ? (
                      <span className="flex items-center gap-2" role="group" aria-label="Confirm cancel">
                        <span>Cancel this job? Messages not yet sent stay in the DLQ.</span>
                        <button
                          type="button"
                          disabled={busy}
                          onClick={() => cancel.mutate({ jobId })}
                          className="rounded bg-red-700 px-3 py-1 text-white hover:bg-red-600 disabled:opacity-50"
                        >
                          {cancel.isPending ? "Cancelling…" : "Yes, cancel the job"}
                        </button>
                        <button type="button" onClick={() => setConfirmCancel(false)} className="rounded border border-slate-300 px-2 py-1 hover:bg-slate-50">
                          Keep it
                        </button>
                      </span>
                    ) : (
                      <button
                        type="button"
                        disabled={busy}
                        onClick={() => setConfirmCancel(true)}
                        className="rounded border border-red-300 px-3 py-1 text-red-700 hover:bg-red-50 disabled:opacity-50"
                      >
                        Cancel job
                      </button>
                    )
                  ) : null}
                </div>
              ) : null
            }
          >
            {controlError ? (
              <div className="mb-3">
                <ErrorBox title="The job refused" message={controlError.message} />
              </div>
            ) : null}
            {job.action === "move" ? <MoveTaskProgress data={data} /> : <JobProgress data={data} />}
          </Card>

          <div className="grid gap-4 lg:grid-cols-2">
            <Card title="What and where">
              <JobDetails job={job} />
            </Card>
            <Card title="Options">
              {job.action === "move" ? (
                <p className="text-sm text-slate-600">
                  {brokerLabel(job.kind)}&apos;s own move takes every message back to {job.target ?? "its source queue"}: no dry run, canary, ledger or loop guard; its rate limit is shown above.
                </p>
              ) : (
                <OptionsList options={job.options} action={job.action} />
              )}
              {job.action === "replay" ? <ReplayEffects job={job} /> : null}
            </Card>
          </div>

          {job.dryRun ? (
            <details className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm" open={job.state === "draft"}>
              <summary className="cursor-pointer text-sm font-semibold text-slate-700">Dry run</summary>
              <div className="mt-3">
                <DryRunSummary dryRun={job.dryRun} total={job.total} action={job.action} kind={job.kind} />
              </div>
            </details>
          ) : null}

          {job.action !== "move" && job.state !== "draft" ? (
            <Card title="Per-message outcomes">
              <JobItems jobId={jobId} live={!isTerminal(job.state)} />
            </Card>
          ) : null}
        </>
      ) : null}
    </div>
  );
}

function StateBanner({ job }: { job: ReplayJob }) {
  const tone =
    job.state === "failed"
      ? "border-red-300 bg-red-50 text-red-900"
      : job.state === "paused" || job.state === "waiting"
        ? "border-amber-300 bg-amber-50 text-amber-900"
        : job.state === "completed"
          ? "border-emerald-300 bg-emerald-50 text-emerald-900"
          : "border-slate-200 bg-white text-slate-800";
  return (
    <div className={`rounded-lg border p-4 ${tone}`} role="status" aria-live="polite">
      <div className="flex flex-wrap items-center gap-3">
        <span className="text-xs uppercase tracking-wide opacity-70">State</span>
        <span className="text-xl font-semibold" data-testid="job-state">
          {job.state}
        </span>
        {job.state === "running" || job.state === "queued" ? <span className="h-2 w-2 animate-pulse rounded-full bg-sky-500" aria-hidden /> : null}
      </div>
      {job.stateReason ? (
        <p className="mt-1 text-base font-medium" data-testid="job-state-reason">
          {job.stateReason}
        </p>
      ) : null}
      <p className="mt-1 text-sm opacity-80">{STATE_HELP[job.state]}</p>
      {job.canary && job.canary.state !== "off" ? (
        <p className="mt-1 text-sm" data-testid="job-canary">
          <span className="font-medium">Canary</span> ({job.canary.size.toLocaleString()} first): {canaryText(job.canary, job.options.canaryWaitSeconds)}
        </p>
      ) : null}
    </div>
  );
}

function canaryText(canary: NonNullable<ReplayJob["canary"]>, waitSeconds: number): string {
  switch (canary.state) {
    case "pending":
      return `replaying them, then waiting ${formatSeconds(waitSeconds)} to see whether they die again`;
    case "watching":
      return canary.watchUntil ? `replayed; watching for copies that die again until ${new Date(canary.watchUntil).toLocaleTimeString(undefined, { hour12: false })}` : "watching";
    case "passed":
      return "passed: few enough of them died again";
    case "failed":
      return "failed: too many died again, the job paused itself";
    default:
      return canary.state;
  }
}

/** What replaying from this DLQ changes besides the replayed messages (RabbitMQ: reads return what is not replayed); nothing where reading changes nothing. */
function ReplayEffects({ job }: { job: ReplayJob }) {
  const trpc = useTRPC();
  const effects = useQuery(trpc.replayJobs.effects.queryOptions({ kind: job.kind, connection: job.connection, dlq: job.dlq }, { staleTime: 5 * 60_000 }));
  if (!effects.data) return null;
  return (
    <p className="mt-2 text-xs text-slate-700" data-testid="job-effects">
      <span className="font-medium">What the replay changes: </span>
      {effects.data.job}
    </p>
  );
}
