"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Card, ErrorBox } from "../ui";
import { useTRPC } from "../trpc";
import { partitionStatuses, type PartitionStatus } from "./format";
import { SnapshotBanner } from "./snapshot-banner";
import { StatusFilter } from "./status-filter";
import { StreamConsumersTable, StreamsTable } from "./stream-consumers-table";
import { useDebounced } from "./use-debounced";
import { useListParam, useTextParam } from "../url-state";

const REFRESH_MS = 5_000;

/** The lag page for a connection whose consumers are cursors on a stream (NATS JetStream). */
export function StreamConsumersView({ connection }: { connection: string }) {
  const trpc = useTRPC();
  const [search, setSearch] = useTextParam("q");
  const debounced = useDebounced(search.trim(), 300);
  const [statuses, setStatuses] = useListParam<PartitionStatus>("status", partitionStatuses);
  const list = useQuery(
    trpc.lag.streamConsumers.queryOptions(
      { connection, search: debounced || undefined, statuses: statuses.length > 0 ? statuses : undefined },
      { refetchInterval: REFRESH_MS, placeholderData: keepPreviousData },
    ),
  );
  return (
    <div className="space-y-4">
      {list.error ? <ErrorBox title="Could not load the consumers" message={list.error.message} /> : null}
      {list.data ? <SnapshotBanner snapshot={list.data.snapshot} /> : null}
      <Card
        title="Stream consumers"
        aside={
          <input
            type="search"
            value={search}
            onChange={(event) => void setSearch(event.target.value)}
            placeholder="Search stream or consumer…"
            aria-label="Search stream consumers"
            data-testid="group-search"
            data-shortcut="search"
            className="w-64 rounded border border-slate-300 px-2 py-1 text-sm"
          />
        }
      >
        <div className="mb-3">
          <StatusFilter selected={statuses} onChange={(next) => void setStatuses(next)} />
        </div>
        {list.isPending ? <p className="text-sm text-slate-500">Loading consumers…</p> : null}
        {list.data ? (
          list.data.consumers.length > 0 ? (
            <StreamConsumersTable connection={connection} rows={list.data.consumers} />
          ) : (
            <p className="text-sm text-slate-500">
              {list.data.snapshot.sampledAt
                ? debounced || statuses.length > 0
                  ? "No consumer matches the search and filters."
                  : "No stream on this connection has a consumer."
                : "No snapshot has been collected for this connection yet."}
            </p>
          )
        ) : null}
      </Card>
      {list.data && list.data.streams.length > 0 ? (
        <Card title="Streams">
          <StreamsTable rows={list.data.streams} />
        </Card>
      ) : null}
    </div>
  );
}
