"use client";

import type { Dispatch, SetStateAction } from "react";

export interface HeaderRow {
  key: number;
  name: string;
  value: string;
  /** Null for a header the operator added. */
  originalName: string | null;
  originalValue: string | null;
  binary: boolean;
  failure: boolean;
  reserved: boolean;
  removed: boolean;
  dataType: string | null;
}

/** The headers (Kafka) or message attributes (SQS) of an edited copy: rename, change, remove, add. */
export function HeaderRows({ rows, setRows, noun, singular }: { rows: HeaderRow[]; setRows: Dispatch<SetStateAction<HeaderRow[]>>; noun: string; singular: string }) {
  const headerNoun = noun;
  const update = (key: number, patch: Partial<HeaderRow>) => setRows((all) => all.map((r) => (r.key === key ? { ...r, ...patch } : r)));
  return (
    <fieldset className="space-y-1">
      <legend className="text-xs text-slate-500">{headerNoun}</legend>
      <table className="w-full text-left text-xs">
        <tbody>
          {rows.map((r) => (
            <tr key={r.key} className={r.removed ? "opacity-50" : ""}>
              <td className="py-0.5 pr-2">
                <input
                  value={r.name}
                  disabled={r.removed || r.binary || r.reserved}
                  onChange={(e) => update(r.key, { name: e.target.value })}
                  aria-label={`${headerNoun} name ${r.key + 1}`}
                  className="w-full rounded border border-slate-300 px-1 font-mono"
                />
              </td>
              <td className="py-0.5 pr-2">
                {r.binary ? (
                  <span className="text-slate-500">binary (kept as is unless removed)</span>
                ) : (
                  <input
                    value={r.value}
                    disabled={r.removed || r.reserved}
                    onChange={(e) => update(r.key, { value: e.target.value })}
                    aria-label={`Value of ${r.name || `${headerNoun} ${r.key + 1}`}`}
                    className="w-full rounded border border-slate-300 px-1 font-mono"
                  />
                )}
              </td>
              <td className="whitespace-nowrap py-0.5 text-slate-500">
                {r.reserved ? "set by Redrive" : r.failure ? "DLQ error header (dropped on replay)" : null}
                {!r.reserved ? (
                  <button type="button" onClick={() => update(r.key, { removed: !r.removed })} className="ml-2 text-sky-700 hover:underline">
                    {r.removed ? "Keep" : "Remove"}
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <button
        type="button"
        onClick={() =>
          setRows((all) => [
            ...all,
            { key: all.length, name: "", value: "", originalName: null, originalValue: null, binary: false, failure: false, reserved: false, removed: false, dataType: null },
          ])
        }
        className="rounded border border-slate-300 px-2 py-0.5 text-xs hover:bg-slate-50"
      >
        Add {singular}
      </button>
    </fieldset>
  );
}
