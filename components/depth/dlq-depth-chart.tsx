"use client";

import { useQuery } from "@tanstack/react-query";
import { ChartFrame } from "../charts/chart-frame";
import { DepthHistoryChart } from "../charts/depth-history-chart";
import { useReplayMarkers } from "../charts/markers";
import type { ChartRange } from "../charts/ranges";
import { useTRPC } from "../trpc";
import type { BrokerKind } from "~/server/brokers/registry";
import { brokerLabel } from "../dlq/format";

/** The server charts at most this many names per request. */
export const MAX_NAMES_PER_CHART = 50;

const REFRESH_MS = 15_000;

/** DLQ depth over time for the DLQs of one connection. */
export function DlqDepthChart({ kind, connection, names, range }: { kind: BrokerKind; connection: string; names: string[]; range: ChartRange }) {
  const trpc = useTRPC();
  const charted = names.slice(0, MAX_NAMES_PER_CHART);
  const markers = useReplayMarkers(kind, connection, charted);
  const history = useQuery(trpc.depth.history.queryOptions({ kind, connection, names: charted, range }, { refetchInterval: REFRESH_MS }));
  const title = `${brokerLabel(kind)} · ${connection}${
    names.length > charted.length ? ` (the first ${charted.length} of ${names.length} DLQs)` : ""
  }`;
  return (
    <ChartFrame
      title={title}
      isPending={history.isPending}
      error={history.error ? `Could not load the history: ${history.error.message}` : null}
      empty={(history.data?.points.length ?? 0) === 0}
    >
      <DepthHistoryChart points={history.data?.points ?? []} names={charted} range={range} markers={markers} />
    </ChartFrame>
  );
}
