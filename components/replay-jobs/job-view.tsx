"use client";

import { allows } from "~/server/auth/permissions";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useVirtualizer } from "@tanstack/react-virtual";
import Link from "next/link";
import { useEffect, useRef, useState, type ReactNode } from "react";
import { dlqHref, formatDateTime } from "../dlq/format";
import { Card, ErrorBox, PageHeader } from "../ui";
import { useTRPC, useTRPCClient } from "../trpc";
import { actionLabel, formatRate, formatSeconds, isTerminal, ITEM_STATE_STYLE, ITEM_STATES, targetSummary } from "./format";
import { DryRunSummary, OptionsList, ProgressBar } from "./parts";
import type { ReplayItemState, ReplayJob, ReplayJobItem } from "./types";

const POLL_MS = 1_000;
const ITEMS_POLL_MS = 2_000;
const ITEMS_PAGE = 500;

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
            <span>{job.kind === "sqs" ? "SQS" : "Kafka"}</span>
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
                  {/* SQS's move task cannot be paused, only cancelled. */}
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
              {job.action === "move" ? <p className="text-sm text-slate-600">SQS&apos;s move task moves every message back to its source queue: no dry run, canary or loop guard; its rate limit is shown above.</p> : <OptionsList options={job.options} action={job.action} />}
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

function JobProgress({ data }: { data: { job: ReplayJob; remaining: number; rate: number | null; etaSeconds: number | null; elapsedSeconds: number } }) {
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

/** SQS's own move task: its status and counts as SQS reports them (the job mirrors them into done / total). */
function MoveTaskProgress({ data }: { data: { job: ReplayJob; remaining: number; elapsedSeconds: number } }) {
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
        <Figure label="To move (SQS)" value={task?.toMove != null ? task.toMove.toLocaleString() : "—"} testId="move-task-to-move" />
        <Figure label="Rate limit" value={job.options.ratePerSecond ? formatRate(job.options.ratePerSecond) : "SQS decides"} />
        <Figure label="Elapsed" value={formatSeconds(data.elapsedSeconds)} testId="job-elapsed" />
      </div>
      {task?.failureReason ? <ErrorBox title="SQS reports a failure" message={task.failureReason} /> : null}
      {task ? <p className="break-all font-mono text-xs text-slate-500">task {task.taskHandle}</p> : null}
    </div>
  );
}

