"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { TargetAudience } from "../replay-jobs/audience";
import { ErrorBox } from "../ui";
import { useTRPC } from "../trpc";
import type { ReplaySection } from "./message-detail";
import { ConfirmReplayButtons, LoopGuardOverride, ReplayHistoryList, useCanReplay } from "./replay-controls";
import type { DlqRef } from "./types";

/**
 * One-click replay of a JetStream dead letter: republished to its original subject (prefilled; any other
 * allowed) with its headers and a Nats-Msg-Id from the replay id, recorded once the stream acknowledged it
 * (PubAck). The dead letter stays listed (an advisory is a record); the ledger marks it replayed.
 */
export function NatsReplayPanel({ dlq, id, subject, gone }: { dlq: DlqRef; id: string; subject: string | null; gone: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canReplay = useCanReplay(dlq);
  const ref = { kind: dlq.kind, connection: dlq.connection, dlq: dlq.dlq, id };
  const history = useQuery(trpc.replay.ofMessage.queryOptions(ref));
  const [target, setTarget] = useState(subject ?? "");
  const [confirming, setConfirming] = useState(false);
  const [override, setOverride] = useState(false);
  const replay = useMutation(
    trpc.replay.one.mutationOptions({
      onSettled: () => {
        setConfirming(false);
        void queryClient.invalidateQueries({ queryKey: trpc.replay.ofMessage.queryKey(ref) });
        void queryClient.invalidateQueries({ queryKey: trpc.replay.resolution.queryKey() });
      },
    }),
  );
  const destination = target.trim();

  if (gone) return <p className="text-sm text-slate-600" data-testid="replay-gone">The original message is no longer in its stream: there is nothing to replay.</p>;
  if (!canReplay) return <p className="text-sm text-slate-500">Replaying needs the operator role.</p>;
  return (
    <section aria-label="Replay" className="space-y-2" data-testid="replay-panel">
      <h3 className="text-sm font-semibold text-slate-700">Replay</h3>
      <div className="flex flex-wrap items-end gap-2 text-sm">
        <label className="flex flex-col">
          <span className="text-xs text-slate-500">Subject {subject ? `(origin: ${subject})` : ""}</span>
          <input value={target} onChange={(e) => setTarget(e.target.value)} aria-label="Destination" className="w-80 rounded border border-slate-300 px-2 py-1 font-mono" />
        </label>
        {confirming ? null : (
          <button type="button" disabled={!destination} onClick={() => setConfirming(true)} className="rounded bg-slate-900 px-3 py-1 text-white hover:bg-slate-700 disabled:opacity-60">
            Replay…
          </button>
        )}
      </div>
      {confirming ? (
        <div className="flex flex-wrap items-center gap-2 text-sm" role="group" aria-label="Confirm replay">
          <span className="flex flex-col">
            <span data-testid="replay-confirm-text">
              Publish a copy to subject <span className="font-mono font-medium">{destination}</span> with its headers, and record it once the stream acknowledges it?
            </span>
            <TargetAudience kind={dlq.kind} connection={dlq.connection} target={destination} />
          </span>
          <ConfirmReplayButtons pending={replay.isPending} onConfirm={() => replay.mutate({ ...ref, target: destination === subject ? undefined : destination, overrideLoopGuard: override })} onCancel={() => setConfirming(false)} />
        </div>
      ) : null}
      <LoopGuardOverride checked={override} onChange={setOverride} />
      {replay.error ? <ErrorBox title="Replay refused" message={replay.error.message} /> : null}
      {replay.data ? (
        <p className="text-sm text-emerald-700" role="status" data-testid="replay-result">
          Replayed to {replay.data.target}, stored as {replay.data.targetPosition} (replay {replay.data.replayCount}, id {replay.data.replayId}).
        </p>
      ) : null}
      <ReplayHistoryList rows={history.data} />
    </section>
  );
}

/** The message detail's replay section for a JetStream dead letter: the original subject, prefilled. */
export function natsReplaySection(dlq: DlqRef): ReplaySection {
  function NatsReplaySection(detail: Parameters<ReplaySection>[0]) {
    const nats = detail.failure?.nats;
    return <NatsReplayPanel dlq={dlq} id={detail.id} subject={nats?.subject ?? null} gone={nats ? nats.original !== "present" : false} />;
  }
  return NatsReplaySection;
}
