"use client";

import { useMutation, useQueries, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ErrorBox, formatTime } from "../ui";
import { useTRPC } from "../trpc";
import { ExpiryWarning } from "./expiry-warning";
import { MessageDetail } from "./message-detail";
import { MessageTable } from "./message-table";
import { SplitView } from "./split-view";
import { useOpenMessage } from "../url-state";
import type { DlqRef, SqsSnapshot } from "./types";

export const SQS_PAGE_SIZE = 200;

interface Staleness {
  changedMessages: number;
  jobs: number;
  lastChangeAt: Date | null;
}

export function SnapshotSummary({ snapshot, stale }: { snapshot: SqsSnapshot | null; stale?: Staleness | null }) {
  if (!snapshot) {
    return (
      <p className="text-sm text-slate-600" data-testid="sqs-snapshot-banner">
        No snapshot yet.
      </p>
    );
  }
  const percent = snapshot.approximateTotal > 0 ? Math.min(100, Math.round((snapshot.captured / snapshot.approximateTotal) * 100)) : 100;
  return (
    <div className="text-sm text-slate-700" data-testid="sqs-snapshot-banner">
      Snapshot taken {formatTime(snapshot.startedAt)} by <span className="font-medium">{snapshot.takenBy}</span>: {snapshot.captured.toLocaleString()} of ~
      {snapshot.approximateTotal.toLocaleString()} messages ({percent}%) — {snapshot.status}
      {snapshot.error ? <span className="ml-2 font-mono text-xs text-red-700">{snapshot.error}</span> : null}
      {stale ? (
        <p className="mt-1 font-medium text-amber-800" role="status" data-testid="sqs-snapshot-stale">
          Stale: since it was taken,{" "}
          {[
            stale.changedMessages > 0 ? `${stale.changedMessages.toLocaleString()} message${stale.changedMessages === 1 ? " was" : "s were"} replayed or discarded` : null,
            stale.jobs > 0 ? `${stale.jobs.toLocaleString()} bulk job${stale.jobs === 1 ? "" : "s"} started` : null,
          ]
            .filter(Boolean)
            .join(" and ")}
          {stale.lastChangeAt ? ` (last at ${formatTime(stale.lastChangeAt)})` : ""}. The queue no longer holds what is listed: take a new snapshot.
        </p>
      ) : null}
    </div>
  );
}

/** An SQS DLQ, browsed through a snapshot copied into the control store. */
export function SqsMessages({ dlq }: { dlq: DlqRef }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [selectedId, setSelectedId] = useOpenMessage("msg");
  // Further pages, per snapshot: a new snapshot starts from its first page again.
  const [more, setMore] = useState<{ snapshotId: string; afterSeqs: number[] } | null>(null);

  const firstPage = useQuery(
    trpc.dlq.sqs.messages.queryOptions(
      { connection: dlq.connection, queue: dlq.dlq, afterSeq: 0, limit: SQS_PAGE_SIZE },
      // Quick while the snapshot is taken; then now and then, so that a replay or discard elsewhere marks it stale.
      { refetchInterval: (query) => (query.state.data?.snapshot?.status === "running" ? 2_000 : 10_000) },
    ),
  );
  const snapshot = firstPage.data?.snapshot ?? null;
  const afterSeqs = snapshot && more?.snapshotId === snapshot.id ? more.afterSeqs : [];
  const laterPages = useQueries({
    queries: afterSeqs.map((afterSeq) =>
      trpc.dlq.sqs.messages.queryOptions({ connection: dlq.connection, queue: dlq.dlq, snapshotId: snapshot?.id, afterSeq, limit: SQS_PAGE_SIZE }),
    ),
  });

  const take = useMutation(
    trpc.dlq.sqs.takeSnapshot.mutationOptions({
      onSuccess: async () => {
        void setSelectedId(null);
        await queryClient.invalidateQueries({ queryKey: trpc.dlq.sqs.messages.queryKey() });
        await queryClient.invalidateQueries({ queryKey: trpc.dlq.groups.queryKey() });
      },
    }),
  );

  const pages = [firstPage.data, ...laterPages.map((q) => q.data)];
  const messages = pages.flatMap((page) => page?.messages ?? []);
  const last = pages.at(-1);
  const nextSeq = last?.nextSeq ?? null;
  const loadingMore = laterPages.some((q) => q.isFetching);
  const laterError = laterPages.find((q) => q.error)?.error;

  return (
    <div className="space-y-3">
      <div className="space-y-2 rounded border border-slate-200 bg-slate-50 p-3">
        <div className="flex flex-wrap items-center justify-between gap-3">
          {firstPage.data ? <SnapshotSummary snapshot={snapshot} stale={firstPage.data.stale} /> : <span className="text-sm text-slate-500">Looking for a snapshot…</span>}
          <button
            type="button"
            onClick={() => take.mutate({ connection: dlq.connection, queue: dlq.dlq })}
            disabled={take.isPending}
            className="rounded bg-slate-800 px-3 py-1 text-sm text-white hover:bg-slate-700 disabled:opacity-50"
          >
            {take.isPending ? "Taking snapshot…" : "Take snapshot"}
          </button>
        </div>
        <p className="text-xs text-slate-500">
          A snapshot copies this DLQ&apos;s messages into Redrive: they are received with a short visibility timeout and released at once, so SQS increments
          their receive count. Nothing is deleted, and source queues are never touched.
        </p>
        {take.error ? <ErrorBox title="The snapshot failed" message={take.error.message} /> : null}
      </div>

      {firstPage.error ? <ErrorBox title="Could not load the snapshot" message={firstPage.error.message} /> : null}
      {laterError ? <ErrorBox title="Could not load more messages" message={laterError.message} /> : null}
      {firstPage.isPending ? <p className="text-sm text-slate-500">Loading…</p> : null}
      {snapshot ? (
        <>
          <ExpiryWarning dlq={dlq} snapshotId={snapshot.id} />
          <SplitView
            detail={
              selectedId ? <MessageDetail key={selectedId} dlq={dlq} id={selectedId} snapshotId={snapshot.id} onClose={() => void setSelectedId(null)} /> : null
            }
          >
            <MessageTable
              messages={messages}
              selectedId={selectedId}
              onSelect={(m) => void setSelectedId(m.id)}
              positionLabel="Seq"
              emptyText="The snapshot holds no messages."
            />
          </SplitView>
          <div className="flex items-center gap-3 text-sm text-slate-600">
            <span>
              {messages.length.toLocaleString()} message{messages.length === 1 ? "" : "s"} loaded
              {firstPage.data?.payloadsWithheld ? " · payloads withheld for your role" : ""}
            </span>
            {nextSeq !== null ? (
              <button
                type="button"
                disabled={loadingMore}
                onClick={() => setMore({ snapshotId: snapshot.id, afterSeqs: [...afterSeqs, nextSeq] })}
                className="rounded border border-slate-300 px-3 py-1 hover:bg-slate-50 disabled:opacity-50"
              >
                {loadingMore ? "Loading…" : "Load more"}
              </button>
            ) : null}
          </div>
        </>
      ) : null}
    </div>
  );
}
