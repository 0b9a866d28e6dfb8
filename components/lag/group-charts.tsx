"use client";

import { useQuery } from "@tanstack/react-query";
import { ChartFrame } from "../charts/chart-frame";
import { LagHistoryChart } from "../charts/lag-history-chart";
import { useAlertMarkers } from "../charts/markers";
import { RangeSelector } from "../charts/range-selector";
import { bucketText, type ChartRange } from "../charts/ranges";
import { RateHistoryChart } from "../charts/rate-history-chart";
import { Card } from "../ui";
import { useTRPC } from "../trpc";

export interface ChartScope {
  topic?: string;
  partition?: number;
}

const REFRESH_MS = 5_000;

export function GroupCharts({
  connection,
  groupId,
  scope,
  onClearScope,
  range,
  onRange,
}: {
  connection: string;
  groupId: string;
  scope: ChartScope;
  onClearScope: () => void;
  range: ChartRange;
  onRange: (range: ChartRange) => void;
}) {
  const trpc = useTRPC();
  const history = useQuery(
    trpc.lag.history.queryOptions(
      { connection, groupId, range, topic: scope.topic, partition: scope.topic === undefined ? undefined : scope.partition },
      { refetchInterval: REFRESH_MS },
    ),
  );
  const points = history.data?.points ?? [];
  const alerts = useAlertMarkers(groupId);
  const scopeText =
    scope.topic === undefined
      ? "all topics and partitions"
      : scope.partition === undefined
        ? `topic ${scope.topic}`
        : `topic ${scope.topic}, partition ${scope.partition}`;
  const error = history.error ? `Could not load the history: ${history.error.message}` : null;

  return (
    <Card
      title={
        <span>
          History · <span className="font-normal text-slate-600" data-testid="chart-scope">{scopeText}</span>
          {scope.topic !== undefined ? (
            <button type="button" onClick={onClearScope} className="ml-2 text-xs font-normal text-sky-700 underline">
              show the whole group
            </button>
          ) : null}
        </span>
      }
      aside={
        <div className="flex items-center gap-2">
          {history.data ? <span className="text-xs text-slate-400">averaged per {bucketText(history.data.bucketSeconds)}</span> : null}
          <RangeSelector value={range} onChange={onRange} />
        </div>
      }
    >
      <div className="grid gap-4 lg:grid-cols-2">
        <ChartFrame title="Lag: messages and time (the oldest unconsumed message)" isPending={history.isPending} error={error} empty={points.length === 0}>
          <LagHistoryChart points={points} range={range} markers={alerts} />
        </ChartFrame>
        <ChartFrame title="Produce vs consume rate (messages per second)" isPending={history.isPending} error={error} empty={points.length < 2}>
          <RateHistoryChart points={points} range={range} />
        </ChartFrame>
      </div>
    </Card>
  );
}
