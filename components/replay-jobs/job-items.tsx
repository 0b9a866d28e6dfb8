"use client";

import { useInfiniteQuery, useQueryClient } from "@tanstack/react-query";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useRef, useState } from "react";
import { formatDateTime } from "../dlq/format";
import { ErrorBox } from "../ui";
import { useTRPCClient } from "../trpc";
import { ITEM_STATE_STYLE, ITEM_STATES } from "./format";
import type { ReplayItemState, ReplayJobItem } from "./types";

const ITEMS_POLL_MS = 2_000;
const ITEMS_PAGE = 500;

type ItemsPage = { items: ReplayJobItem[]; nextAfterSeq: number | null };

const ROW_HEIGHT = 34;
const COLUMNS = "grid grid-cols-[4rem_minmax(10rem,1.3fr)_5rem_minmax(9rem,1fr)_minmax(9rem,1fr)_minmax(12rem,2fr)_3rem_9rem] gap-x-3 px-2";

/** Per-message outcomes, paged by sequence number, filtered by state, virtualised. */
export function JobItems({ jobId, live }: { jobId: string; live: boolean }) {
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
