"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect, useState } from "react";
import type { SagaBulkSelection } from "~/server/db/schema";
import { useTRPC } from "../trpc";
import { ErrorBox } from "../ui";
import { sagaHref } from "./format";

type Command = "retry" | "compensate" | "resolve";
const TERMINAL = new Set(["completed", "cancelled", "failed"]);

/**
 * Bulk retry / compensate / resolve over the current filter or Stuck-view group: a dry run with the exact
 * count, then a durable job whose progress and verification (terminal, stuck again) show here live.
 */
export function SagaBulkAction({ database, selection, describe }: { database: string; selection: SagaBulkSelection; describe: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [command, setCommand] = useState<Command>("retry");
  const [reason, setReason] = useState("");
  const [jobId, setJobId] = useState<string | null>(null);
  const dryRun = useMutation(trpc.sagaJobs.dryRun.mutationOptions());
  const start = useMutation(trpc.sagaJobs.start.mutationOptions({ onSuccess: (job) => setJobId(job.id) }));
  const cancel = useMutation(trpc.sagaJobs.cancel.mutationOptions());
  const job = useQuery(
    trpc.sagaJobs.get.queryOptions(
      { jobId: jobId ?? "00000000-0000-0000-0000-000000000000" },
      { enabled: jobId !== null, refetchInterval: (query) => (query.state.data && TERMINAL.has(query.state.data.state) ? false : 1_000) },
    ),
  );
  const draft = dryRun.data;
  const items = useQuery(
    trpc.sagaJobs.items.queryOptions(
      { jobId: jobId ?? "00000000-0000-0000-0000-000000000000", limit: 200 },
      { enabled: jobId !== null, refetchInterval: () => (job.data && TERMINAL.has(job.data.state) ? false : 2_000) },
    ),
  );

  // The verification writes each saga's "After" as the job ends: read the items once more then, and refresh the saga views.
  const ended = job.data ? TERMINAL.has(job.data.state) : false;
  useEffect(() => {
    if (!ended || !jobId) return;
    void queryClient.invalidateQueries({ queryKey: trpc.sagaJobs.items.queryKey({ jobId, limit: 200 }) });
    void queryClient.invalidateQueries({ queryKey: trpc.sagas.pathKey() });
  }, [ended, jobId, queryClient, trpc]);

  if (!open) {
    return (
      <button type="button" onClick={() => setOpen(true)} className="rounded border border-slate-300 px-2 py-1 text-sm hover:bg-slate-50" data-testid="saga-bulk-open">
        Bulk action…
      </button>
    );
  }
  return (
    <section className="space-y-2 rounded border border-slate-300 bg-slate-50 p-3 text-sm" data-testid="saga-bulk" aria-label="Bulk saga action">
      <p className="text-slate-700">
        Act on <span className="font-medium">{describe}</span>. Each saga gets its own command in saga_commands, checked against the version seen now.
      </p>
      <div className="flex flex-wrap items-end gap-2">
        <label className="flex flex-col gap-1">
          Command
          <select value={command} onChange={(e) => { setCommand(e.target.value as Command); dryRun.reset(); }} className="rounded border border-slate-300 px-2 py-1" data-testid="saga-bulk-command">
            <option value="retry">retry (from the failed step)</option>
            <option value="compensate">compensate (abort)</option>
            <option value="resolve">resolve (handled by a human)</option>
          </select>
        </label>
        <label className="flex grow flex-col gap-1">
          Reason
          <input value={reason} onChange={(e) => setReason(e.target.value)} className="rounded border border-slate-300 px-2 py-1" data-testid="saga-bulk-reason" />
        </label>
        <button
          type="button"
          disabled={reason.trim().length < 3 || dryRun.isPending}
          onClick={() => dryRun.mutate({ database, command, reason, selection })}
          className="rounded bg-slate-800 px-3 py-1 text-white disabled:opacity-50"
        >
          Dry run
        </button>
        <button type="button" onClick={() => setOpen(false)} className="rounded border border-slate-300 px-2 py-1">
          Close
        </button>
      </div>
      {dryRun.error ? <ErrorBox title="Dry run refused" message={dryRun.error.message} /> : null}
      {draft && !jobId ? (
        <div className="space-y-1" data-testid="saga-bulk-dry-run">
          <p>
            <span className="font-semibold" data-testid="saga-bulk-count">{draft.total}</span> sagas to {command}
            {draft.dryRun && draft.dryRun.notApplicable > 0 ? ` (${draft.dryRun.notApplicable} matched but ${command} does not apply to their status)` : ""}:{" "}
            {draft.dryRun?.byTypeStatus.map((g) => `${g.count} ${g.sagaType} ${g.status}`).join(", ")}
          </p>
          <button
            type="button"
            disabled={draft.total === 0 || start.isPending}
            onClick={() => start.mutate({ jobId: draft.id })}
            className="rounded bg-amber-700 px-3 py-1 text-white disabled:opacity-50"
          >
            Start: {command} {draft.total} sagas
          </button>
          {start.error ? <ErrorBox title="Could not start" message={start.error.message} /> : null}
        </div>
      ) : null}
      {job.data ? (
        <div className="space-y-1" data-testid="saga-bulk-job">
          <p>
            <span className="font-semibold" data-testid="saga-bulk-state">{job.data.state}</span>
            {job.data.stateReason ? <span className="ml-2 text-slate-600">{job.data.stateReason}</span> : null}
          </p>
          <p data-testid="saga-bulk-progress">
            requested {job.data.requested} of {job.data.total} · refused {job.data.refused} · applied {job.data.applied} · rejected {job.data.rejected}
            {job.data.verifiedAt ? ` · now terminal ${job.data.terminal} of ${job.data.total} · stuck again ${job.data.stuckAgain}` : job.data.state === "verifying" ? " · verifying after the delay…" : ""}
          </p>
          {items.data && items.data.items.length > 0 ? (
            <details>
              <summary className="cursor-pointer text-slate-700">Per saga</summary>
              <table className="mt-1 w-full text-left text-xs" data-testid="saga-bulk-items">
                <thead className="text-slate-500">
                  <tr>
                    <th className="pr-2 font-medium">Saga</th>
                    <th className="pr-2 font-medium">Before</th>
                    <th className="pr-2 font-medium">Command</th>
                    <th className="pr-2 font-medium">Outcome</th>
                    <th className="pr-2 font-medium">After</th>
                  </tr>
                </thead>
                <tbody>
                  {items.data.items.map((item) => (
                    <tr key={item.seq} className="border-t border-slate-200 align-top" data-testid="saga-bulk-item">
                      <td className="pr-2 font-mono">
                        <Link href={sagaHref(database, item.sagaId)} className="text-sky-700 hover:underline">
                          {item.sagaId.slice(0, 8)}
                        </Link>
                      </td>
                      <td className="pr-2">{item.statusBefore}</td>
                      <td className="pr-2">{item.state}</td>
                      <td className="max-w-md pr-2 text-slate-600">{item.outcome ?? ""}</td>
                      <td className="pr-2">{item.statusAfter ?? ""}{item.stuckAgain ? " (stuck again)" : ""}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
          ) : null}
          {!TERMINAL.has(job.data.state) ? (
            <button type="button" onClick={() => cancel.mutate({ jobId: job.data.id })} className="rounded border border-slate-300 px-2 py-1">
              Cancel job
            </button>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
