"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import { Card, ErrorBox, PageHeader } from "./ui";
import { useTRPC } from "./trpc";

export function AuditView() {
  const trpc = useTRPC();
  const audit = useInfiniteQuery(
    trpc.audit.list.infiniteQueryOptions({ limit: 50 }, { getNextPageParam: (page) => page.nextCursor ?? undefined }),
  );
  const rows = audit.data?.pages.flatMap((page) => page.rows) ?? [];

  return (
    <div>
      <PageHeader title="Audit log" />
      {audit.error ? <ErrorBox title="Could not load the audit log" message={audit.error.message} /> : null}
      <Card title="Every change made through Redrive, newest first (append-only)">
        <div className="overflow-x-auto">
          <table className="w-full text-left text-sm">
            <thead className="text-xs uppercase text-slate-500">
              <tr>
                <th className="py-1 pr-3 font-medium">When</th>
                <th className="py-1 pr-3 font-medium">Who</th>
                <th className="py-1 pr-3 font-medium">Procedure</th>
                <th className="py-1 pr-3 font-medium">Parameters</th>
                <th className="py-1 pr-3 font-medium">Outcome</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.id} className="border-t border-slate-100 align-top" data-testid="audit-row">
                  <td className="whitespace-nowrap py-1 pr-3 tabular-nums">{row.at.toLocaleString()}</td>
                  <td className="py-1 pr-3">
                    {row.actorName}
                    <span className="ml-1 text-xs text-slate-400">{row.actorKind}</span>
                  </td>
                  <td className="py-1 pr-3 font-mono">{row.procedure}</td>
                  <td className="max-w-md truncate py-1 pr-3 font-mono text-xs text-slate-600" title={JSON.stringify(row.parameters)}>
                    {JSON.stringify(row.parameters)}
                  </td>
                  <td className="py-1 pr-3">
                    {row.outcome === "ok" ? (
                      <span className="text-emerald-700">ok</span>
                    ) : (
                      <span className="text-red-700" title={row.error ?? ""}>
                        error: {row.error}
                      </span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {audit.hasNextPage ? (
          <button
            type="button"
            className="mt-3 rounded border border-slate-300 px-3 py-1 text-sm hover:bg-slate-50"
            onClick={() => void audit.fetchNextPage()}
            disabled={audit.isFetchingNextPage}
          >
            {audit.isFetchingNextPage ? "Loading…" : "Older entries"}
          </button>
        ) : null}
      </Card>
    </div>
  );
}
