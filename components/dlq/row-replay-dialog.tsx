"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type KeyboardEvent, type MouseEvent } from "react";
import { ErrorBox } from "../ui";
import { useTRPC } from "../trpc";
import { shortClass } from "./format";
import { DestinationField } from "./replay-controls";
import type { DlqMessageSummary, DlqRef } from "./types";

const stop = (event: MouseEvent | KeyboardEvent) => event.stopPropagation();

/** The row action's confirmation: it names the destination (the origin prefilled, any other one allowed). */
export function RowReplayDialog({ dlq, message, onClose }: { dlq: DlqRef; message: DlqMessageSummary; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [target, setTarget] = useState(message.origin ?? "");
  const ref = { kind: dlq.kind, connection: dlq.connection, dlq: dlq.dlq, id: message.id };
  const replay = useMutation(
    trpc.replay.one.mutationOptions({
      onSettled: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.replay.ofMessage.queryKey(ref) });
        void queryClient.invalidateQueries({ queryKey: trpc.replay.resolution.queryKey() });
      },
    }),
  );
  const destination = target.trim() || null;

  return (
    <div
      className="fixed inset-0 z-50 flex items-center justify-center bg-slate-900/30"
      onClick={onClose}
      onKeyDown={(event) => {
        if (event.key === "Escape") onClose();
      }}
    >
      <div
        role="dialog"
        aria-modal="true"
        aria-label={`Replay message ${message.id}`}
        className="w-[40rem] max-w-[95vw] space-y-3 rounded-lg bg-white p-4 text-sm shadow-lg"
        onClick={stop}
        data-testid="row-replay-dialog"
      >
        <h3 className="font-semibold text-slate-800">
          Replay message <span className="font-mono">{message.id}</span>
        </h3>
        {message.exceptionClass ? (
          <p className="truncate text-xs text-slate-600">
            {shortClass(message.exceptionClass)}: {message.errorMessage}
          </p>
        ) : null}
        <DestinationField dlq={dlq} value={target} onChange={setTarget} origin={message.origin} />
        <div className="flex flex-wrap items-center gap-2" role="group" aria-label="Confirm replay">
          <span>
            Replay this message to <span className="font-mono font-medium">{destination ?? "?"}</span>?
          </span>
          <button
            type="button"
            disabled={replay.isPending || !destination || replay.isSuccess}
            onClick={() => replay.mutate({ ...ref, target: destination && destination !== message.origin ? destination : undefined })}
            className="rounded bg-amber-600 px-3 py-1 text-white hover:bg-amber-500 disabled:opacity-60"
          >
            {replay.isPending ? "Replaying…" : "Confirm replay"}
          </button>
          <button type="button" onClick={onClose} className="rounded border border-slate-300 px-2 py-1">
            {replay.isSuccess ? "Close" : "Cancel"}
          </button>
        </div>
        {replay.error ? <ErrorBox title="Replay refused" message={replay.error.message} /> : null}
        {replay.data ? (
          <p className="text-emerald-700" role="status" data-testid="replay-result">
            Replayed to {replay.data.target} at {replay.data.targetPosition} (replay {replay.data.replayCount}, id {replay.data.replayId}).
          </p>
        ) : null}
      </div>
    </div>
  );
}
