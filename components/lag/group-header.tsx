import { Stat } from "../ui";
import { formatNumber } from "./format";
import { LagSecondsText } from "./lag-seconds-text";
import { StatusBadge } from "./status-badge";
import { TrendText } from "./trend-text";
import type { GroupRow } from "./types";

export function GroupHeader({ group }: { group: GroupRow }) {
  return (
    <div className="space-y-3">
      <div className="grid grid-cols-2 gap-4 sm:grid-cols-4 lg:grid-cols-8">
        <div>
          <div className="text-xs uppercase tracking-wide text-slate-500">Status</div>
          <div className="mt-1">
            <StatusBadge status={group.status} testId="group-detail-status" />
          </div>
        </div>
        <Stat label="State" value={<span className="text-lg">{group.state}</span>} testId="group-detail-state" />
        <Stat label="Members" value={formatNumber(group.members)} testId="group-detail-members" />
        <Stat
          label="Protocol"
          testId="group-detail-protocol"
          value={<span className="text-lg">{[group.groupType === "consumer" ? "KIP-848" : null, group.protocolType, group.protocol].filter(Boolean).join(" · ") || "—"}</span>}
        />
        {group.groupType === "consumer" ? <Stat label="Group epoch" value={group.epoch ?? "—"} testId="group-detail-epoch" /> : null}
        <Stat label="Total lag" value={formatNumber(group.totalLag)} testId="group-detail-total-lag" />
        <Stat label="Max lag" value={formatNumber(group.maxLag)} testId="group-detail-max-lag" />
        <Stat label="Lag (time)" value={<LagSecondsText seconds={group.maxLagSeconds} kind={group.maxLagSecondsKind} />} testId="group-detail-lag-seconds" />
      </div>
      <p className="text-sm" data-testid="group-detail-trend-line">
        <TrendText trend={group.trend} testId="group-detail-trend" />
      </p>
      {group.expiredPartitions > 0 ? (
        <div role="alert" data-testid="group-data-loss" className="rounded border border-red-300 bg-red-50 p-3 text-sm text-red-800">
          <span className="font-medium">Data loss:</span> on {group.expiredPartitions.toLocaleString()} partition
          {group.expiredPartitions === 1 ? "" : "s"} the committed offset is below the log start, so messages expired before this group
          consumed them. See the partitions marked below.
        </div>
      ) : null}
    </div>
  );
}
