"use client";

import { allows } from "~/server/auth/permissions";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ErrorBox } from "../ui";
import { useTRPC, useTRPCClient } from "../trpc";
import { BulkReplayButton } from "../replay-jobs/bulk-replay-button";
import { formatDuration } from "./format";
import { MessageDetail } from "./message-detail";
import { MessageTable } from "./message-table";
import { SplitView } from "./split-view";
import { SQS_PAGE_SIZE } from "./sqs-messages";
import { REPLAY_SECTIONS } from "./message-views";
import { bulkReplayable, type DlqRef, type ScanStatus } from "./types";
import { useCapabilities } from "../connections/use-capabilities";
import { useOpenMessage, useScanId } from "../url-state";

const POLL_MS = 300;
const POSITION_LABELS: Record<DlqRef["kind"], string> = { kafka: "Partition:offset", sqs: "Seq", rabbitmq: "#", nats: "Stream seq" };
const DEFAULT_LIMIT = 500;
const MAX_LIMIT = 10_000;
const EXAMPLE = 'record.value.amount > 100 && record.error.exceptionClass.endsWith("NullPointerException")';

const VARIABLES: [string, string][] = [
  ["record.partition, record.offset, record.timestampMs", "position and time"],
  ["record.key, record.keyAsText", "the key (parsed JSON if it is JSON) and as text"],
  ["record.value, record.valueAsText", "the value (parsed JSON if it is JSON) and as text"],
  ['record.headers["name"]', "a header as text"],
  [
    "record.error.exceptionClass / message / stacktrace / originTopic / originPartition / originOffset / consumerGroup / attempts",
    "the decoded failure",
  ],
  ["record.error.fingerprint", "the failure group (a group's messages, exactly)"],
];

const scanKey = (id: string | null) => ["dlq-scan", id] as const;

