"use client";

import Link from "next/link";
import { formatNumber, groupHref } from "./format";
import { LagSecondsText } from "./lag-seconds-text";
import { SortHeader, type SortDir } from "./sort-header";
import { StatusBadge } from "./status-badge";
import { TrendText } from "./trend-text";
import type { GroupRow } from "./types";
import { NAV_ROW_FOCUS, navRow } from "../keyboard-shortcuts";

export type GroupSort = "group" | "state" | "members" | "totalLag" | "maxLag" | "lagSeconds" | "status";

export function GroupsTable({
  connection,
  rows,
  sortBy,
  sortDir,
  onSort,
}: {
  connection: string;
  rows: GroupRow[];
  sortBy: GroupSort;
  sortDir: SortDir;
  onSort: (column: GroupSort) => void;
}) {
  const header = { sortBy, sortDir, onSort };
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm">
        <thead className="text-xs uppercase text-slate-500">
          <tr>
            <SortHeader column="group" label="Group" {...header} />
            <SortHeader column="state" label="State" {...header} />
            <SortHeader column="members" label="Members" align="right" {...header} />
            <th scope="col" className="py-1 pr-3 font-medium">
              Protocol
            </th>
            <th scope="col" className="py-1 pr-3 text-right font-medium">
              Topics
            </th>
            <SortHeader column="totalLag" label="Total lag" align="right" {...header} />
            <SortHeader column="maxLag" label="Max lag" align="right" {...header} />
            <SortHeader column="lagSeconds" label="Lag (time)" align="right" {...header} />
            <SortHeader column="status" label="Status" {...header} />
            <th scope="col" className="py-1 pr-3 font-medium">
              Trend
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr
              key={row.groupId}
              {...navRow}
              className={`border-t border-slate-100 hover:bg-slate-50 ${NAV_ROW_FOCUS}`}
              data-testid={`group-row-${row.groupId}`}
            >
              <td className="max-w-md py-1 pr-3">
                <Link href={groupHref(connection, row.groupId)} className="break-all font-mono text-sky-700 hover:underline">
                  {row.groupId}
                </Link>
                {row.expiredPartitions > 0 ? (
                  <span className="ml-2 text-xs font-medium text-red-700" title="Committed offsets below log start: messages expired unconsumed">
                    data loss on {row.expiredPartitions} partition{row.expiredPartitions === 1 ? "" : "s"}
                  </span>
                ) : null}
              </td>
              <td className="py-1 pr-3">{row.state}</td>
              <td className="py-1 pr-3 text-right tabular-nums">{formatNumber(row.members)}</td>
              <td className="py-1 pr-3 text-xs text-slate-600" data-testid="group-type">
                {[row.groupType === "consumer" ? "KIP-848" : null, row.protocolType, row.protocol].filter(Boolean).join(" · ") || <span className="text-slate-400">—</span>}
              </td>
              <td className="py-1 pr-3 text-right tabular-nums" title={row.topics.join(", ")}>
                {formatNumber(row.topics.length)}
              </td>
              <td className="py-1 pr-3 text-right tabular-nums" data-testid="group-total-lag">
                {formatNumber(row.totalLag)}
              </td>
              <td className="py-1 pr-3 text-right tabular-nums">{formatNumber(row.maxLag)}</td>
              <td className="py-1 pr-3 text-right tabular-nums">
                <LagSecondsText seconds={row.maxLagSeconds} kind={row.maxLagSecondsKind} />
              </td>
              <td className="py-1 pr-3" data-testid="group-status">
                <StatusBadge status={row.status} />
              </td>
              <td className="min-w-48 py-1 pr-3">
                <TrendText trend={row.trend} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
