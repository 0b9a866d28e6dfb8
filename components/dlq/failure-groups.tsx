"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { ErrorBox } from "../ui";
import { useTRPC } from "../trpc";
import { BulkReplayButton } from "../replay-jobs/bulk-replay-button";
import { formatDateTime, shortClass } from "./format";
import { bulkReplayable, type DlqRef, type FailureGroup } from "./types";
import { useCapabilities } from "../connections/use-capabilities";

/** 24 bars, oldest hour first; heights relative to the busiest hour. */
function HourlyTrend({ hourly }: { hourly: number[] }) {
  const max = Math.max(1, ...hourly);
  return (
    <div className="flex h-6 w-24 items-end gap-px" aria-label={`Last 24 hours: ${hourly.reduce((a, b) => a + b, 0)} messages`} role="img">
      {hourly.map((count, index) => (
        <div
          key={index}
          className={count > 0 ? "flex-1 bg-rose-400" : "flex-1 bg-slate-200"}
          style={{ height: `${count > 0 ? Math.max(12, Math.round((count / max) * 100)) : 6}%` }}
          title={`${count} in hour ${index - 23 === 0 ? "now" : `${index - 23} h`}`}
        />
      ))}
    </div>
  );
}

export function FailureGroups({ dlq, onPick }: { dlq: DlqRef; onPick: (group: FailureGroup) => void }) {
  const trpc = useTRPC();
  const [bySchema, setBySchema] = useState(false);
  const groups = useQuery(
    trpc.dlq.groups.queryOptions({ kind: dlq.kind, connection: dlq.connection, dlq: dlq.dlq, groupBy: bySchema ? "schema" : "failure" }, { staleTime: 30_000 }),
  );
  const data = groups.data;
  const caps = useCapabilities(dlq.kind, dlq.connection);
  const snapshots = caps?.includes("snapshot-browsing") ?? false;

  return (
    <div className="space-y-3">
      {groups.error ? <ErrorBox title="Could not group the failures" message={groups.error.message} /> : null}
      {groups.isPending ? <p className="text-sm text-slate-500">Reading the newest messages and grouping them…</p> : null}
      {data ? (
        <>
          <p className="text-xs text-slate-500" data-testid="groups-basis">
            {data.scanned < data.retained
              ? `Based on the newest ${data.scanned.toLocaleString()} of ${data.retained.toLocaleString()} messages.`
              : `Based on all ${data.scanned.toLocaleString()} messages${snapshots ? " of the latest snapshot" : ""}.`}{" "}
            Grouped by origin, exception class and the error message with ids and numbers normalised. Click a group to list exactly its messages (by the group&apos;s fingerprint).
            {groups.isFetching ? " Refreshing…" : null}
          </p>
          {caps?.includes("schema-registry") ? (
            <label className="flex items-center gap-2 text-xs text-slate-600">
              <input type="checkbox" checked={bySchema} onChange={(event) => setBySchema(event.target.checked)} data-testid="groups-by-schema" />
              Split by schema id (the schema each value was written with)
            </label>
          ) : null}
          {data.groups.length === 0 ? (
            <p className="text-sm text-slate-500">{snapshots && data.retained === 0 ? "Take a snapshot first." : "No messages to group."}</p>
          ) : (
            <div className="overflow-x-auto">
              <table className="w-full text-left text-sm">
                <thead className="text-xs uppercase text-slate-500">
                  <tr>
                    <th scope="col" className="py-1 pr-3 text-right font-medium">Count</th>
                    <th scope="col" className="py-1 pr-3 font-medium">Exception</th>
                    <th scope="col" className="py-1 pr-3 font-medium">Origin</th>
                    {bySchema ? <th scope="col" className="py-1 pr-3 font-medium">Schema</th> : null}
                    <th scope="col" className="py-1 pr-3 font-medium">Pattern / example</th>
                    <th scope="col" className="py-1 pr-3 font-medium">Consumer group</th>
                    <th scope="col" className="py-1 pr-3 font-medium">First seen</th>
                    <th scope="col" className="py-1 pr-3 font-medium">Last seen</th>
                    <th scope="col" className="py-1 pr-3 font-medium">24 h</th>
                    <th scope="col" className="py-1 pr-3 font-medium">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {data.groups.map((group) => (
                    <tr
                      key={group.key}
                      data-testid="failure-group-row"
                      tabIndex={0}
                      onClick={() => onPick(group)}
                      onKeyDown={(event) => {
                        if (event.key === "Enter") onPick(group);
                      }}
                      className="cursor-pointer border-t border-slate-100 align-top hover:bg-slate-50"
                    >
                      <td className="py-1 pr-3 text-right font-semibold tabular-nums" data-testid="failure-group-count">
                        {group.count.toLocaleString()}
                      </td>
                      <td className="py-1 pr-3 font-mono text-xs" title={group.exceptionClass} data-testid="failure-group-class">
                        {shortClass(group.exceptionClass)}
                      </td>
                      <td className="break-all py-1 pr-3 font-mono text-xs">{group.origin}</td>
                      {bySchema ? (
                        <td className="py-1 pr-3 font-mono text-xs" data-testid="failure-group-schema">
                          {group.schemaId === null ? <span className="text-slate-400">none</span> : `id ${group.schemaId}`}
                        </td>
                      ) : null}
                      <td className="max-w-md py-1 pr-3 text-xs">
                        <div className="break-words font-mono text-slate-700">{group.pattern || <span className="text-slate-400">no message</span>}</div>
                        {group.example && group.example !== group.pattern ? <div className="mt-0.5 break-words text-slate-500">e.g. {group.example}</div> : null}
                      </td>
                      <td className="break-all py-1 pr-3 font-mono text-xs">{group.consumerGroup ?? <span className="text-slate-400">—</span>}</td>
                      <td className="py-1 pr-3 text-xs tabular-nums text-slate-600">{formatDateTime(group.firstSeenMs)}</td>
                      <td className="py-1 pr-3 text-xs tabular-nums text-slate-600">{formatDateTime(group.lastSeenMs)}</td>
                      <td className="py-1 pr-3">
                        <HourlyTrend hourly={group.hourly} />
                      </td>
                      <td className="py-1 pr-3">
                        {bulkReplayable(dlq, caps) ? (
                          <BulkReplayButton
                            dlq={dlq}
                            selection={{ source: "group", fingerprint: group.fingerprint, label: `${shortClass(group.exceptionClass)} from ${group.origin}` }}
                            label="Replay group…"
                            className="whitespace-nowrap rounded border border-slate-300 bg-white px-2 py-0.5 text-xs hover:bg-slate-50 disabled:opacity-50"
                          />
                        ) : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      ) : null}
    </div>
  );
}
