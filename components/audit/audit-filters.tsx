"use client";

import { parseAsIsoDateTime, parseAsString, parseAsStringLiteral, useQueryStates } from "nuqs";

/** The audit page's filters, all in the URL so a filtered view can be pasted into an incident channel. */
const outcomes = ["ok", "error"] as const;
export const auditFilterParsers = {
  who: parseAsString.withDefault(""),
  what: parseAsString.withDefault(""),
  outcome: parseAsStringLiteral(outcomes),
  from: parseAsIsoDateTime,
  to: parseAsIsoDateTime,
};
export const useAuditFilters = () => useQueryStates(auditFilterParsers, { history: "replace" });
export type AuditFilters = ReturnType<typeof useAuditFilters>[0];

/** The areas the "What" field suggests; a full procedure name ("replay.one") works too. */
const areas = ["replay", "replayJobs", "dlq", "sagas", "sagaJobs", "outbox", "alerts", "users", "tokens", "auth"];

/** <input type="datetime-local"> speaks local time without a zone: "2026-11-30T04:05". */
function toLocalInput(date: Date | null): string {
  if (!date) return "";
  const shifted = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return shifted.toISOString().slice(0, 16);
}
function fromLocalInput(value: string): Date | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isFinite(date.getTime()) ? date : null;
}

const field = "rounded border border-slate-300 px-2 py-1 text-sm";

export function AuditFilterBar({ filters, onChange }: { filters: AuditFilters; onChange: (next: Partial<AuditFilters>) => void }) {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const active = filters.who || filters.what || filters.outcome || filters.from || filters.to;
  return (
    <div className="mb-4 flex flex-wrap items-end gap-3 text-sm" role="search" aria-label="Audit filters">
      <label className="flex flex-col gap-1">
        <span className="text-xs text-slate-500">Who</span>
        <input
          type="search"
          value={filters.who}
          maxLength={100}
          placeholder="user or token name"
          onChange={(e) => onChange({ who: e.target.value })}
          className={field}
          data-shortcut="search"
          data-testid="audit-who"
        />
      </label>
      <label className="flex flex-col gap-1">
        <span className="text-xs text-slate-500">What</span>
        <input
          type="search"
          list="audit-areas"
          value={filters.what}
          maxLength={100}
          placeholder="replay, replay.one, alerts…"
          onChange={(e) => onChange({ what: e.target.value })}
          className={field}
          data-testid="audit-what"
        />
        <datalist id="audit-areas">
          {areas.map((area) => (
            <option key={area} value={area} />
          ))}
        </datalist>
      </label>
      <label className="flex flex-col gap-1">
        <span className="text-xs text-slate-500">From ({zone})</span>
        <input type="datetime-local" value={toLocalInput(filters.from)} onChange={(e) => onChange({ from: fromLocalInput(e.target.value) })} className={field} data-testid="audit-from" />
      </label>
      <label className="flex flex-col gap-1">
        <span className="text-xs text-slate-500">To ({zone})</span>
        <input type="datetime-local" value={toLocalInput(filters.to)} onChange={(e) => onChange({ to: fromLocalInput(e.target.value) })} className={field} data-testid="audit-to" />
      </label>
      <label className="flex flex-col gap-1">
        <span className="text-xs text-slate-500">Outcome</span>
        <select
          value={filters.outcome ?? "any"}
          onChange={(e) => onChange({ outcome: e.target.value === "ok" || e.target.value === "error" ? e.target.value : null })}
          className={field}
          data-testid="audit-outcome"
        >
          <option value="any">Any</option>
          <option value="ok">Succeeded</option>
          <option value="error">Refused or failed</option>
        </select>
      </label>
      {active ? (
        <button type="button" onClick={() => onChange({ who: "", what: "", outcome: null, from: null, to: null })} className="rounded border border-slate-300 px-2 py-1 hover:bg-slate-50">
          Clear filters
        </button>
      ) : null}
    </div>
  );
}
