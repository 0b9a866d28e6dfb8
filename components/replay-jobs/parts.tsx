"use client";

import { formatDateTime, originNoun, shortClass } from "../dlq/format";
import { formatRate, STATE_STYLE } from "./format";
import type { ReplayDryRun, ReplayJob, ReplayJobOptions } from "./types";

export function StateBadge({ state, testId }: { state: ReplayJob["state"]; testId?: string }) {
  return (
    <span className={`inline-block rounded border px-1.5 py-0.5 text-xs font-medium ${STATE_STYLE[state]}`} data-testid={testId}>
      {state}
    </span>
  );
}

/** Share of the total that is settled (done, skipped or failed). */
export function ProgressBar({ total, done, skipped, failed, label }: { total: number; done: number; skipped: number; failed: number; label: string }) {
  const settled = done + skipped + failed;
  const percent = total > 0 ? Math.min(100, (settled / total) * 100) : 0;
  const part = (n: number) => `${total > 0 ? Math.min(100, (n / total) * 100) : 0}%`;
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={total}
      aria-valuenow={settled}
      aria-valuetext={`${Math.floor(percent)}%`}
      className="flex h-3 w-full overflow-hidden rounded bg-slate-200"
    >
      <div className="h-full bg-emerald-500" style={{ width: part(done) }} />
      <div className="h-full bg-amber-400" style={{ width: part(skipped) }} />
      <div className="h-full bg-red-500" style={{ width: part(failed) }} />
    </div>
  );
}

