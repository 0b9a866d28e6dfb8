"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useDebounced } from "../lag/use-debounced";
import { Card, ErrorBox, PageHeader } from "../ui";
import { useTRPC } from "../trpc";
import { AuditFilterBar, useAuditFilters } from "./audit-filters";
import { summarizeAudit } from "./summary";
import { NAV_ROW_FOCUS, navRow } from "../keyboard-shortcuts";

const WHAT = /^[A-Za-z0-9.]*$/;

export function AuditView() {
  const trpc = useTRPC();
  const [filters, setFilters] = useAuditFilters();
  const who = useDebounced(filters.who.trim());
  const what = useDebounced(filters.what.trim());
  // Refused before asking: the server would refuse the same (server/audit/list.ts).
  const problem =
    filters.from && filters.to && filters.from > filters.to
      ? "The start of the range is after its end."
      : WHAT.test(what)
        ? null
        : "What is a procedure name such as replay.one, or its area such as replay.";
  const input = {
    limit: 50,
    actor: who || undefined,
    action: what || undefined,
    outcome: filters.outcome ?? undefined,
    from: filters.from ?? undefined,
    to: filters.to ?? undefined,
  };
  const audit = useInfiniteQuery(
    trpc.audit.list.infiniteQueryOptions(input, { getNextPageParam: (page) => page.nextCursor ?? undefined, enabled: problem === null }),
  );
  const rows = audit.data?.pages.flatMap((page) => page.rows) ?? [];
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;

  return (
    <div>
      <PageHeader title="Audit log" />
      <Card title="Every change made through Redrive, newest first (append-only)">
        <AuditFilterBar filters={filters} onChange={(next) => void setFilters(next)} />
        {problem ? <ErrorBox title="Check the filters" message={problem} /> : null}
        {audit.error ? <ErrorBox title="Could not load the audit log" message={audit.error.message} /> : null}
        <table className="w-full table-fixed text-left text-sm">
          <thead className="text-xs uppercase text-slate-500">
            <tr>
              <th className="w-44 py-1 pr-3 font-medium">When ({zone})</th>
              <th className="w-40 py-1 pr-3 font-medium">Who</th>
              <th className="py-1 pr-3 font-medium">What</th>
              <th className="w-24 py-1 pr-3 font-medium">Outcome</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => {
              const summary = summarizeAudit(row);
              return (
                <tr key={row.id} {...navRow} className={`border-t border-slate-100 align-top ${NAV_ROW_FOCUS}`} data-testid="audit-row">
                  <td className="py-1 pr-3 tabular-nums">{row.at.toLocaleString(undefined, { hour12: false })}</td>
                  <td className="truncate py-1 pr-3" title={row.actorName}>
                    {row.actorName}
                    <span className="ml-1 text-xs text-slate-400">{row.actorKind}</span>
                  </td>
                  <td className="min-w-0 py-1 pr-3">
                    <div className="truncate" title={summary.text} data-testid="audit-summary">
                      {summary.href ? (
                        <Link href={summary.href} className="text-sky-700 hover:underline" data-testid="audit-link">
                          {summary.text}
                        </Link>
                      ) : (
                        summary.text
                      )}
                    </div>
                    <details className="text-xs text-slate-500">
                      <summary className="cursor-pointer font-mono">{row.procedure}</summary>
                      <pre className="whitespace-pre-wrap break-all font-mono">{JSON.stringify(row.parameters, null, 2)}</pre>
                    </details>
                  </td>
                  <td className="py-1 pr-3">
                    {row.outcome === "ok" ? <span className="text-emerald-700">ok</span> : <span className="text-red-700" title={row.error ?? ""}>refused</span>}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {audit.data && rows.length === 0 ? <p className="py-3 text-sm text-slate-500">No entry matches these filters.</p> : null}
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
