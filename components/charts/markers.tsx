"use client";

import { useQuery } from "@tanstack/react-query";
import { ReferenceLine } from "recharts";
import { useTRPC } from "../trpc";
import type { BrokerKind } from "~/server/brokers/registry";

/** Something that happened at a moment, drawn as a vertical line where it happened. */
export interface ChartMarker {
  t: number;
  kind: "replay" | "alert";
  label: string;
}

const colours = { replay: "#d97706", alert: "#dc2626" } as const;

/** The markers as recharts reference lines (spread into a chart), outside the shown span left out. */
export function markerLines(markers: ChartMarker[], domain: [number, number], yAxisId?: string) {
  return markers
    .filter((m) => m.t >= domain[0] && m.t <= domain[1])
    .map((m, index) => (
      <ReferenceLine
        key={`${m.kind}-${m.t}-${index}`}
        x={m.t}
        yAxisId={yAxisId}
        stroke={colours[m.kind]}
        strokeDasharray="2 3"
        ifOverflow="hidden"
        className={`chart-marker chart-marker-${m.kind}`}
        label={{ value: m.kind === "replay" ? "▼ replay" : "▲ alert", position: "insideTopLeft", fontSize: 10, fill: colours[m.kind] }}
      >
        <title>{m.label}</title>
      </ReferenceLine>
    ));
}

/** Replay, discard and move jobs that ran on these DLQs (the latest 100 jobs are looked at). */
export function useReplayMarkers(kind: BrokerKind, connection: string, names: string[]): ChartMarker[] {
  const trpc = useTRPC();
  const jobs = useQuery(trpc.replayJobs.list.queryOptions({ limit: 100 }, { refetchInterval: 15_000 }));
  const wanted = new Set(names);
  return (jobs.data ?? [])
    .filter((job) => job.kind === kind && job.connection === connection && wanted.has(job.dlq) && job.startedAt)
    .map((job) => ({ t: job.startedAt!.getTime(), kind: "replay" as const, label: `${job.action} job ${job.id.slice(0, 8)} on ${job.dlq}` }));
}

/** Alerts that started firing on this object (a consumer group, a DLQ…), from the alert history. */
export function useAlertMarkers(object: string): ChartMarker[] {
  const trpc = useTRPC();
  const history = useQuery(trpc.alerts.history.queryOptions({ object: object.slice(0, 200), toState: "firing", limit: 100 }, { refetchInterval: 15_000 }));
  return (history.data ?? []).map((entry) => ({ t: entry.at.getTime(), kind: "alert" as const, label: `${entry.ruleName}: ${entry.summary}` }));
}
