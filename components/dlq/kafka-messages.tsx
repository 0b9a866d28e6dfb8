"use client";

import { useInfiniteQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ErrorBox } from "../ui";
import { useTRPC } from "../trpc";
import { MessageDetail } from "./message-detail";
import { MessageTable } from "./message-table";
import { SplitView } from "./split-view";
import { useOpenMessage, useShowAborted } from "../url-state";
import type { DlqRef } from "./types";

const PAGE_SIZE = 100;
const LIVE_TAIL_MS = 2_000;

type Seek = { kind: "none" } | { kind: "offset"; offset: number } | { kind: "time"; timestampMs: number };

/** A Kafka DLQ topic, read page by page on the server (never the whole topic). */
export function KafkaMessages({ dlq }: { dlq: DlqRef }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [order, setOrder] = useState<"newest" | "oldest">("newest");
  const [partition, setPartition] = useState<number | undefined>(undefined);
  const [seek, setSeek] = useState<Seek>({ kind: "none" });
  const [offsetInput, setOffsetInput] = useState("");
  const [timeInput, setTimeInput] = useState("");
  const [live, setLive] = useState(false);
  const [selectedId, setSelectedId] = useOpenMessage("msg");
  const [showAborted, setShowAborted] = useShowAborted();

  const input = {
    connection: dlq.connection,
    topic: dlq.dlq,
    order: live ? ("newest" as const) : order,
    partition,
    seekOffset: !live && seek.kind === "offset" ? seek.offset : undefined,
    seekTimestampMs: !live && seek.kind === "time" ? seek.timestampMs : undefined,
    limit: PAGE_SIZE,
    includeAborted: showAborted,
  };
  const options = trpc.dlq.kafkaMessages.infiniteQueryOptions(input, {
    getNextPageParam: (last) => (last.hasMore ? last.cursor : undefined),
    refetchInterval: live ? LIVE_TAIL_MS : false,
  });
  const pages = useInfiniteQuery(options);

  const messages = pages.data?.pages.flatMap((page) => page.messages) ?? [];
  const first = pages.data?.pages[0];

  const toggleLive = (on: boolean) => {
    if (on) {
      // The tail refetches the newest page only: drop what "Load more" appended.
      queryClient.setQueryData(options.queryKey, (data) => (data ? { pages: data.pages.slice(0, 1), pageParams: data.pageParams.slice(0, 1) } : data));
    }
    setLive(on);
  };

  const applyOffset = () => {
    const offset = Number(offsetInput);
    if (offsetInput.trim() !== "" && Number.isInteger(offset) && offset >= 0) setSeek({ kind: "offset", offset });
  };
  const applyTime = () => {
    const timestampMs = new Date(timeInput).getTime();
    if (Number.isFinite(timestampMs) && timestampMs >= 0) setSeek({ kind: "time", timestampMs });
  };

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-end gap-3 text-sm">
        <label className="flex flex-col gap-1">
          <span className="text-xs text-slate-500">Order</span>
          <select value={order} disabled={live} onChange={(e) => setOrder(e.target.value === "oldest" ? "oldest" : "newest")} className="rounded border border-slate-300 px-2 py-1">
            <option value="newest">Newest first</option>
            <option value="oldest">Oldest first</option>
          </select>
        </label>
        <label className="flex flex-col gap-1">
          <span className="text-xs text-slate-500">Partition</span>
          <select
            value={partition === undefined ? "all" : String(partition)}
            onChange={(e) => setPartition(e.target.value === "all" ? undefined : Number(e.target.value))}
            className="rounded border border-slate-300 px-2 py-1"
          >
            <option value="all">All</option>
            {(first?.partitions ?? []).map((p) => (
              <option key={p.partition} value={p.partition}>
                {p.partition} ({p.logStartOffset.toLocaleString()}–{p.logEndOffset.toLocaleString()})
              </option>
            ))}
          </select>
        </label>
        <form
          className="flex items-end gap-1"
          onSubmit={(e) => {
            e.preventDefault();
            applyOffset();
          }}
        >
          <label className="flex flex-col gap-1">
            <span className="text-xs text-slate-500">Seek to offset</span>
            <input type="number" min={0} value={offsetInput} onChange={(e) => setOffsetInput(e.target.value)} disabled={live} className="w-32 rounded border border-slate-300 px-2 py-1" />
          </label>
          <button type="submit" disabled={live} className="rounded border border-slate-300 px-2 py-1 hover:bg-slate-50 disabled:opacity-50">
            Go
          </button>
        </form>
        <form
          className="flex items-end gap-1"
          onSubmit={(e) => {
            e.preventDefault();
            applyTime();
          }}
        >
          <label className="flex flex-col gap-1">
            <span className="text-xs text-slate-500">Seek to time</span>
            <input type="datetime-local" value={timeInput} onChange={(e) => setTimeInput(e.target.value)} disabled={live} className="rounded border border-slate-300 px-2 py-1" />
          </label>
          <button type="submit" disabled={live} className="rounded border border-slate-300 px-2 py-1 hover:bg-slate-50 disabled:opacity-50">
            Go
          </button>
        </form>
        {seek.kind !== "none" && !live ? (
          <button type="button" onClick={() => setSeek({ kind: "none" })} className="rounded border border-slate-300 px-2 py-1 text-xs hover:bg-slate-50">
            Clear seek ({seek.kind === "offset" ? `offset ${seek.offset}` : new Date(seek.timestampMs).toLocaleString()})
          </button>
        ) : null}
        <label className="flex items-center gap-2 pb-1">
          <input type="checkbox" checked={live} onChange={(e) => toggleLive(e.target.checked)} data-testid="live-tail" />
          Live tail (newest, every 2 s)
        </label>
        <label className="flex items-center gap-2 pb-1" title="Records written in transactions that were aborted: consumers reading committed data never saw them. Shown marked; never replayed.">
          <input type="checkbox" checked={showAborted} onChange={(e) => void setShowAborted(e.target.checked || null)} data-testid="show-aborted" />
          Show aborted
        </label>
        {pages.isFetching ? <span className="pb-1 text-xs text-slate-500">reading…</span> : null}
      </div>

      {pages.error ? (
        <div className="space-y-2">
          <ErrorBox title="Could not read the DLQ topic" message={pages.error.message} />
          <button type="button" onClick={() => void pages.refetch()} className="rounded border border-slate-300 px-3 py-1 text-sm hover:bg-slate-50">
            Retry
          </button>
        </div>
      ) : null}
      {pages.isPending ? <p className="text-sm text-slate-500">Reading the newest records…</p> : null}
      {pages.data ? (
        <>
          <SplitView detail={selectedId ? <MessageDetail key={selectedId} dlq={dlq} id={selectedId} onClose={() => void setSelectedId(null)} /> : null}>
            <MessageTable messages={messages} selectedId={selectedId} onSelect={(m) => void setSelectedId(m.id)} emptyText="No records in this range." />
          </SplitView>
          <div className="flex items-center gap-3 text-sm text-slate-600">
            <span>
              {messages.length.toLocaleString()} record{messages.length === 1 ? "" : "s"} loaded
              {first?.payloadsWithheld ? " · payloads withheld for your role" : ""}
            </span>
            {pages.hasNextPage && !live ? (
              <button
                type="button"
                onClick={() => void pages.fetchNextPage()}
                disabled={pages.isFetchingNextPage}
                className="rounded border border-slate-300 px-3 py-1 hover:bg-slate-50 disabled:opacity-50"
              >
                {pages.isFetchingNextPage ? "Loading…" : "Load more"}
              </button>
            ) : null}
            {!pages.hasNextPage ? <span className="text-xs text-slate-500">End of the topic in this direction.</span> : null}
          </div>
        </>
      ) : null}
    </div>
  );
}
