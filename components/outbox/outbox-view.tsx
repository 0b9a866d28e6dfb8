"use client";

import { allows } from "~/server/auth/permissions";
import { useMutation, useQuery, useQueryClient, skipToken } from "@tanstack/react-query";
import { useState } from "react";
import { useChartRange } from "../url-state";
import { ChartFrame } from "../charts/chart-frame";
import { RangeSelector } from "../charts/range-selector";
import { ageText, since, timeText } from "../sagas/format";
import { useTRPC } from "../trpc";
import { Card, ErrorBox, PageHeader, Stat } from "../ui";
import { DatabasePicker } from "./database-picker";
import { IdempotencyInspector } from "./idempotency-inspector";
import { OutboxHistoryChart } from "./outbox-history-chart";

const REFRESH_MS = 5_000;

const verdictStyle: Record<string, string> = {
  ok: "border-green-200 bg-green-50 text-green-900",
  held: "border-amber-200 bg-amber-50 text-amber-900",
  stalled: "border-red-200 bg-red-50 text-red-900",
  unknown: "border-slate-200 bg-slate-50 text-slate-700",
};

export function OutboxView({ initialDatabase }: { initialDatabase?: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const databases = useQuery(trpc.outbox.databases.queryOptions());
  const [picked, setPicked] = useState(initialDatabase);
  const database = databases.data?.find((d) => d.name === picked)?.name ?? databases.data?.[0]?.name;
  const input = database ? { database } : skipToken;
  const [range, setRange] = useChartRange("1h");
  const overview = useQuery(trpc.outbox.overview.queryOptions(input, { refetchInterval: REFRESH_MS }));
  const backlog = useQuery(trpc.outbox.backlog.queryOptions(input, { refetchInterval: REFRESH_MS }));
  const failing = useQuery(trpc.outbox.failing.queryOptions(database ? { database, limit: 100 } : skipToken, { refetchInterval: REFRESH_MS }));
  const blocked = useQuery(trpc.outbox.blocked.queryOptions(input, { refetchInterval: REFRESH_MS }));
  const history = useQuery(trpc.outbox.history.queryOptions(database ? { database, range } : skipToken, { refetchInterval: 15_000 }));
  const me = useQuery(trpc.auth.me.queryOptions(undefined, { staleTime: 60_000 }));
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [reason, setReason] = useState("");
  const requeue = useMutation(
    trpc.outbox.requeue.mutationOptions({
      onSuccess: () => {
        setChosen(new Set());
        setReason("");
        void queryClient.invalidateQueries({ queryKey: trpc.outbox.failing.queryKey() });
        void queryClient.invalidateQueries({ queryKey: trpc.outbox.overview.queryKey() });
      },
    }),
  );
  const o = overview.data;
  const canRequeue = Boolean(o?.capabilities.requeue && o.writable && (me.data ? allows(me.data.grants, "sagas.command", { connection: database ?? undefined, resource: database ?? undefined }) : false));

  return (
    <div className="space-y-4">
      <PageHeader title="Outbox">
        {databases.data && database ? (
          <DatabasePicker
            databases={databases.data}
            value={database}
            onChange={(name) => {
              setPicked(name);
              setChosen(new Set());
              window.history.replaceState(null, "", `/outbox?database=${encodeURIComponent(name)}`);
            }}
          />
        ) : null}
        {overview.isFetching ? <span className="text-xs">refreshing…</span> : null}
      </PageHeader>
      {databases.error ? <ErrorBox title="Could not load the databases" message={databases.error.message} /> : null}
      {databases.data && databases.data.length === 0 ? (
        <p className="text-sm text-slate-500">No application database is configured: add one under <code>databases:</code> in the config.</p>
      ) : null}
      {overview.error ? <ErrorBox title="Could not read the outbox" message={overview.error.message} /> : null}

      {o ? (
        <>
          <div role="status" className={`rounded border p-3 text-sm ${verdictStyle[o.verdict.state]}`} data-testid="relay-verdict" data-state={o.verdict.state}>
            {o.verdict.message}
          </div>
          <Card title={`${o.table} (${o.layout})`} aside={<span className="text-xs text-slate-500">{o.writable ? "writable" : "read-only"} · stall after {o.stallAfterSeconds} s</span>}>
            {o.capabilities.insertOnly ? (
              <div className="space-y-2 text-sm">
                <Stat label="Rows in the table" value={(o.summary.rowsInTable ?? 0).toLocaleString()} testId="outbox-rows" />
                <p className="text-slate-600">
                  Debezium&apos;s outbox is insert-only: rows are never marked published, because the connector reads them from the write-ahead log.
                  The backlog is the connector&apos;s lag (see Consumer lag and the Kafka Connect status), not this table. The numbers below are what the table holds.
                </p>
              </div>
            ) : (
              <div className="grid grid-cols-2 gap-4 md:grid-cols-5">
                <Stat label="Unpublished" value={(o.summary.unpublished ?? 0).toLocaleString()} testId="outbox-unpublished" />
                <Stat label="Oldest unpublished" value={ageText(o.summary.oldestAgeSeconds)} testId="outbox-oldest-age" />
                <Stat label="Published last min" value={o.summary.publishedLastMinute === null ? "—" : o.summary.publishedLastMinute.toLocaleString()} testId="outbox-rate" />
                <Stat label="Last published" value={o.capabilities.publishTimes ? since(o.summary.lastPublishedAt) : "—"} />
                <Stat label="Failing rows" value={o.capabilities.attempts ? o.summary.failing.toLocaleString() : "—"} testId="outbox-failing" />
              </div>
            )}
          </Card>
        </>
      ) : null}

      {database && o && !o.capabilities.insertOnly ? (
        <Card title="History" aside={<RangeSelector value={range} onChange={setRange} />}>
          <ChartFrame title="Unpublished rows, publish rate and oldest age" isPending={history.isPending} error={history.error?.message} empty={(history.data?.points.length ?? 0) === 0}>
            <OutboxHistoryChart points={history.data?.points ?? []} range={range} />
          </ChartFrame>
        </Card>
      ) : null}

      {backlog.data ? (
        <Card title={o?.capabilities.insertOnly ? "Rows by aggregate type and event type" : "Backlog by aggregate type and event type"}>
          {backlog.data.length === 0 ? (
            <p className="text-sm text-slate-500">Nothing waits.</p>
          ) : (
            <table className="w-full text-left text-sm" data-testid="outbox-backlog">
              <thead className="text-xs uppercase text-slate-500">
                <tr>
                  <th className="py-1 pr-3 font-medium">Aggregate type</th>
                  <th className="py-1 pr-3 font-medium">Event type</th>
                  <th className="py-1 pr-3 text-right font-medium">Rows</th>
                  <th className="py-1 pr-3 text-right font-medium">Oldest</th>
                  <th className="py-1 pr-3 text-right font-medium">Failing</th>
                </tr>
              </thead>
              <tbody>
                {backlog.data.map((b) => (
                  <tr key={`${b.aggregateType}/${b.eventType}`} className="border-t border-slate-100">
                    <td className="py-1 pr-3 font-mono">{b.aggregateType}</td>
                    <td className="py-1 pr-3 font-mono">{b.eventType || "—"}</td>
                    <td className="py-1 pr-3 text-right tabular-nums">{b.count.toLocaleString()}</td>
                    <td className="py-1 pr-3 text-right">{since(b.oldestAt)}</td>
                    <td className="py-1 pr-3 text-right tabular-nums">{b.failing ? b.failing.toLocaleString() : ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
      ) : null}

      {o?.capabilities.attempts ? (
        <Card title="Failing rows" aside={failing.data ? <span className="text-xs text-slate-500">{failing.data.length} shown, oldest first</span> : null}>
          {failing.data && failing.data.length === 0 ? <p className="text-sm text-slate-500">No unpublished row has a publish error.</p> : null}
          {failing.data && failing.data.length > 0 ? (
            <>
              <table className="w-full text-left text-sm" data-testid="outbox-failing-rows">
                <thead className="text-xs uppercase text-slate-500">
                  <tr>
                    {canRequeue ? <th className="w-6" /> : null}
                    <th className="py-1 pr-3 font-medium">Row</th>
                    <th className="py-1 pr-3 font-medium">Event</th>
                    <th className="py-1 pr-3 font-medium">Aggregate</th>
                    <th className="py-1 pr-3 text-right font-medium">Attempts</th>
                    <th className="py-1 pr-3 font-medium">Last error</th>
                    <th className="py-1 pr-3 font-medium">Written</th>
                  </tr>
                </thead>
                <tbody>
                  {failing.data.map((r) => (
                    <tr key={r.id} className="border-t border-slate-100 align-top">
                      {canRequeue ? (
                        <td>
                          <input
                            type="checkbox"
                            aria-label={`Choose row ${r.id}`}
                            checked={chosen.has(r.id)}
                            onChange={(e) => {
                              const next = new Set(chosen);
                              if (e.target.checked) next.add(r.id);
                              else next.delete(r.id);
                              setChosen(next);
                            }}
                          />
                        </td>
                      ) : null}
                      <td className="py-1 pr-3 font-mono text-xs">{r.seq ?? r.id.slice(0, 8)}</td>
                      <td className="py-1 pr-3 font-mono">{r.aggregateType}.{r.eventType}</td>
                      <td className="py-1 pr-3 font-mono text-xs">{r.aggregateId}</td>
                      <td className="py-1 pr-3 text-right tabular-nums">{r.attempts ?? "—"}</td>
                      <td className="max-w-md break-words py-1 pr-3 font-mono text-xs text-red-800">{r.lastError}</td>
                      <td className="py-1 pr-3 text-xs">{since(r.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {canRequeue ? (
                <form
                  className="mt-3 flex flex-wrap items-center gap-2"
                  onSubmit={(e) => {
                    e.preventDefault();
                    if (database) requeue.mutate({ database, ids: [...chosen], reason });
                  }}
                >
                  <input value={reason} onChange={(e) => setReason(e.target.value)} placeholder="Reason (recorded in the audit log)" aria-label="Requeue reason" className="w-80 rounded border border-slate-300 px-2 py-1 text-sm" />
                  <button type="submit" disabled={chosen.size === 0 || reason.trim().length < 3 || requeue.isPending} className="rounded bg-slate-900 px-3 py-1 text-sm text-white disabled:opacity-40">
                    Requeue {chosen.size} row{chosen.size === 1 ? "" : "s"}
                  </button>
                  <span className="text-xs text-slate-500">Resets attempts and last error; the relay publishes them on its next pass.</span>
                  {requeue.data ? <span className="text-xs text-green-800">{requeue.data.requeued} requeued.</span> : null}
                  {requeue.error ? <span className="text-xs text-red-700">{requeue.error.message}</span> : null}
                </form>
              ) : o && !o.writable ? (
                <p className="mt-2 text-xs text-slate-500">Read-only database: set <code>writable: true</code> to requeue rows.</p>
              ) : null}
            </>
          ) : null}
        </Card>
      ) : null}

      {blocked.data && blocked.data.length > 0 ? (
        <Card title="Blocked behind a failing row">
          <p className="mb-2 text-xs text-slate-500">Per aggregate the relay keeps order: a failing row holds back every later row of the same aggregate.</p>
          <table className="w-full text-left text-sm" data-testid="outbox-blocked">
            <thead className="text-xs uppercase text-slate-500">
              <tr>
                <th className="py-1 pr-3 font-medium">Aggregate</th>
                <th className="py-1 pr-3 font-medium">Failing row</th>
                <th className="py-1 pr-3 text-right font-medium">Rows behind it</th>
                <th className="py-1 pr-3 font-medium">Error</th>
              </tr>
            </thead>
            <tbody>
              {blocked.data.map((b) => (
                <tr key={b.aggregateId} className="border-t border-slate-100 align-top">
                  <td className="py-1 pr-3 font-mono text-xs">
                    {b.aggregateType}/{b.aggregateId}
                  </td>
                  <td className="py-1 pr-3 font-mono text-xs">
                    {b.head.eventType} (seq {b.head.seq}, {timeText(b.head.createdAt)})
                  </td>
                  <td className="py-1 pr-3 text-right tabular-nums">{b.behind.toLocaleString()}</td>
                  <td className="max-w-md break-words py-1 pr-3 font-mono text-xs text-red-800">{b.head.lastError}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      ) : null}

      {database ? <IdempotencyInspector database={database} /> : null}
    </div>
  );
}
