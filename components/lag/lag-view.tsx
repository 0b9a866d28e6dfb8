"use client";

import { keepPreviousData, skipToken, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Card, ErrorBox, PageHeader } from "../ui";
import { useTRPC } from "../trpc";
import { ConnectionPicker } from "./connection-picker";
import type { PartitionStatus } from "./format";
import { GroupsTable, type GroupSort } from "./groups-table";
import { Pagination } from "./pagination";
import { SnapshotBanner } from "./snapshot-banner";
import type { SortDir } from "./sort-header";
import { StatusFilter } from "./status-filter";
import { useDebounced } from "./use-debounced";

const REFRESH_MS = 5_000;
const PAGE_SIZE = 50;
/** Names and states read best A→Z; numbers and statuses worst first. */
const firstDirection: Record<GroupSort, SortDir> = {
  group: "asc",
  state: "asc",
  members: "desc",
  totalLag: "desc",
  maxLag: "desc",
  lagSeconds: "desc",
  status: "desc",
};

export function LagView({ initialConnection }: { initialConnection?: string }) {
  const trpc = useTRPC();
  const connections = useQuery(trpc.connections.list.queryOptions({ refresh: false }, { refetchInterval: 15_000 }));
  const kafka = (connections.data ?? []).filter((c) => c.kind === "kafka");

  const [picked, setPicked] = useState(initialConnection);
  const connection = kafka.find((c) => c.name === picked)?.name ?? kafka[0]?.name;

  const [search, setSearch] = useState("");
  const debouncedSearch = useDebounced(search.trim(), 300);
  const [statuses, setStatuses] = useState<PartitionStatus[]>([]);
  const [sortBy, setSortBy] = useState<GroupSort>("status");
  const [sortDir, setSortDir] = useState<SortDir>("desc");
  const [page, setPage] = useState(0);

  const groups = useQuery(
    trpc.lag.groups.queryOptions(
      connection
        ? {
            connection,
            search: debouncedSearch || undefined,
            statuses: statuses.length > 0 ? statuses : undefined,
            sortBy,
            sortDir,
            page,
            pageSize: PAGE_SIZE,
          }
        : skipToken,
      { refetchInterval: REFRESH_MS, placeholderData: keepPreviousData },
    ),
  );

  const sort = (column: GroupSort) => {
    if (column === sortBy) setSortDir(sortDir === "asc" ? "desc" : "asc");
    else {
      setSortBy(column);
      setSortDir(firstDirection[column]);
    }
    setPage(0);
  };

  const pickConnection = (name: string) => {
    setPicked(name);
    setPage(0);
    // Keeps the choice across reloads and the group page's back link.
    window.history.replaceState(null, "", `/lag?connection=${encodeURIComponent(name)}`);
  };

  // A page past the end (the list shrank between refreshes) shows nothing: go back to the last page.
  const total = groups.data?.total ?? 0;
  const lastPage = Math.max(0, Math.ceil(total / PAGE_SIZE) - 1);
  const shownPage = groups.data && page > lastPage ? lastPage : page;
  if (shownPage !== page) setPage(shownPage);

  return (
    <div className="space-y-4">
      <PageHeader title="Consumer lag">
        {kafka.length > 0 && connection ? <ConnectionPicker connections={kafka} value={connection} onChange={pickConnection} /> : null}
        {groups.isFetching ? <span className="text-xs">refreshing…</span> : null}
      </PageHeader>

      {connections.error ? <ErrorBox title="Could not load the connections" message={connections.error.message} /> : null}
      {connections.data && kafka.length === 0 ? <p className="text-sm text-slate-500">No Kafka connection configured.</p> : null}
      {groups.error ? <ErrorBox title="Could not load the consumer groups" message={groups.error.message} /> : null}
      {groups.data ? <SnapshotBanner snapshot={groups.data.snapshot} /> : null}

      {connection ? (
        <Card
          title="Consumer groups"
          aside={
            <input
              type="search"
              value={search}
              onChange={(event) => {
                setSearch(event.target.value);
                setPage(0);
              }}
              placeholder="Search group id…"
              aria-label="Search consumer groups"
              data-testid="group-search"
              className="w-64 rounded border border-slate-300 px-2 py-1 text-sm"
            />
          }
        >
          <div className="mb-3 flex flex-wrap items-center justify-between gap-2">
            <StatusFilter
              selected={statuses}
              onChange={(next) => {
                setStatuses(next);
                setPage(0);
              }}
            />
            {groups.data ? <Pagination page={page} pageSize={PAGE_SIZE} total={groups.data.total} onPage={setPage} /> : null}
          </div>
          {groups.isPending ? <p className="text-sm text-slate-500">Loading consumer groups…</p> : null}
          {groups.data ? (
            groups.data.rows.length > 0 ? (
              <GroupsTable connection={connection} rows={groups.data.rows} sortBy={sortBy} sortDir={sortDir} onSort={sort} />
            ) : (
              <p className="text-sm text-slate-500">
                {groups.data.snapshot.sampledAt
                  ? debouncedSearch || statuses.length > 0
                    ? "No consumer group matches the search and filters."
                    : "This cluster has no consumer groups."
                  : groups.data.snapshot.lastRunOk
                    ? "The last collection found no consumer groups on this cluster."
                    : "No snapshot has been collected for this connection yet."}
              </p>
            )
          ) : null}
        </Card>
      ) : null}
    </div>
  );
}
