"use client";

import { formatNumber } from "./format";
import { LagSecondsText } from "./lag-seconds-text";
import { StatusBadge } from "./status-badge";
import type { LagSecondsKind } from "./format";
import type { PartitionRow, TopicRow } from "./types";

/** The per-topic rows carry no kind, so take it from the partition that holds the maximum. */
function kindOfMax(topic: TopicRow, partitions: PartitionRow[]): LagSecondsKind | null {
  if (topic.maxLagSeconds === null) return null;
  const worst = partitions.find((p) => p.topic === topic.topic && p.lagSeconds === topic.maxLagSeconds);
  return worst?.lagSecondsKind ?? "estimated";
}

export function TopicsTable({
  topics,
  partitions,
  selected,
  onSelect,
}: {
  topics: TopicRow[];
  partitions: PartitionRow[];
  selected: string | undefined;
  onSelect: (topic: string) => void;
}) {
  return (
    <table className="w-full text-left text-sm">
      <thead className="text-xs uppercase text-slate-500">
        <tr>
          <th scope="col" className="py-1 pr-3 font-medium">Topic</th>
          <th scope="col" className="py-1 pr-3 text-right font-medium">Partitions</th>
          <th scope="col" className="py-1 pr-3 text-right font-medium">Lag</th>
          <th scope="col" className="py-1 pr-3 text-right font-medium">Max lag (time)</th>
          <th scope="col" className="py-1 pr-3 font-medium">Status</th>
        </tr>
      </thead>
      <tbody>
        {topics.map((topic) => {
          const active = topic.topic === selected;
          return (
            <tr
              key={topic.topic}
              onClick={() => onSelect(topic.topic)}
              aria-selected={active}
              data-testid={`topic-row-${topic.topic}`}
              className={`cursor-pointer border-t border-slate-100 ${active ? "bg-sky-50" : "hover:bg-slate-50"}`}
            >
              <td className="py-1 pr-3">
                <button type="button" className="break-all text-left font-mono text-sky-700 hover:underline" title="Show this topic in the charts">
                  {topic.topic}
                </button>
              </td>
              <td className="py-1 pr-3 text-right tabular-nums">{formatNumber(topic.partitions)}</td>
              <td className="py-1 pr-3 text-right tabular-nums">{formatNumber(topic.lag)}</td>
              <td className="py-1 pr-3 text-right tabular-nums">
                <LagSecondsText seconds={topic.maxLagSeconds} kind={kindOfMax(topic, partitions)} />
              </td>
              <td className="py-1 pr-3">
                <StatusBadge status={topic.status} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
