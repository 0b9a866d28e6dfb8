"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ErrorBox } from "../ui";
import { useTRPC } from "../trpc";
import { formatDateTime } from "./format";
import type { DlqRef } from "./types";

/** One-click replay of this message, with a confirmation that names the destination, and its earlier replays. */
export function ReplayPanel({ dlq, id, origin }: { dlq: DlqRef; id: string; origin: string | null }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const me = useQuery(trpc.auth.me.queryOptions(undefined, { staleTime: 60_000 }));
  const ref = { kind: dlq.kind, connection: dlq.connection, dlq: dlq.dlq, id };
  const history = useQuery(trpc.replay.ofMessage.queryOptions(ref));
  const [confirming, setConfirming] = useState(false);
  const [target, setTarget] = useState("");
  const [override, setOverride] = useState(false);
  const replay = useMutation(
    trpc.replay.one.mutationOptions({
      onSettled: () => {
        setConfirming(false);
        void queryClient.invalidateQueries({ queryKey: trpc.replay.ofMessage.queryKey(ref) });
      },
    }),
  );
  const canReplay = me.data?.role === "operator" || me.data?.role === "admin";
  const destination = target.trim() || origin;

  return (
    <section aria-label="Replay" className="space-y-2" data-testid="replay-panel">
      <h3 className="text-sm font-semibold text-slate-700">Replay</h3>
      {canReplay ? (
        <div className="flex flex-wrap items-end gap-2 text-sm">
          <label className="flex flex-col">
            <span className="text-xs text-slate-500">Destination (empty = the original {dlq.kind === "kafka" ? "topic" : "source queue"})</span>
            <input
              value={target}
              onChange={(e) => setTarget(e.target.value)}
              placeholder={origin ?? "no origin recorded: enter one"}
              className="w-72 rounded border border-slate-300 px-2 py-1 font-mono"
            />
          </label>
          {confirming ? (
            <span className="flex items-center gap-2" role="group" aria-label="Confirm replay">
              <span>
                Replay this message to <span className="font-mono font-medium">{destination ?? "?"}</span>?
              </span>
              <button
                type="button"
                disabled={replay.isPending || !destination}
                onClick={() => replay.mutate({ ...ref, target: target.trim() || undefined, overrideLoopGuard: override })}
                className="rounded bg-amber-600 px-3 py-1 text-white hover:bg-amber-500 disabled:opacity-60"
              >
                {replay.isPending ? "Replaying…" : "Confirm replay"}
              </button>
              <button type="button" onClick={() => setConfirming(false)} className="rounded border border-slate-300 px-2 py-1">
                Cancel
              </button>
            </span>
          ) : (
            <button type="button" onClick={() => setConfirming(true)} disabled={!destination} className="rounded bg-slate-900 px-3 py-1 text-white hover:bg-slate-700 disabled:opacity-60">
              Replay…
            </button>
          )}
          <label className="flex items-center gap-1 text-xs text-slate-600">
            <input type="checkbox" checked={override} onChange={(e) => setOverride(e.target.checked)} /> override the loop guard (quarantined messages)
          </label>
        </div>
      ) : (
        <p className="text-sm text-slate-500">Replaying needs the operator role.</p>
      )}
      {replay.error ? <ErrorBox title="Replay refused" message={replay.error.message} /> : null}
      {replay.data ? (
        <p className="text-sm text-emerald-700" role="status" data-testid="replay-result">
          Replayed to {replay.data.target} at {replay.data.targetPosition} (replay {replay.data.replayCount}, id {replay.data.replayId}).
        </p>
      ) : null}
      {history.data && history.data.length > 0 ? (
        <ul className="text-xs text-slate-600">
          {history.data.map((row) => (
            <li key={row.replayId}>
              {formatDateTime(row.replayedAt.getTime())}: replay {row.replayCount} to <span className="font-mono">{row.target}</span> ({row.targetPosition}) by {row.replayedBy}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
