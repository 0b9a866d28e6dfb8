"use client";

import { useCapabilities } from "../connections/use-capabilities";
import { destinationHint, originNoun, targetNoun } from "../dlq/format";
import type { DlqRef } from "../dlq/types";
import type { BulkForm } from "./bulk-form";
import { NumberField } from "./parts";

/** The bulk job's options: action, destination (or the discard's reason), pacing, canary and guards. */
export function BulkFormFields({ form, set, dlq }: { form: BulkForm; set: (patch: Partial<BulkForm>) => void; dlq: DlqRef }) {
  const noun = targetNoun(dlq.kind);
  // Discarding in bulk only where the broker can resolve a dead letter without a copy (shown while that is unknown).
  const caps = useCapabilities(dlq.kind, dlq.connection);
  const canDiscard = caps === null || caps.includes("discard");
  return (
    <>
    <fieldset className="space-y-1">
      <legend className="text-sm font-semibold text-slate-700">Action</legend>
      <div className="flex gap-4 text-sm">
        <label className="flex items-center gap-1.5">
          <input type="radio" name="bulk-action" checked={form.action === "replay"} onChange={() => set({ action: "replay" })} /> Replay (send copies)
        </label>
        {canDiscard || form.action === "discard" ? (
          <label className="flex items-center gap-1.5">
            <input type="radio" name="bulk-action" checked={form.action === "discard"} onChange={() => set({ action: "discard" })} /> Discard (resolve without a copy)
          </label>
        ) : null}
      </div>
    </fieldset>

    {form.action === "replay" ? (
      <fieldset className="space-y-1">
        <legend className="text-sm font-semibold text-slate-700">Destination</legend>
        <label className="flex items-center gap-1.5 text-sm">
          <input type="radio" name="bulk-destination" checked={form.destination === "origin"} onChange={() => set({ destination: "origin" })} />
          Each message&apos;s origin (its {originNoun(dlq.kind)})
        </label>
        <label className="flex flex-wrap items-center gap-1.5 text-sm">
          <input type="radio" name="bulk-destination" checked={form.destination === "custom"} onChange={() => set({ destination: "custom" })} />
          Another destination:
          <input
            value={form.target}
            onChange={(e) => {
              set({ target: e.target.value, destination: "custom" });
            }}
            aria-label={`Destination ${noun}`}
            placeholder={destinationHint(dlq.kind)}
            spellCheck={false}
            className="w-72 rounded border border-slate-300 px-2 py-1 font-mono"
          />
        </label>
      </fieldset>
    ) : (
      <label className="block space-y-1 text-sm">
        <span className="font-semibold text-slate-700">Reason (required)</span>
        <textarea
          value={form.reason}
          onChange={(e) => set({ reason: e.target.value })}
          rows={2}
          maxLength={1000}
          placeholder="Why these messages need no replay (kept in the ledger and the audit log)"
          className="w-full rounded border border-slate-300 p-2"
        />
      </label>
    )}

    <fieldset className="space-y-2">
      <legend className="text-sm font-semibold text-slate-700">{form.action === "replay" ? "Pacing and canary" : "Pacing"}</legend>
      <div className="flex flex-wrap items-end gap-3 text-sm">
        <NumberField label="Rate limit (msg/s)" value={form.rate} onChange={(value) => set({ rate: value })} placeholder="unlimited" min={1} />
        <NumberField label="Batch size" value={form.batchSize} onChange={(value) => set({ batchSize: value })} min={1} />
        {form.action === "replay" ? (
          <>
            <NumberField label="Canary size" value={form.canarySize} onChange={(value) => set({ canarySize: value })} min={0} />
            <NumberField label="Canary wait (s)" value={form.canaryWait} onChange={(value) => set({ canaryWait: value })} min={0} />
            <NumberField label="Max fail share (%)" value={form.maxFailPercent} onChange={(value) => set({ maxFailPercent: value })} min={0} max={100} step="any" />
          </>
        ) : null}
      </div>
      {form.action === "replay" ? (
        <p className="text-xs text-slate-500">
          The canary replays the first messages, waits, and goes on only if less than the given share of them died again (canary size 0 turns it off);
          the job pauses itself when that share is reached later too.
        </p>
      ) : null}
    </fieldset>

    <fieldset className="space-y-1 text-sm">
      <legend className="text-sm font-semibold text-slate-700">Guards</legend>
      {form.action === "replay" ? (
        <label className="flex items-center gap-1.5">
          <input type="checkbox" checked={form.keepErrorHeaders} onChange={(e) => set({ keepErrorHeaders: e.target.checked })} /> Keep the DLQ&apos;s error
          headers on the copies
        </label>
      ) : null}
      <label className="flex items-center gap-1.5">
        <input type="checkbox" checked={form.includeResolved} onChange={(e) => set({ includeResolved: e.target.checked })} /> Include already resolved messages
        (replayed or discarded before)
      </label>
      {form.action === "replay" ? (
        <label className="flex items-center gap-1.5">
          <input type="checkbox" checked={form.overrideLoopGuard} onChange={(e) => set({ overrideLoopGuard: e.target.checked })} /> Override the loop guard
          (include quarantined messages, replayed 3 times already)
        </label>
      ) : null}
    </fieldset>
    </>
  );
}
