"use client";

import { formatNumber } from "./format";
import { LagSecondsText } from "./lag-seconds-text";
import { StatusBadge } from "./status-badge";
import type { PartitionRow } from "./types";

export interface PartitionKey {
  topic: string;
  partition: number;
}

export function PartitionsTable({
  partitions,
  selected,
  onSelect,
}: {
  partitions: PartitionRow[];
  selected: PartitionKey | undefined;
  onSelect: (key: PartitionKey) => void;
}) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm">
        <thead className="text-xs uppercase text-slate-500">
          <tr>
            <th scope="col" className="py-1 pr-3 font-medium">Topic</th>
            <th scope="col" className="py-1 pr-3 text-right font-medium">Partition</th>
            <th scope="col" className="py-1 pr-3 text-right font-medium">Committed</th>
            <th scope="col" className="py-1 pr-3 text-right font-medium">Log start</th>
            <th scope="col" className="py-1 pr-3 text-right font-medium">Log end</th>
            <th scope="col" className="py-1 pr-3 text-right font-medium">Lag</th>
            <th scope="col" className="py-1 pr-3 text-right font-medium">Lag (time)</th>
            <th scope="col" className="py-1 pr-3 font-medium">Owner</th>
            <th scope="col" className="py-1 pr-3 font-medium">Status</th>
          </tr>
        </thead>
        <tbody>
          {partitions.map((p) => {
            const active = selected?.topic === p.topic && selected.partition === p.partition;
            const expired = p.committedOffset !== null && p.committedOffset < p.logStartOffset ? p.logStartOffset - p.committedOffset : 0;
            return (
              <tr
                key={`${p.topic}/${p.partition}`}
                onClick={() => onSelect({ topic: p.topic, partition: p.partition })}
                aria-selected={active}
                data-testid={`partition-row-${p.topic}-${p.partition}`}
                className={`cursor-pointer border-t border-slate-100 align-top ${active ? "bg-sky-50" : expired > 0 ? "bg-red-50/60 hover:bg-red-50" : "hover:bg-slate-50"}`}
              >
                <td className="py-1 pr-3 break-all font-mono">{p.topic}</td>
                <td className="py-1 pr-3 text-right tabular-nums">
                  <button type="button" className="text-sky-700 hover:underline" title="Show this partition in the charts">
                    {p.partition}
                  </button>
                </td>
                <td className="py-1 pr-3 text-right tabular-nums">
                  {p.committedOffset === null ? <span className="text-slate-400">no commit</span> : formatNumber(p.committedOffset)}
                  {expired > 0 ? (
                    <div className="whitespace-nowrap text-xs font-medium text-red-700" data-testid="partition-data-loss">
                      data loss: {expired.toLocaleString()} message{expired === 1 ? "" : "s"} expired before they were consumed
                    </div>
                  ) : null}
                </td>
                <td className="py-1 pr-3 text-right tabular-nums">{formatNumber(p.logStartOffset)}</td>
                <td className="py-1 pr-3 text-right tabular-nums">{formatNumber(p.logEndOffset)}</td>
                <td className="py-1 pr-3 text-right tabular-nums" data-testid="partition-lag">
                  {formatNumber(p.lag)}
                </td>
                <td className="py-1 pr-3 text-right tabular-nums">
                  <LagSecondsText seconds={p.lagSeconds} kind={p.lagSecondsKind} />
                </td>
                <td className="max-w-48 truncate py-1 pr-3 font-mono text-xs text-slate-600" title={p.ownerMember ?? undefined}>
                  {p.ownerMember ?? <span className="text-slate-400">unassigned</span>}
                </td>
                <td className="py-1 pr-3" data-testid="partition-status">
                  <StatusBadge status={p.status} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