/** A server-side CEL search of the whole DLQ (or SQS snapshot), with live progress. */
export function SearchPanel({ dlq, expression, onExpression }: { dlq: DlqRef; expression: string; onExpression: (expression: string) => void }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const [limitInput, setLimitInput] = useState(String(DEFAULT_LIMIT));
  const [scanId, setScanId] = useScanId();
  const [selectedId, setSelectedId] = useOpenMessage("match");

  const limit = Math.min(MAX_LIMIT, Math.max(1, Math.floor(Number(limitInput)) || DEFAULT_LIMIT));

  const caps = useCapabilities(dlq.kind, dlq.connection);
  const snapshots = caps?.includes("snapshot-browsing") ?? false;
  // Snapshot-browsed DLQs (SQS) are searched in their latest snapshot (same query as the Messages tab, so it is shared).
  const sqsPage = useQuery(
    trpc.dlq.sqs.messages.queryOptions({ connection: dlq.connection, queue: dlq.dlq, afterSeq: 0, limit: SQS_PAGE_SIZE }, { enabled: snapshots }),
  );
  const snapshotId = snapshots ? sqsPage.data?.snapshot?.id : undefined;
  const needsSnapshot = snapshots && sqsPage.data !== undefined && !snapshotId;

  // Matches accumulate in one cache entry: each poll asks only for those after the ones already received.
  const scan = useQuery({
    queryKey: scanKey(scanId),
    enabled: scanId !== null,
    staleTime: Infinity,
    queryFn: async (): Promise<ScanStatus> => {
      const previous = queryClient.getQueryData<ScanStatus>(scanKey(scanId));
      const received = previous?.matches ?? [];
      const status = await client.dlq.scan.status.query({ id: scanId!, from: received.length });
      return { ...status, matches: [...received, ...status.matches] };
    },
    refetchInterval: (query) => (query.state.data && query.state.data.status !== "running" ? false : POLL_MS),
  });

  const start = useMutation(
    trpc.dlq.scan.start.mutationOptions({
      // One history step: the new search, with no match open yet.
      onSuccess: ({ id }) => {
        void setScanId(id);
        void setSelectedId(null);
      },
    }),
  );
  const cancel = useMutation(
    trpc.dlq.scan.cancel.mutationOptions({
      onSuccess: () => void scan.refetch(),
    }),
  );

  const running = scan.data?.status === "running" || (scanId !== null && scan.isPending);
  const canStart = expression.trim().length > 0 && !start.isPending && !running && !needsSnapshot && caps !== null && (!snapshots || snapshotId !== undefined);

  const startScan = () => {
    if (!canStart) return;
    start.mutate({ kind: dlq.kind, connection: dlq.connection, dlq: dlq.dlq, snapshotId, expression, limit });
  };

  const status = scan.data;
  // The expression the shown results belong to (as the server ran it): actions use it, edits mark them stale.
  const scannedExpression = status?.expression ?? null;
  const stale = status !== undefined && scannedExpression !== null && scannedExpression.trim() !== expression.trim();
  return (
    <div className="space-y-4">
      <SavedFilters expression={expression} onLoad={(e) => { start.reset(); onExpression(e); }} />
      <form
        className="space-y-2"
        onSubmit={(event) => {
          event.preventDefault();
          startScan();
        }}
      >
        <label className="block text-sm font-medium text-slate-700" htmlFor="dlq-filter-expression">
          Filter (CEL)
        </label>
        <textarea
          id="dlq-filter-expression"
          data-shortcut="search"
          value={expression}
          onChange={(event) => {
            start.reset();
            onExpression(event.target.value);
          }}
          onKeyDown={(event) => {
            if (event.key === "Enter" && (event.metaKey || event.ctrlKey)) {
              event.preventDefault();
              startScan();
            }
          }}
          rows={3}
          spellCheck={false}
          placeholder={EXAMPLE}
          className="w-full rounded border border-slate-300 p-2 font-mono text-sm"
        />
        {start.error ? (
          <p role="alert" className="whitespace-pre-wrap break-words rounded border border-red-200 bg-red-50 px-2 py-1 font-mono text-xs text-red-800" data-testid="filter-error">
            {start.error.message}
          </p>
        ) : null}
        <details className="text-xs text-slate-600">
          <summary className="cursor-pointer">Variables</summary>
          <ul className="mt-1 space-y-0.5 pl-4">
            {VARIABLES.map(([name, what]) => (
              <li key={name}>
                <code className="font-mono text-slate-800">{name}</code> — {what}
              </li>
            ))}
          </ul>
          <p className="mt-1">
            Example: <code className="font-mono">{EXAMPLE}</code>
          </p>
        </details>
        <div className="flex flex-wrap items-end gap-3 text-sm">
          <label className="flex flex-col gap-1">
            <span className="text-xs text-slate-500">Limit</span>
            <input
              type="number"
              min={1}
              max={MAX_LIMIT}
              value={limitInput}
              onChange={(event) => setLimitInput(event.target.value)}
              className="w-28 rounded border border-slate-300 px-2 py-1"
              aria-describedby="dlq-scan-limit-help"
            />
          </label>
          <span id="dlq-scan-limit-help" className="pb-1.5 text-xs text-slate-500">
            stops after {limit.toLocaleString()} matches
          </span>
          <button type="submit" disabled={!canStart} className="rounded bg-slate-800 px-3 py-1 text-white hover:bg-slate-700 disabled:opacity-50">
            {start.isPending ? "Starting…" : "Start"}
          </button>
          {running && scanId ? (
            <button
              type="button"
              onClick={() => cancel.mutate({ id: scanId })}
              disabled={cancel.isPending}
              className="rounded border border-slate-300 px-3 py-1 hover:bg-slate-50 disabled:opacity-50"
            >
              Cancel
            </button>
          ) : null}
        </div>
        {needsSnapshot ? <p className="text-sm text-amber-800">No snapshot of this queue yet: take a snapshot first (Messages tab).</p> : null}
      </form>

      {scan.error ? <ErrorBox title="Could not read the search progress" message={scan.error.message} /> : null}
      {cancel.error ? <ErrorBox title="Could not cancel the search" message={cancel.error.message} /> : null}
      {status ? (
        <div className="space-y-3">
          <p className="text-sm text-slate-700" data-testid="scan-progress">
            scanned {status.scanned.toLocaleString()}
            {status.total !== null ? ` of ${status.total.toLocaleString()}` : ""} · matched <span data-testid="scan-matched">{status.matched.toLocaleString()}</span> ·{" "}
            {status.ratePerSecond.toLocaleString()} msg/s
            {status.firstMatchMs !== null ? ` · first match after ${status.firstMatchMs.toLocaleString()} ms` : ""} · {formatDuration(status.elapsedMs)} ·{" "}
            <span data-testid="scan-status" className={status.status === "failed" ? "font-medium text-red-700" : "font-medium"}>
              {status.status}
            </span>
          </p>
          {status.status === "limit" ? <p className="text-xs text-slate-500">Stopped at the limit of {status.limit.toLocaleString()} matches.</p> : null}
          {status.error ? <ErrorBox title="The search failed" message={status.error} /> : null}
          {stale ? (
            <div role="status" data-testid="scan-stale" className="rounded border border-amber-300 bg-amber-50 px-2 py-1 text-sm text-amber-900">
              These results are for the filter <code className="break-all font-mono text-xs">{scannedExpression}</code>, which you have changed since. Start to
              search with the new text; the actions below still act on the filter shown here.
            </div>
          ) : null}
          {scannedExpression?.trim() && bulkReplayable(dlq, caps) ? (
            <div className="flex flex-wrap items-center gap-2">
              <BulkReplayButton dlq={dlq} selection={{ source: "filter", expression: scannedExpression }} snapshotId={snapshotId} label="Replay matches…" />
              {caps?.includes("discard") ? (
                <BulkReplayButton
                  dlq={dlq}
                  selection={{ source: "filter", expression: scannedExpression }}
                  snapshotId={snapshotId}
                  action="discard"
                  label="Discard matches…"
                />
              ) : null}
              <span className="text-xs text-slate-500">
                as a job over every message matching <span className="font-medium">the filter of these results</span> (the dry run counts them all, past the
                limit)
              </span>
            </div>
          ) : null}
          <div className={stale ? "opacity-50" : undefined}>
            <SplitView
              detail={
                selectedId ? (
                  <MessageDetail
                    key={selectedId}
                    dlq={dlq}
                    id={selectedId}
                    snapshotId={snapshotId}
                    onClose={() => void setSelectedId(null)}
                    replay={REPLAY_SECTIONS[dlq.kind]?.(dlq)}
                  />
                ) : null
              }
            >
              <MessageTable
                messages={status.matches}
                selectedId={selectedId}
                onSelect={(m) => setSelectedId(m.id)}
                positionLabel={POSITION_LABELS[dlq.kind]}
                emptyText={status.status === "running" ? "No match yet…" : "No message matched."}
              />
            </SplitView>
          </div>
        </div>
      ) : null}
    </div>
  );
}

