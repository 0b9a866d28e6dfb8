"use client";

import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { ErrorBox } from "../ui";
import { useTRPC } from "../trpc";
import type { DlqRef } from "./types";

/**
 * Discard one dead letter with a required reason. On a log (`resolvesInPlace`, the "log-with-offsets" capability:
 * Kafka) the record stays and is marked resolved; on a queue (SQS) it is archived in the ledger and deleted.
 */
export function DiscardForm({ dlq, id, resolvesInPlace, onDone, onCancel }: { dlq: DlqRef; id: string; resolvesInPlace: boolean; onDone: () => void; onCancel: () => void }) {
  const trpc = useTRPC();
  const [reason, setReason] = useState("");
  const discard = useMutation(trpc.replay.discard.mutationOptions({ onSettled: onDone }));
  const what =
    resolvesInPlace
      ? "Mark this message as resolved without replaying it? The record stays in the topic; the DLQ list counts it as resolved."
      : `Delete this message from ${dlq.dlq} without replaying it? Its body and attributes are archived in the replay ledger first.`;

  return (
    <div className="space-y-2 rounded border border-slate-200 p-3 text-sm" role="group" aria-label="Discard message" data-testid="discard-form">
      <p>{what}</p>
      <label className="flex flex-col gap-1">
        <span className="text-xs text-slate-500">Reason (required, kept in the ledger and the audit log)</span>
        <textarea value={reason} onChange={(e) => setReason(e.target.value)} rows={2} className="rounded border border-slate-300 px-2 py-1" />
      </label>
      <div className="flex gap-2">
        <button
          type="button"
          disabled={discard.isPending || reason.trim() === "" || discard.isSuccess}
          onClick={() => discard.mutate({ kind: dlq.kind, connection: dlq.connection, dlq: dlq.dlq, id, reason: reason.trim() })}
          className="rounded bg-red-700 px-3 py-1 text-white hover:bg-red-600 disabled:opacity-60"
        >
          {discard.isPending ? "Discarding…" : "Confirm discard"}
        </button>
        <button type="button" onClick={onCancel} className="rounded border border-slate-300 px-2 py-1">
          Cancel
        </button>
      </div>
      {discard.error ? <ErrorBox title="Discard refused" message={discard.error.message} /> : null}
      {discard.data ? (
        <p className="text-emerald-700" role="status" data-testid="discard-result">
          {discard.data.alreadyDiscarded ? "Already discarded." : resolvesInPlace ? "Marked as resolved." : "Archived and deleted from the DLQ."}
        </p>
      ) : null}
    </div>
  );
}
