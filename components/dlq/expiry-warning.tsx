"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "../trpc";
import { formatDateTime, formatDuration, resourceNoun } from "./format";
import type { DlqRef } from "./types";

/**
 * Warns of dead letters retention deletes within a day, before anyone has looked at them. SQS counts the
 * retention from the original enqueue time (which a DLQ keeps), so a message can be near its end on arrival.
 */
export function ExpiryWarning({ dlq, snapshotId }: { dlq: DlqRef; snapshotId?: string }) {
  const trpc = useTRPC();
  const expiring = useQuery(
    trpc.dlq.expiring.queryOptions({ kind: dlq.kind, connection: dlq.connection, dlq: dlq.dlq, snapshotId }, { refetchInterval: 60_000, staleTime: 30_000 }),
  );
  const data = expiring.data;
  if (!data || data.count === 0 || data.retentionMs === null) return null;
  return (
    <p role="alert" className="rounded border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900" data-testid="expiry-warning">
      <span className="font-semibold">{data.count.toLocaleString()}</span> message{data.count === 1 ? "" : "s"} will expire within a day
      {data.firstAtMs ? <> (the first at {formatDateTime(data.firstAtMs)})</> : null}: this {resourceNoun(dlq.kind)} keeps messages{" "}
      {formatDuration(data.retentionMs)}, counted from the {data.countsFrom}. Replay or export them before they are gone.
    </p>
  );
}