function SavedFilters({ expression, onLoad }: { expression: string; onLoad: (expression: string) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const filters = useQuery(trpc.dlq.filters.list.queryOptions());
  const me = useQuery(trpc.auth.me.queryOptions());
  const [selected, setSelected] = useState("");
  const [naming, setNaming] = useState(false);
  const [name, setName] = useState("");

  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.dlq.filters.list.queryKey() });
  const save = useMutation(
    trpc.dlq.filters.save.mutationOptions({
      onSuccess: async ({ id }) => {
        setNaming(false);
        setName("");
        setSelected(id);
        await refresh();
      },
    }),
  );
  const remove = useMutation(
    trpc.dlq.filters.delete.mutationOptions({
      onSuccess: async () => {
        setSelected("");
        await refresh();
      },
    }),
  );

  const chosen = filters.data?.find((f) => f.id === selected);
  const mayDelete = chosen && me.data && (allows(me.data.grants, "admin") || chosen.createdBy === me.data.name);

  return (
    <div className="space-y-2 text-sm">
      <div className="flex flex-wrap items-end gap-2">
        <label className="flex flex-col gap-1">
          <span className="text-xs text-slate-500">Saved filters</span>
          <select
            value={selected}
            onChange={(event) => {
              setSelected(event.target.value);
              const filter = filters.data?.find((f) => f.id === event.target.value);
              if (filter) onLoad(filter.expression);
            }}
            className="min-w-56 rounded border border-slate-300 px-2 py-1"
            data-testid="saved-filters"
          >
            <option value="">{filters.isPending ? "Loading…" : `Load a saved filter (${filters.data?.length ?? 0})`}</option>
            {(filters.data ?? []).map((filter) => (
              <option key={filter.id} value={filter.id}>
                {filter.name} — by {filter.createdBy}
              </option>
            ))}
          </select>
        </label>
        {mayDelete ? (
          <button
            type="button"
            onClick={() => remove.mutate({ id: chosen.id })}
            disabled={remove.isPending}
            className="rounded border border-red-300 px-2 py-1 text-red-700 hover:bg-red-50 disabled:opacity-50"
          >
            Delete
          </button>
        ) : null}
        {naming ? (
          <form
            className="flex items-end gap-1"
            onSubmit={(event) => {
              event.preventDefault();
              if (name.trim()) save.mutate({ name: name.trim(), expression });
            }}
          >
            <label className="flex flex-col gap-1">
              <span className="text-xs text-slate-500">Name</span>
              <input value={name} onChange={(event) => setName(event.target.value)} maxLength={100} autoFocus className="rounded border border-slate-300 px-2 py-1" />
            </label>
            <button type="submit" disabled={!name.trim() || save.isPending} className="rounded bg-slate-800 px-2 py-1 text-white disabled:opacity-50">
              Save
            </button>
            <button type="button" onClick={() => setNaming(false)} className="rounded border border-slate-300 px-2 py-1">
              Cancel
            </button>
          </form>
        ) : (
          <button
            type="button"
            onClick={() => {
              save.reset();
              setNaming(true);
            }}
            disabled={expression.trim().length === 0}
            className="rounded border border-slate-300 px-2 py-1 hover:bg-slate-50 disabled:opacity-50"
          >
            Save as…
          </button>
        )}
      </div>
      {chosen?.description ? <p className="text-xs text-slate-500">{chosen.description}</p> : null}
      {filters.error ? <ErrorBox title="Could not load the saved filters" message={filters.error.message} /> : null}
      {save.error ? <ErrorBox title="Could not save the filter" message={save.error.message} /> : null}
      {remove.error ? <ErrorBox title="Could not delete the filter" message={remove.error.message} /> : null}
    </div>
  );
}
