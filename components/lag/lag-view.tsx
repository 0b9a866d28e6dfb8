"use client";

import { keepPreviousData, skipToken, useQuery } from "@tanstack/react-query";
import { Card, ErrorBox, PageHeader } from "../ui";
import { useTRPC } from "../trpc";
import { ConnectionPicker } from "./connection-picker";
import { GroupsTable, type GroupSort } from "./groups-table";
import { Pagination } from "./pagination";
import { SnapshotBanner } from "./snapshot-banner";
import type { SortDir } from "./sort-header";
import { StatusFilter } from "./status-filter";
import { StreamConsumersView } from "./stream-consumers-view";
import { useDebounced } from "./use-debounced";
import { partitionStatuses, type PartitionStatus } from "./format";
import { useListParam, useLiteralParam, usePageParam, useTextParam } from "../url-state";

const REFRESH_MS = 5_000;
const PAGE_SIZE = 50;
const sortColumns = ["group", "state", "members", "totalLag", "maxLag", "lagSeconds", "status"] as const satisfies readonly GroupSort[];
const sortDirections = ["asc", "desc"] as const satisfies readonly SortDir[];

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
  // Lag is per consumer group, or per consumer on a stream: the connections whose broker has them (the server says which can).
  const lagging = (connections.data ?? []).flatMap((c) =>
    c.kind !== "database" && (c.capabilities.includes("consumer-groups") || c.capabilities.includes("stream-consumers")) ? [{ ...c, kind: c.kind }] : [],
  );

  // Every choice on this page is in the URL (components/url-state.ts): reload, back and a pasted link keep it.
  const [picked, setPicked] = useTextParam("connection");
  const [pickedKind, setPickedKind] = useTextParam("broker");
  const chosen = lagging.find((c) => c.name === (picked || initialConnection) && (!pickedKind || c.kind === pickedKind)) ?? lagging[0];
  const streamConsumers = chosen?.capabilities.includes("stream-consumers") ?? false;
  const connection = chosen?.name;

  const [search, setSearch] = useTextParam("q");
  const debouncedSearch = useDebounced(search.trim(), 300);
  const [statuses, setStatuses] = useListParam<PartitionStatus>("status", partitionStatuses);
  const [sortBy, setSortBy] = useLiteralParam<GroupSort>("sort", sortColumns, "status");
  const [sortDir, setSortDir] = useLiteralParam<SortDir>("dir", sortDirections, "desc");
  const [page, setPage] = usePageParam();

  const groups = useQuery(
    trpc.lag.groups.queryOptions(
      connection && !streamConsumers
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
    if (column === sortBy) void setSortDir(sortDir === "asc" ? "desc" : "asc");
    else {
      void setSortBy(column);
      void setSortDir(firstDirection[column]);
    }
    void setPage(0);
  };

  const pickConnection = ({ kind, name }: { kind: string; name: string }) => {
    void setPicked(name);
    void setPickedKind(kind);
    void setPage(0);
  };

  // A page past the end (the list shrank between refreshes) shows nothing: go back to the last page.
  const total = groups.data?.total ?? 0;
  const lastPage = Math.max(0, Math.ceil(total / PAGE_SIZE) - 1);
  const shownPage = groups.data && page > lastPage ? lastPage : page;
  if (shownPage !== page) void setPage(shownPage);

  return (
    <div className="space-y-4">
      <PageHeader title="Consumer lag">
        {chosen ? <ConnectionPicker connections={lagging} value={chosen} onChange={pickConnection} /> : null}
        {groups.isFetching ? <span className="text-xs">refreshing…</span> : null}
      </PageHeader>

      {connections.error ? <ErrorBox title="Could not load the connections" message={connections.error.message} /> : null}
      {connections.data && lagging.length === 0 ? <p className="text-sm text-slate-500">No Kafka or NATS JetStream connection configured.</p> : null}
      {groups.error ? <ErrorBox title="Could not load the consumer groups" message={groups.error.message} /> : null}
      {groups.data ? <SnapshotBanner snapshot={groups.data.snapshot} /> : null}

      {connection && streamConsumers ? <StreamConsumersView connection={connection} /> : null}
      {connection && !streamConsumers ? (
        <Card
          title="Consumer groups"
          aside={
            <input
              type="search"
              value={search}
              onChange={(event) => {
                void setSearch(event.target.value);
                void setPage(0);
              }}
              placeholder="Search group id…"
              aria-label="Search consumer groups"
              data-testid="group-search"
              data-shortcut="search"
              className="w-64 rounded border border-slate-300 px-2 py-1 text-sm"
            />
          }
        >
          <div className="mb-3 flex flex-wrap items-center justify-between gap-2">
            <StatusFilter
              selected={statuses}
              onChange={(next) => {
                void setStatuses(next);
                void setPage(0);
              }}
            />
            {groups.data ? <Pagination page={page} pageSize={PAGE_SIZE} total={groups.data.total} onPage={(next) => void setPage(next)} /> : null}
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
