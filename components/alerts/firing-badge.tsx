"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "../trpc";

/** Firing alerts no silence covers, polled for the navigation. */
export function FiringAlertsBadge() {
  const trpc = useTRPC();
  const firing = useQuery(trpc.alerts.firingCount.queryOptions(undefined, { refetchInterval: 10_000, retry: false }));
  const total = firing.data ?? 0;
  if (total === 0) return null;
  return (
    <span className="ml-auto rounded-full bg-red-600 px-1.5 text-xs font-semibold tabular-nums text-white" title={`${total} firing alert${total === 1 ? "" : "s"}`} data-testid="firing-alerts-badge">
      {total > 999 ? "999+" : total}
    </span>
  );
}
