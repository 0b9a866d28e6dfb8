"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { ObjectAlerts } from "../alerts/object-alerts";
import { useChartRange } from "../url-state";
import { Card, ErrorBox, PageHeader } from "../ui";
import { useTRPC } from "../trpc";
import { GroupCharts, type ChartScope } from "./group-charts";
import { GroupHeader } from "./group-header";
import { GroupMembers } from "./group-members";
import { PartitionsTable, type PartitionKey } from "./partitions-table";
import { SnapshotBanner } from "./snapshot-banner";
import { TopicsTable } from "./topics-table";

const REFRESH_MS = 5_000;

export function GroupView({ connection, groupId }: { connection: string; groupId: string }) {
  const trpc = useTRPC();
  const detail = useQuery(trpc.lag.group.queryOptions({ connection, groupId }, { refetchInterval: REFRESH_MS }));
  const [range, setRange] = useChartRange("1h");
  const [scope, setScope] = useState<ChartScope>({});

  // Clicking the selected topic or partition again goes back to the whole group.
  const selectTopic = (topic: string) => setScope(scope.topic === topic && scope.partition === undefined ? {} : { topic });
  const selectPartition = ({ topic, partition }: PartitionKey) =>
    setScope(scope.topic === topic && scope.partition === partition ? {} : { topic, partition });
  const selectedPartition = scope.topic !== undefined && scope.partition !== undefined ? { topic: scope.topic, partition: scope.partition } : undefined;

  const data = detail.data;
  return (
    <div className="space-y-4">
      <div className="text-sm">
        <Link href={`/lag?connection=${encodeURIComponent(connection)}`} className="text-sky-700 hover:underline">
          ← Consumer groups of {connection}
        </Link>
      </div>
      <PageHeader title={groupId}>
        <span>Kafka · {connection}</span>
        {detail.isFetching ? <span className="text-xs">refreshing…</span> : null}
      </PageHeader>
      <ObjectAlerts of={{ object: "group", connection, name: groupId }} />
      {detail.error ? <ErrorBox title="Could not load the consumer group" message={detail.error.message} /> : null}
      {detail.isPending ? <p className="text-sm text-slate-500">Loading the consumer group…</p> : null}
      {data ? <SnapshotBanner snapshot={data.snapshot} /> : null}
      {data && !data.group ? (
        <p className="text-sm text-slate-500" data-testid="group-missing">
          {data.snapshot.sampledAt
            ? "This group is not in the latest snapshot: it may have been deleted, or it has not been sampled yet."
            : "No snapshot has been collected for this connection yet."}
        </p>
      ) : null}
      {data?.group ? (
        <Card title="Group">
          <GroupHeader group={data.group} />
        </Card>
      ) : null}
      {/* History outlives the group: a deleted group's past lag is still worth seeing. */}
      {data ? (
        <GroupCharts
          connection={connection}
          groupId={groupId}
          scope={scope}
          onClearScope={() => setScope({})}
          range={range}
          onRange={setRange}
        />
      ) : null}
      {data?.group ? (
        <>
          <Card title={`Members (${data.members.length.toLocaleString()})`}>
            <GroupMembers members={data.members} consumerProtocol={data.group.groupType === "consumer"} />
          </Card>
          <Card title={`Topics (${data.topics.length.toLocaleString()}) · click one to chart it`}>
            <TopicsTable topics={data.topics} partitions={data.partitions} selected={scope.partition === undefined ? scope.topic : undefined} onSelect={selectTopic} />
          </Card>
          <Card title={`Partitions (${data.partitions.length.toLocaleString()}) · click one to chart it`}>
            <PartitionsTable partitions={data.partitions} selected={selectedPartition} onSelect={selectPartition} />
          </Card>
        </>
      ) : null}
    </div>
  );
}