function JobDetails({ job }: { job: ReplayJob }) {
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
        "the whole queue (SQS move task)"
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
  rows.push(["Action", job.action === "move" ? "move (SQS StartMessageMoveTask)" : job.action]);
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

type ItemsPage = { items: ReplayJobItem[]; nextAfterSeq: number | null };

const ROW_HEIGHT = 34;
const COLUMNS = "grid grid-cols-[4rem_minmax(10rem,1.3fr)_5rem_minmax(9rem,1fr)_minmax(9rem,1fr)_minmax(12rem,2fr)_3rem_9rem] gap-x-3 px-2";

/** Per-message outcomes, paged by sequence number, filtered by state, virtualised. */
function JobItems({ jobId, live }: { jobId: string; live: boolean }) {
  const client = useTRPCClient();
  const [state, setState] = useState<ReplayItemState | "all">("all");
  const items = useInfiniteQuery({
    queryKey: ["replay-job-items", jobId, state] as const,
    initialPageParam: 0,
    queryFn: ({ pageParam }): Promise<ItemsPage> =>
      client.replayJobs.items.query({ jobId, state: state === "all" ? undefined : state, afterSeq: pageParam, limit: ITEMS_PAGE }),
    getNextPageParam: (last) => last.nextAfterSeq ?? undefined,
    refetchInterval: live ? ITEMS_POLL_MS : false,
  });
  // The last batch settles as the job ends: read the outcomes once more then, so no row stays "sent" until a reload.
  const queryClient = useQueryClient();
  useEffect(() => {
    if (!live) void queryClient.invalidateQueries({ queryKey: ["replay-job-items", jobId] });
  }, [live, jobId, queryClient]);
  const rows = items.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-end gap-3 text-sm">
        <label className="flex flex-col gap-1">
          <span className="text-xs text-slate-500">State</span>
          <select
            value={state}
            onChange={(e) => setState(e.target.value as ReplayItemState | "all")}
            className="rounded border border-slate-300 px-2 py-1"
            data-testid="job-item-state-filter"
          >
            <option value="all">All</option>
            {ITEM_STATES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        {items.isFetching ? <span className="pb-1 text-xs text-slate-500">reading…</span> : null}
      </div>
      {items.error ? <ErrorBox title="Could not load the outcomes" message={items.error.message} /> : null}
      {items.isPending ? <p className="text-sm text-slate-500">Loading…</p> : <ItemTable rows={rows} emptyText={state === "all" ? "No messages in this job." : `No ${state} messages.`} />}
      <div className="flex items-center gap-3 text-sm text-slate-600">
        <span>
          {rows.length.toLocaleString()} message{rows.length === 1 ? "" : "s"} loaded
        </span>
        {items.hasNextPage ? (
          <button
            type="button"
            onClick={() => void items.fetchNextPage()}
            disabled={items.isFetchingNextPage}
            className="rounded border border-slate-300 px-3 py-1 hover:bg-slate-50 disabled:opacity-50"
          >
            {items.isFetchingNextPage ? "Loading…" : "Load more"}
          </button>
        ) : null}
      </div>
    </div>
  );
}

function ItemTable({ rows, emptyText }: { rows: ReplayJobItem[]; emptyText: string }) {
  const scrollRef = useRef<HTMLDivElement>(null);
  // eslint-disable-next-line react-hooks/incompatible-library -- the virtualizer is read during render only
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    getItemKey: (index) => rows[index]?.seq ?? index,
  });
  return (
    <div className="overflow-x-auto rounded border border-slate-200" role="table" aria-label="Per-message outcomes" aria-rowcount={rows.length}>
      <div className="min-w-[1000px]">
        <div role="row" className={`${COLUMNS} border-b border-slate-200 bg-slate-50 py-2 text-xs font-medium uppercase text-slate-500`}>
          <div role="columnheader">Seq</div>
          <div role="columnheader">Message</div>
          <div role="columnheader">State</div>
          <div role="columnheader">Target</div>
          <div role="columnheader">Landed at</div>
          <div role="columnheader">Outcome</div>
          <div role="columnheader" className="text-right">
            Tries
          </div>
          <div role="columnheader">Came back</div>
        </div>
        {rows.length === 0 ? (
          <p className="px-2 py-3 text-sm text-slate-500">{emptyText}</p>
        ) : (
          <div ref={scrollRef} className="max-h-[480px] overflow-y-auto" data-testid="job-items-scroll">
            <div className="relative w-full" style={{ height: virtualizer.getTotalSize() }}>
              {virtualizer.getVirtualItems().map((virtual) => {
                const item = rows[virtual.index]!;
                return (
                  <div
                    key={virtual.key}
                    role="row"
                    data-testid="job-item-row"
                    className={`${COLUMNS} absolute left-0 top-0 w-full items-center border-b border-slate-100 text-sm`}
                    style={{ height: ROW_HEIGHT, transform: `translateY(${virtual.start}px)` }}
                  >
                    <div role="cell" className="truncate tabular-nums text-slate-600">
                      {item.seq}
                    </div>
                    <div role="cell" className="truncate font-mono text-xs" title={item.messageId}>
                      {item.messageId}
                    </div>
                    <div role="cell" className={`truncate text-xs font-medium ${ITEM_STATE_STYLE[item.state]}`} data-testid="job-item-state">
                      {item.state}
                    </div>
                    <div role="cell" className="truncate font-mono text-xs" title={item.target ?? undefined}>
                      {item.target ?? <span className="text-slate-400">—</span>}
                    </div>
                    <div role="cell" className="truncate font-mono text-xs text-slate-600" title={item.targetPosition ?? undefined}>
                      {item.targetPosition ?? ""}
                    </div>
                    <div role="cell" className="truncate text-xs text-slate-700" title={item.outcome ?? undefined}>
                      {item.outcome ?? ""}
                    </div>
                    <div role="cell" className="truncate text-right tabular-nums text-slate-600">
                      {item.attempts}
                    </div>
                    <div role="cell" className="truncate text-xs tabular-nums text-red-700">
                      {item.cameBackAt ? formatDateTime(item.cameBackAt.getTime()) : ""}
                    </div>
                  </div>
                );
              })}
            </div>
          </div>
        )}
      </div>
    </div>
  );
}
