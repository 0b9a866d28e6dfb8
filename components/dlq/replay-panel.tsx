"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { TargetAudience, useTargetExists } from "../replay-jobs/audience";
import { ErrorBox } from "../ui";
import { useTRPC } from "../trpc";
import { DiscardForm } from "./discard-form";
import { EditReplayForm } from "./edit-replay-form";
import { formatDateTime } from "./format";
import { actionLabel, ConfirmReplayButtons, DestinationField, LoopGuardOverride, useCanReplay } from "./replay-controls";
import type { DlqRef } from "./types";
import { useCapabilities } from "../connections/use-capabilities";

/**
 * One-click replay of this message, with a confirmation that names the destination (the origin prefilled,
 * any other one allowed); edit-and-replay where the connection allows it; discard with a reason; and the
 * message's earlier replays, edits and discards.
 */
export function ReplayPanel({ dlq, id, origin, snapshotId }: { dlq: DlqRef; id: string; origin: string | null; snapshotId?: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canReplay = useCanReplay(dlq);
  const canEdit = useCanReplay(dlq, "replay.edit");
  const canDiscard = useCanReplay(dlq, "discard");
  // What the broker can do (its plugin's capabilities); what the role may do is canEdit / canDiscard.
  const caps = useCapabilities(dlq.kind, dlq.connection) ?? [];
  const edits = caps.includes("edit");
  const discards = caps.includes("discard");
  const ref = { kind: dlq.kind, connection: dlq.connection, dlq: dlq.dlq, id };
  const history = useQuery(trpc.replay.ofMessage.queryOptions(ref));
  const settings = useQuery(trpc.replay.settings.queryOptions({ kind: dlq.kind, connection: dlq.connection }, { staleTime: 60_000 }));
  const [confirming, setConfirming] = useState(false);
  const [target, setTarget] = useState(origin ?? "");
  const [override, setOverride] = useState(false);
  const [mode, setMode] = useState<"none" | "edit" | "discard">("none");
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: trpc.replay.ofMessage.queryKey(ref) });
    void queryClient.invalidateQueries({ queryKey: trpc.replay.resolution.queryKey() });
    // A replay or discard changed the queue: an SQS snapshot of it is now stale, and says so.
    void queryClient.invalidateQueries({ queryKey: trpc.dlq.sqs.messages.queryKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.dlq.expiring.queryKey() });
  };
  const replay = useMutation(
    trpc.replay.one.mutationOptions({
      onSettled: () => {
        setConfirming(false);
        refresh();
      },
    }),
  );
  const destination = target.trim() || null;
  const targetExists = useTargetExists(dlq.kind, dlq.connection, destination, confirming);
  const discard = history.data?.find((row) => row.action === "discard");

  return (
    <>
      <section aria-label="Replay" className="space-y-2" data-testid="replay-panel">
        <h3 className="text-sm font-semibold text-slate-700">Replay</h3>
        {discard ? (
          <p className="rounded border border-slate-200 bg-slate-50 px-3 py-2 text-sm text-slate-700" data-testid="message-resolved">
            Resolved: discarded {formatDateTime(discard.replayedAt.getTime())} by {discard.replayedBy}
            {discard.reason ? <>: &ldquo;{discard.reason}&rdquo;</> : null}
          </p>
        ) : null}
        {canReplay ? (
          <div className="space-y-2">
            <div className="flex flex-wrap items-end gap-2 text-sm">
              <DestinationField dlq={dlq} value={target} onChange={setTarget} origin={origin} />
              {confirming ? (
                <span className="flex items-center gap-2" role="group" aria-label="Confirm replay">
                  <span className="flex flex-col">
                    <span>
                      Replay this message to <span className="font-mono font-medium">{destination ?? "?"}</span>?
                    </span>
                    {destination ? <TargetAudience kind={dlq.kind} connection={dlq.connection} target={destination} /> : null}
                  </span>
                  <ConfirmReplayButtons pending={replay.isPending} disabled={!destination || targetExists === false} onConfirm={() => replay.mutate({ ...ref, target: destination && destination !== origin ? destination : undefined, overrideLoopGuard: override })} onCancel={() => setConfirming(false)} />
                </span>
              ) : (
                <button
                  type="button"
                  onClick={() => setConfirming(true)}
                  disabled={!destination}
                  className="rounded bg-slate-900 px-3 py-1 text-white hover:bg-slate-700 disabled:opacity-60"
                >
                  Replay…
                </button>
              )}
            </div>
            <LoopGuardOverride checked={override} onChange={setOverride} />
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
          <ul className="text-xs text-slate-600" data-testid="replay-history">
            {history.data.map((row) => (
              <li key={row.replayId}>
                {formatDateTime(row.replayedAt.getTime())}: {actionLabel(row.action)}
                {row.action === "discard" ? null : (
                  <>
                    {" "}
                    (replay {row.replayCount}) to <span className="font-mono">{row.target}</span> ({row.targetPosition})
                  </>
                )}{" "}
                by {row.replayedBy}
                {row.reason ? <> — {row.reason}</> : null}
              </li>
            ))}
          </ul>
        ) : null}
      </section>
      {(canEdit || canDiscard) && (edits || discards) ? (
        // Apart from the replay section, so that its buttons' names never collide with "Replay…" and "Confirm replay".
        <section aria-label="Edit or discard" className="space-y-2" data-testid="resolve-panel">
          <div className="flex flex-wrap gap-2 text-sm">
            {edits && settings.data?.allowEdit ? (
              <button
                type="button"
                onClick={() => setMode(mode === "edit" ? "none" : "edit")}
                aria-expanded={mode === "edit"}
                className="rounded border border-slate-300 px-3 py-1 hover:bg-slate-50"
              >
                Edit and replay…
              </button>
            ) : null}
            {discards ? (
              <button
                type="button"
                onClick={() => setMode(mode === "discard" ? "none" : "discard")}
                aria-expanded={mode === "discard"}
                className="rounded border border-slate-300 px-3 py-1 hover:bg-slate-50"
              >
                Discard…
              </button>
            ) : null}
          </div>
          {mode === "edit" && edits && settings.data?.allowEdit ? (
            <EditReplayForm dlq={dlq} id={id} origin={origin} snapshotId={snapshotId} overrideLoopGuard={override} repeatedHeaders={caps.includes("repeated-headers")} onDone={refresh} />
          ) : null}
          {mode === "discard" && discards ? (
            <DiscardForm dlq={dlq} id={id} resolvesInPlace={caps.includes("log-with-offsets")} onDone={refresh} onCancel={() => setMode("none")} />
          ) : null}
        </section>
      ) : null}
    </>
  );
}
