"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ErrorBox } from "../ui";
import { useTRPC } from "../trpc";
import { ConfirmReplayButtons, LoopGuardOverride, ReplayHistoryList, useCanReplay } from "./replay-controls";
import type { ReplaySection } from "./message-detail";
import type { DlqRef } from "./types";

const exchangeName = (exchange: string) => exchange || "(default)";

/**
 * One-click replay of a RabbitMQ dead letter: published to an exchange with a routing key (the origin the
 * headers name, prefilled; any other allowed) with a publisher confirm, and removed from the DLQ only after
 * the confirm. The confirmation names both, as the copy will travel.
 */
export function RabbitReplayPanel({ dlq, id, origin }: { dlq: DlqRef; id: string; origin: { exchange: string | null; routingKey: string | null } }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canReplay = useCanReplay(dlq);
  const ref = { kind: dlq.kind, connection: dlq.connection, dlq: dlq.dlq, id };
  const history = useQuery(trpc.replay.ofMessage.queryOptions(ref));
  const [exchange, setExchange] = useState(origin.exchange ?? "");
  const [routingKey, setRoutingKey] = useState(origin.routingKey ?? "");
  const [confirming, setConfirming] = useState(false);
  const [override, setOverride] = useState(false);
  const replay = useMutation(
    trpc.replay.one.mutationOptions({
      onSettled: () => {
        setConfirming(false);
        void queryClient.invalidateQueries({ queryKey: trpc.replay.ofMessage.queryKey(ref) });
        void queryClient.invalidateQueries({ queryKey: trpc.replay.resolution.queryKey() });
        // The message left the queue: the page's browse is out of date.
        void queryClient.invalidateQueries({ queryKey: trpc.dlq.rabbitmq.messages.queryKey() });
      },
    }),
  );
  const isOrigin = exchange === (origin.exchange ?? "") && routingKey === (origin.routingKey ?? "") && origin.routingKey !== null;
  const ready = routingKey.trim() !== "";

  if (!canReplay) return <p className="text-sm text-slate-500">Replaying needs the operator role.</p>;
  return (
    <section aria-label="Replay" className="space-y-2" data-testid="replay-panel">
      <h3 className="text-sm font-semibold text-slate-700">Replay</h3>
      <div className="flex flex-wrap items-end gap-2 text-sm">
        <label className="flex flex-col">
          <span className="text-xs text-slate-500">Exchange {origin.exchange !== null ? `(origin: ${exchangeName(origin.exchange)})` : "(no origin recorded)"}</span>
          <input value={exchange} onChange={(e) => setExchange(e.target.value)} placeholder="(default)" aria-label="Exchange" className="w-56 rounded border border-slate-300 px-2 py-1 font-mono" />
        </label>
        <label className="flex flex-col">
          <span className="text-xs text-slate-500">Routing key</span>
          <input value={routingKey} onChange={(e) => setRoutingKey(e.target.value)} aria-label="Routing key" className="w-56 rounded border border-slate-300 px-2 py-1 font-mono" />
        </label>
        {confirming ? null : (
          <button type="button" disabled={!ready} onClick={() => setConfirming(true)} className="rounded bg-slate-900 px-3 py-1 text-white hover:bg-slate-700 disabled:opacity-60">
            Replay…
          </button>
        )}
      </div>
      {confirming ? (
        <div className="flex flex-wrap items-center gap-2 text-sm" role="group" aria-label="Confirm replay">
          <span data-testid="replay-confirm-text">
            Publish a copy to exchange <span className="font-mono font-medium">{exchangeName(exchange)}</span> with routing key{" "}
            <span className="font-mono font-medium">{routingKey}</span>, then remove this message from {dlq.dlq} once the broker confirms it?
          </span>
          <ConfirmReplayButtons pending={replay.isPending} onConfirm={() => replay.mutate({ ...ref, destination: isOrigin ? undefined : { exchange, routingKey }, overrideLoopGuard: override })} onCancel={() => setConfirming(false)} />
        </div>
      ) : null}
      <LoopGuardOverride checked={override} onChange={setOverride} />
      {replay.error ? <ErrorBox title="Replay refused" message={replay.error.message} /> : null}
      {replay.data ? (
        <p className="text-sm text-emerald-700" role="status" data-testid="replay-result">
          Replayed to {replay.data.target}, {replay.data.targetPosition} (replay {replay.data.replayCount}, id {replay.data.replayId}); removed from {dlq.dlq}.
        </p>
      ) : null}
      <ReplayHistoryList rows={history.data} />
    </section>
  );
}

/** The message detail's replay section for a RabbitMQ DLQ: the origin the headers name, prefilled. */
export function rabbitReplaySection(dlq: DlqRef): ReplaySection {
  function RabbitReplaySection(detail: Parameters<ReplaySection>[0]) {
    const rabbit = detail.failure?.rabbit;
    return <RabbitReplayPanel dlq={dlq} id={detail.id} origin={{ exchange: rabbit?.originExchange ?? null, routingKey: rabbit?.originRoutingKey ?? null }} />;
  }
  return RabbitReplaySection;
}
