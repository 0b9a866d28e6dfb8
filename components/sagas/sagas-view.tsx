"use client";

import { SagaBulkAction } from "./bulk-action";
import { keepPreviousData, skipToken, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { ObjectAlerts } from "../alerts/object-alerts";
import { DatabasePicker } from "../outbox/database-picker";
import { useTRPC } from "../trpc";
import { Card, ErrorBox, PageHeader } from "../ui";
import { useDebounced } from "../lag/use-debounced";
import { ageText, sagaHref, since, statusLabel } from "./format";
import { SagaStatus } from "./saga-status";
import { NAV_ROW_FOCUS, navRow } from "../keyboard-shortcuts";

const REFRESH_MS = 10_000;
const PAGE_SIZE = 50;
const statuses = ["running", "compensating", "completed", "failed", "compensation_failed"] as const;
type Status = (typeof statuses)[number];

export function SagasView({ initialDatabase, initialTab }: { initialDatabase?: string; initialTab?: "stuck" | "all" }) {
  const trpc = useTRPC();
  const databases = useQuery(trpc.sagas.databases.queryOptions());
  const withSagas = (databases.data ?? []).filter((d) => d.hasSagas);
  const [picked, setPicked] = useState(initialDatabase);
  const database = withSagas.find((d) => d.name === picked)?.name ?? withSagas[0]?.name;
  const [tab, setTab] = useState<"stuck" | "all">(initialTab ?? "stuck");
  const summary = useQuery(trpc.sagas.summary.queryOptions(database ? { database } : skipToken, { refetchInterval: REFRESH_MS }));

  return (
    <div className="space-y-4">
      <PageHeader title="Sagas">
        {withSagas.length > 0 && database ? (
          <DatabasePicker
            databases={withSagas}
            value={database}
            onChange={(name) => {
              setPicked(name);
              window.history.replaceState(null, "", `/sagas?database=${encodeURIComponent(name)}`);
            }}
          />
        ) : null}
      </PageHeader>
      {database ? <ObjectAlerts of={{ object: "saga_type", connection: database }} /> : null}
      {databases.error ? <ErrorBox title="Could not load the databases" message={databases.error.message} /> : null}
      {databases.data && withSagas.length === 0 ? (
        <p className="text-sm text-slate-500">No application database with saga tables is configured (add one under <code>databases:</code>).</p>
      ) : null}
      {summary.error ? <ErrorBox title="Could not read the sagas" message={summary.error.message} /> : null}
      {summary.data?.indexes.missingRequired.length ? (
        <div role="alert" className="rounded border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900" data-testid="index-warning">
          <div className="font-medium">Missing indexes: these pages will scan whole tables.</div>
          <ul className="mt-1 list-disc pl-5 font-mono text-xs">
            {summary.data.indexes.missingRequired.map((i) => (
              <li key={`${i.table}(${i.columns.join(",")})`}>
                {i.table} ({i.columns.join(", ")}){i.where ? ` where ${i.where}` : ""} — {i.why}
              </li>
            ))}
          </ul>
          <div className="mt-1 text-xs">See docs/sagas.md for the statements.</div>
        </div>
      ) : null}
      {summary.data?.indexes.missingRecommended.length ? (
        <details className="text-xs text-slate-500" data-testid="index-recommended">
          <summary>{summary.data.indexes.missingRecommended.length} recommended index(es) not present</summary>
          <ul className="mt-1 list-disc pl-5 font-mono">
            {summary.data.indexes.missingRecommended.map((i) => (
              <li key={`${i.table}(${i.columns.join(",")})`}>
                {i.table} ({i.columns.join(", ")}) — {i.why}
              </li>
            ))}
          </ul>
        </details>
      ) : null}

      {summary.data ? <Counts counts={summary.data.counts} stuck={summary.data.stuck} /> : null}

      {database ? (
        <>
          <div role="tablist" className="flex gap-1 border-b border-slate-200 text-sm">
            {(["stuck", "all"] as const).map((t) => (
              <button
                key={t}
                role="tab"
                aria-selected={tab === t}
                data-testid={`tab-${t}`}
                onClick={() => setTab(t)}
                className={`-mb-px border-b-2 px-3 py-1.5 ${tab === t ? "border-slate-900 font-medium" : "border-transparent text-slate-500"}`}
              >
                {t === "stuck" ? `Stuck (${(summary.data?.stuck ?? []).reduce((s, c) => s + c.count, 0).toLocaleString()})` : "All sagas"}
              </button>
            ))}
          </div>
          {tab === "stuck" ? <StuckPanel database={database} /> : <AllPanel database={database} types={summary.data?.types ?? []} />}
        </>
      ) : null}
    </div>
  );
}

function Counts({ counts, stuck }: { counts: { sagaType: string; status: string; count: number }[]; stuck: { sagaType: string; count: number }[] }) {
  const types = [...new Set(counts.map((c) => c.sagaType))];
  if (types.length === 0) return <p className="text-sm text-slate-500">No saga instances yet.</p>;
  return (
    <Card title="Instances by type and status">
      <table className="text-left text-sm" data-testid="saga-counts">
        <thead className="text-xs uppercase text-slate-500">
          <tr>
            <th className="pr-6 font-medium">Type</th>
            {statuses.map((s) => (
              <th key={s} className="pr-6 text-right font-medium">
                {statusLabel(s)}
              </th>
            ))}
            <th className="pr-6 text-right font-medium">stuck</th>
          </tr>
        </thead>
        <tbody>
          {types.map((type) => (
            <tr key={type} className="border-t border-slate-100">
              <td className="pr-6 font-mono">{type}</td>
              {statuses.map((s) => (
                <td key={s} className="pr-6 text-right tabular-nums">
                  {(counts.find((c) => c.sagaType === type && c.status === s)?.count ?? 0).toLocaleString()}
                </td>
              ))}
              <td className="pr-6 text-right font-semibold tabular-nums text-red-700">{(stuck.find((c) => c.sagaType === type)?.count ?? 0).toLocaleString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}

function StuckPanel({ database }: { database: string }) {
  const trpc = useTRPC();
  const [group, setGroup] = useState<string | undefined>();
  const stuck = useQuery(trpc.sagas.stuck.queryOptions({ database, group, limit: 100 }, { refetchInterval: REFRESH_MS, placeholderData: keepPreviousData }));
  if (stuck.error) return <ErrorBox title="Could not load the stuck sagas" message={stuck.error.message} />;
  if (!stuck.data) return <p className="text-sm text-slate-500">Loading stuck sagas…</p>;
  const d = stuck.data;
  return (
    <div className="space-y-4">
      <p className="text-xs text-slate-500">
        Stuck: not finished and no progress for longer than {d.settings.stuckAfterSeconds} s
        {Object.keys(d.settings.perType).length ? ` (per type: ${Object.entries(d.settings.perType).map(([t, s]) => `${t} ${s} s`).join(", ")})` : ""}, or a failed compensation.
        {d.total > d.diagnosed ? ` The ${d.diagnosed.toLocaleString()} longest-waiting of ${d.total.toLocaleString()} are diagnosed.` : ""}
      </p>
      {d.groups.length === 0 ? (
        <p className="text-sm text-green-800" data-testid="no-stuck">Nothing is stuck.</p>
      ) : null}
      {[
        { human: true, title: `Needs a human (${d.kinds.needsHuman.toLocaleString()})`, note: "A compensation failed or a step's message died in a DLQ: nothing moves until someone acts.", testId: "stuck-needs-human" },
        { human: false, title: `Waiting (${d.kinds.waiting.toLocaleString()})`, note: "Behind a slow or lagging participant, the relay or a retry: these move by themselves once it catches up.", testId: "stuck-waiting" },
      ].map((kind) => {
        const groups = d.groups.filter((g) => g.needsHuman === kind.human);
        if (groups.length === 0) return null;
        return (
          <Card key={kind.testId} title={kind.title}>
          <p className="mb-1 text-xs text-slate-500">{kind.note}</p>
          <ul className="space-y-1 text-sm" data-testid={kind.testId}>
            {groups.map((g) => (
              <li key={g.key}>
                <button
                  type="button"
                  onClick={() => setGroup(group === g.key ? undefined : g.key)}
                  aria-pressed={group === g.key}
                  className={`w-full rounded px-2 py-1 text-left hover:bg-slate-50 ${group === g.key ? "bg-slate-100" : ""}`}
                  data-testid="stuck-group"
                  data-kind={g.kind}
                >
                  <span className="font-medium">{g.headline}</span>
                  <span className="ml-2 text-xs text-slate-500">longest {ageText(g.oldestIdleSeconds)}</span>
                </button>
              </li>
            ))}
          </ul>
          </Card>
        );
      })}
      {group ? (
        <SagaBulkAction
          database={database}
          selection={{ group, groupHeadline: d.groups.find((g) => g.key === group)?.headline }}
          describe={d.groups.find((g) => g.key === group)?.headline ?? "the chosen problem"}
        />
      ) : null}
      {d.rows.length > 0 ? (
        <Card title={group ? "Sagas of the chosen problem" : "Stuck sagas, longest waiting first"}>
          <table className="w-full text-left text-sm" data-testid="stuck-table">
            <thead className="text-xs uppercase text-slate-500">
              <tr>
                <th className="py-1 pr-3 font-medium">Saga</th>
                <th className="py-1 pr-3 font-medium">Type</th>
                <th className="py-1 pr-3 font-medium">Status</th>
                <th className="py-1 pr-3 font-medium">Step</th>
                <th className="py-1 pr-3 text-right font-medium">No progress for</th>
                <th className="py-1 pr-3 font-medium">Diagnosis</th>
              </tr>
            </thead>
            <tbody>
              {d.rows.map((s) => (
                <tr key={s.id} {...navRow} className={`border-t border-slate-100 align-top ${NAV_ROW_FOCUS}`} data-testid={`stuck-row-${s.id}`}>
                  <SagaCells database={database} saga={s} />
                  <td className="py-1 pr-3 text-right">{ageText(s.idleSeconds)}</td>
                  <td className="max-w-xl py-1 pr-3 text-xs" data-testid="diagnosis" data-kind={s.diagnosis?.kind}>
                    <span className={`mr-1 rounded px-1 font-medium ${s.needsHuman ? "bg-red-100 text-red-800" : "bg-sky-50 text-sky-800"}`} data-testid="stuck-kind">
                      {s.needsHuman ? "needs a human" : "waiting"}
                    </span>
                    {s.diagnosis?.detail ?? "—"}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      ) : null}
    </div>
  );
}

function AllPanel({ database, types }: { database: string; types: string[] }) {
  const trpc = useTRPC();
  const [type, setType] = useState("");
  const [status, setStatus] = useState<Status | "">("");
  const [idleMinutes, setIdleMinutes] = useState("");
  const [correlation, setCorrelation] = useState("");
  const [errorText, setErrorText] = useState("");
  const [page, setPage] = useState(0);
  const debouncedCorrelation = useDebounced(correlation.trim(), 300);
  const debouncedError = useDebounced(errorText.trim(), 300);
  const idle = Number(idleMinutes);
  const filter = {
    types: type ? [type] : undefined,
    statuses: status ? [status] : undefined,
    idleForSeconds: idleMinutes && Number.isFinite(idle) ? Math.round(idle * 60) : undefined,
    correlationId: debouncedCorrelation || undefined,
    errorText: debouncedError || undefined,
  };
  const list = useQuery(
    trpc.sagas.list.queryOptions(
      {
        database,
        filter,
        page,
        pageSize: PAGE_SIZE,
      },
      { refetchInterval: REFRESH_MS, placeholderData: keepPreviousData },
    ),
  );
  const reset = () => setPage(0);
  const field = "rounded border border-slate-300 px-2 py-1 text-sm";
  return (
    <Card title="Saga instances">
      <div className="mb-3 flex flex-wrap items-center gap-2">
        <select aria-label="Saga type" value={type} onChange={(e) => { setType(e.target.value); reset(); }} className={field}>
          <option value="">every type</option>
          {types.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
        <select aria-label="Status" value={status} onChange={(e) => { setStatus(e.target.value as Status | ""); reset(); }} className={field} data-testid="status-filter">
          <option value="">every status</option>
          {statuses.map((s) => (
            <option key={s} value={s}>
              {statusLabel(s)}
            </option>
          ))}
        </select>
        <input aria-label="No progress for at least (minutes)" placeholder="idle ≥ min" value={idleMinutes} onChange={(e) => { setIdleMinutes(e.target.value); reset(); }} className={`${field} w-24`} inputMode="decimal" />
        <input aria-label="Correlation id" placeholder="correlation id" value={correlation} onChange={(e) => { setCorrelation(e.target.value); reset(); }} className={`${field} w-72 font-mono`} data-testid="correlation-filter" />
        <input aria-label="Error text" placeholder="error contains…" value={errorText} onChange={(e) => { setErrorText(e.target.value); reset(); }} className={`${field} w-56`} />
        <SagaBulkAction database={database} selection={{ filter }} describe="every saga this filter shows" />
      </div>
      {list.error ? <ErrorBox title="Could not list the sagas" message={list.error.message} /> : null}
      {list.data ? (
        <>
          <table className="w-full text-left text-sm" data-testid="saga-table">
            <thead className="text-xs uppercase text-slate-500">
              <tr>
                <th className="py-1 pr-3 font-medium">Saga</th>
                <th className="py-1 pr-3 font-medium">Type</th>
                <th className="py-1 pr-3 font-medium">Status</th>
                <th className="py-1 pr-3 font-medium">Step</th>
                <th className="py-1 pr-3 font-medium">Correlation</th>
                <th className="py-1 pr-3 text-right font-medium">Updated</th>
                <th className="py-1 pr-3 font-medium">Last error</th>
              </tr>
            </thead>
            <tbody>
              {list.data.rows.map((s) => (
                <tr key={s.id} {...navRow} className={`border-t border-slate-100 align-top ${NAV_ROW_FOCUS}`} data-testid={`saga-row-${s.id}`}>
                  <SagaCells database={database} saga={s} />
                  <td className="py-1 pr-3 font-mono text-xs">{s.correlationId}</td>
                  <td className="py-1 pr-3 text-right text-xs">{since(s.updatedAt)}</td>
                  <td className="max-w-sm break-words py-1 pr-3 text-xs text-red-800">{s.lastError}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="mt-2 flex items-center gap-2 text-xs text-slate-500">
            <span>
              {list.data.total.toLocaleString()}
              {list.data.totalCapped ? "+" : ""} saga{list.data.total === 1 ? "" : "s"}
            </span>
            <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)} className="rounded border px-2 disabled:opacity-40">
              ‹ prev
            </button>
            <span>page {page + 1}</span>
            <button type="button" disabled={(page + 1) * PAGE_SIZE >= list.data.total} onClick={() => setPage(page + 1)} className="rounded border px-2 disabled:opacity-40">
              next ›
            </button>
          </div>
        </>
      ) : null}
    </Card>
  );
}

/** The cells every saga table starts with: id (linked), type, status, current step. */
function SagaCells({ database, saga }: { database: string; saga: { id: string; sagaType: string; status: Status; currentStep: string | null } }) {
  return (
    <>
      <td className="py-1 pr-3">
        <Link href={sagaHref(database, saga.id)} className="font-mono text-xs text-sky-700 hover:underline">
          {saga.id}
        </Link>
      </td>
      <td className="py-1 pr-3 font-mono text-xs">{saga.sagaType}</td>
      <td className="py-1 pr-3">
        <SagaStatus status={saga.status} />
      </td>
      <td className="py-1 pr-3 font-mono text-xs">{saga.currentStep ?? "—"}</td>
    </>
  );
}