/** The options a job runs with, in words. */
export function OptionsList({ options, action }: { options: ReplayJobOptions; action: ReplayJob["action"] }) {
  const rows: [string, string][] = [];
  if (action !== "move") {
    rows.push(["Rate limit", options.ratePerSecond ? formatRate(options.ratePerSecond) : "unlimited"]);
    rows.push(["Batch size", options.batchSize.toLocaleString()]);
    if (action === "replay") {
      const canary =
        options.canarySize > 0
          ? `first ${options.canarySize.toLocaleString()}, wait ${options.canaryWaitSeconds} s, pause if ${Math.round(options.maxFailShare * 1000) / 10}% or more come back`
          : "off";
      rows.push(["Canary", canary]);
      rows.push(["Error headers", options.keepErrorHeaders ? "kept" : "dropped"]);
    }
    rows.push(["Already resolved", options.includeResolved ? "included" : "left out"]);
    if (action === "replay") rows.push(["Loop guard", options.overrideLoopGuard ? "overridden (quarantined messages included)" : "on"]);
  }
  return (
    <dl className="grid grid-cols-[10rem_1fr] gap-x-3 gap-y-1 text-sm">
      {rows.map(([name, value]) => (
        <div key={name} className="contents">
          <dt className="text-slate-500">{name}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/**
 * What a dry run found: the exact count, what is left out and why, and the breakdowns. Every
 * payload-derived value (sample preview, error) is rendered as text.
 */
export function DryRunSummary({ dryRun, total, action, kind }: { dryRun: ReplayDryRun; total: number; action: ReplayJob["action"]; kind: ReplayJob["kind"] }) {
  const leftOut: [string, number, string][] = [
    ["already resolved", dryRun.resolved, "replayed or discarded before; tick “include already resolved” to include them"],
    ["quarantined", dryRun.quarantined, "replayed 3 times already; tick “override the loop guard” to include them"],
    ["no origin", dryRun.noTarget, `no ${originNoun(kind)} recorded; choose a destination to include them`],
  ];
  const verb = action === "discard" ? "discard" : "replay";
  return (
    <div className="space-y-3" data-testid="dry-run-summary">
      <p className="text-sm text-slate-700">
        <span className="text-2xl font-semibold tabular-nums text-slate-900" data-testid="dry-run-count">
          {total}
        </span>{" "}
        message{total === 1 ? "" : "s"} to {verb} ·{" "}
        <span className="font-semibold" data-testid="dry-run-matched">
          {dryRun.matched}
        </span>{" "}
        matched of {dryRun.scanned.toLocaleString()} read
      </p>
      {leftOut.some(([, n]) => n > 0) ? (
        <ul className="space-y-0.5 text-sm text-amber-900" data-testid="dry-run-left-out">
          {leftOut
            .filter(([, n]) => n > 0)
            .map(([what, n, why]) => (
              <li key={what}>
                Left out: <span className="font-semibold tabular-nums">{n.toLocaleString()}</span> {what} <span className="text-xs text-amber-800">({why})</span>
              </li>
            ))}
        </ul>
      ) : (
        <p className="text-xs text-slate-500">Nothing left out (none already resolved, quarantined or without an origin).</p>
      )}
      <div className="grid gap-4 md:grid-cols-2">
        <div>
          <h4 className="mb-1 text-xs font-semibold uppercase text-slate-500">By failure group</h4>
          {dryRun.byGroup.length === 0 ? (
            <p className="text-sm text-slate-500">—</p>
          ) : (
            <table className="w-full text-left text-sm" data-testid="dry-run-by-group">
              <tbody>
                {dryRun.byGroup.map((group) => (
                  <tr key={group.fingerprint} className="border-t border-slate-100 align-top">
                    <td className="w-16 py-0.5 pr-2 text-right font-semibold tabular-nums">{group.count.toLocaleString()}</td>
                    <td className="py-0.5 pr-2 font-mono text-xs" title={group.exceptionClass}>
                      {shortClass(group.exceptionClass)}
                      <div className="break-all text-slate-500">{group.origin}</div>
                    </td>
                    <td className="max-w-xs break-words py-0.5 text-xs text-slate-600">{group.pattern}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
        {action !== "discard" ? (
          <div>
            <h4 className="mb-1 text-xs font-semibold uppercase text-slate-500">By target</h4>
            {dryRun.byTarget.length === 0 ? (
              <p className="text-sm text-slate-500">—</p>
            ) : (
              <table className="w-full text-left text-sm" data-testid="dry-run-by-target">
                <tbody>
                  {dryRun.byTarget.map((target) => (
                    <tr key={target.target} className="border-t border-slate-100">
                      <td className="w-16 py-0.5 pr-2 text-right font-semibold tabular-nums">{target.count.toLocaleString()}</td>
                      <td className="break-all py-0.5 font-mono text-xs">{target.target}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </div>
        ) : null}
      </div>
      {dryRun.sample.length > 0 ? (
        <div>
          <h4 className="mb-1 text-xs font-semibold uppercase text-slate-500">Sample ({dryRun.sample.length.toLocaleString()})</h4>
          <div className="max-h-64 overflow-auto rounded border border-slate-200">
            <table className="w-full table-fixed text-left text-xs" data-testid="dry-run-sample">
              <thead className="sticky top-0 bg-slate-50 uppercase text-slate-500">
                <tr>
                  <th scope="col" className="w-28 px-2 py-1 font-medium">Message</th>
                  <th scope="col" className="w-36 px-2 py-1 font-medium">Time</th>
                  {action !== "discard" ? <th scope="col" className="w-36 px-2 py-1 font-medium">Target</th> : null}
                  <th scope="col" className="px-2 py-1 font-medium">Error</th>
                  <th scope="col" className="px-2 py-1 font-medium">Value</th>
                </tr>
              </thead>
              <tbody>
                {dryRun.sample.map((row) => (
                  <tr key={row.id} className="border-t border-slate-100" data-testid="dry-run-sample-row">
                    <td className="truncate px-2 py-1 font-mono" title={row.id}>
                      {row.id}
                    </td>
                    <td className="truncate px-2 py-1 tabular-nums text-slate-600">{formatDateTime(row.timestampMs)}</td>
                    {action !== "discard" ? (
                      <td className="truncate px-2 py-1 font-mono" title={row.target ?? undefined}>
                        {row.target ?? <span className="text-slate-400">no origin</span>}
                      </td>
                    ) : null}
                    <td className="truncate px-2 py-1 text-slate-600" title={row.error ?? undefined}>
                      {row.error ?? ""}
                    </td>
                    <td className="truncate px-2 py-1 font-mono text-slate-700" title={row.preview ?? undefined}>
                      {row.preview ?? <span className="text-slate-400">withheld</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      ) : null}
    </div>
  );
}

/** A labelled number input that keeps the text as typed (validation is the form's). */
export function NumberField({
  label,
  value,
  onChange,
  placeholder,
  min,
  max,
  step,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  placeholder?: string;
  min?: number;
  max?: number;
  step?: string;
}) {
  return (
    <label className="flex flex-col gap-1">
      <span className="text-xs text-slate-500">{label}</span>
      <input
        type="number"
        inputMode="numeric"
        value={value}
        min={min}
        max={max}
        step={step}
        placeholder={placeholder}
        onChange={(e) => onChange(e.target.value)}
        className="w-32 rounded border border-slate-300 px-2 py-1 tabular-nums"
      />
    </label>
  );
}
