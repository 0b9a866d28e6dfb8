"use client";

import { formatTime } from "../ui";
import { durationText } from "./format";
import type { Snapshot } from "./types";
import { useNow } from "./use-now";
import { brokerLabel } from "../dlq/format";

function ago(date: Date, now: number): string {
  return `${durationText((now - date.getTime()) / 1000)} ago`;
}

/**
 * Where the numbers come from: the newest stored snapshot and its age. When the newest collection
 * failed, says so in red; the page goes on showing the last good snapshot.
 */
export function SnapshotBanner({ snapshot, labelled = false }: { snapshot: Snapshot; labelled?: boolean }) {
  const now = useNow();
  const { sampledAt, lastRunOk, lastError, lastRunAt } = snapshot;
  const label = `${brokerLabel(snapshot.kind)} · ${snapshot.connection}`;
  return (
    <div className="space-y-2">
      {lastRunOk === false ? (
        <div role="alert" data-testid="snapshot-error" className="rounded border border-red-200 bg-red-50 p-3 text-sm text-red-800">
          <div className="font-medium">
            Collecting from {label} failed{lastRunAt ? ` at ${formatTime(lastRunAt)}` : ""}
          </div>
          <div className="mt-1 break-words font-mono text-xs">{lastError ?? "no error message recorded"}</div>
          <div className="mt-1">
            {sampledAt
              ? `Showing the last snapshot from ${formatTime(sampledAt)} (${ago(sampledAt, now)}).`
              : "There is no earlier snapshot to show."}
          </div>
        </div>
      ) : null}
      <p className="text-xs text-slate-500" data-testid="snapshot-age">
        {labelled ? <span className="font-medium text-slate-600">{label}: </span> : null}
        {sampledAt
          ? `Snapshot from ${formatTime(sampledAt)} (${ago(sampledAt, now)})`
          : lastRunAt
            ? `Last collected at ${formatTime(lastRunAt)} (${ago(lastRunAt, now)}); nothing of this kind has been stored from it yet.`
            : `No snapshot yet: the collector has not run for ${label}.`}
      </p>
    </div>
  );
}
