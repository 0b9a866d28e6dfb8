"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "../trpc";

/**
 * The number of sagas that need a human (a failed compensation, a step that died in a DLQ) across the application
 * databases, polled for the navigation. Sagas only waiting behind a slow participant are not counted here.
 */
export function StuckSagasBadge() {
  const trpc = useTRPC();
  const stuck = useQuery(trpc.sagas.stuckCount.queryOptions(undefined, { refetchInterval: 15_000, retry: false }));
  const total = stuck.data?.total ?? 0;
  const waiting = stuck.data?.waiting ?? 0;
  if (total === 0) return null;
  return (
    <span
      className="ml-auto rounded-full bg-red-600 px-1.5 text-xs font-semibold tabular-nums text-white"
      title={`${total.toLocaleString()} saga${total === 1 ? " needs" : "s need"} a human (${waiting.toLocaleString()} more waiting on a participant)`}
      data-testid="stuck-sagas-badge"
    >
      {total > 9_999 ? "9999+" : total.toLocaleString()}
    </span>
  );
}
