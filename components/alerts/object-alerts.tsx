"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import type { ObjectRef } from "~/server/alerts/queries";
import { useTRPC } from "../trpc";
import { since, StateBadge } from "./shared";

/**
 * The firing and pending alerts of the object a page shows (a group, a DLQ, a database's sagas), each linked
 * to its rule; nothing at all while none is active, so pages stay quiet.
 */
export function ObjectAlerts({ of }: { of: ObjectRef }) {
  const trpc = useTRPC();
  const alerts = useQuery(trpc.alerts.forObject.queryOptions(of, { refetchInterval: 10_000 }));
  const rows = alerts.data ?? [];
  if (rows.length === 0) return null;
  const firing = rows.some((a) => a.state === "firing" && !a.silencedBy);
  return (
    <div role="status" data-testid="object-alerts" className={`rounded border p-3 text-sm ${firing ? "border-red-300 bg-red-50" : "border-amber-300 bg-amber-50"}`}>
      <div className="mb-1 flex items-baseline justify-between">
        <span className="font-medium">Alerts</span>
        <Link href="/alerts" className="text-xs text-sky-700 hover:underline">
          All alerts →
        </Link>
      </div>
      <ul className="space-y-1">
        {rows.map((a) => (
          <li key={`${a.ruleId}/${a.objectKey}`} className="flex flex-wrap items-center gap-2" data-testid="object-alert">
            <StateBadge state={a.state} />
            {a.silencedBy ? <span className="text-xs text-slate-500">silenced</span> : null}
            <Link href={`/alerts/rules/${a.ruleId}`} className="font-medium text-sky-700 hover:underline">
              {a.ruleName}
            </Link>
            <span className="text-xs text-slate-500">{a.severity}</span>
            <span className="text-slate-700">{a.summary}</span>
            <span className="text-xs text-slate-500" title={a.since?.toLocaleString()}>
              since {since(a.since)}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
