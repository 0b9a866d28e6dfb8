"use client";

import { useQuery } from "@tanstack/react-query";
import type { ReplayAudience } from "~/server/brokers/types";
import { useTRPC } from "../trpc";
import type { BrokerKind } from "~/server/brokers/registry";

/** Who receives the copies sent to one target: so that nobody replays into a fan-out by accident. */
export function AudienceText({ audience }: { audience: ReplayAudience }) {
  if (!audience.exists) {
    return (
      <span className="text-red-700" data-testid="audience-missing">
        {audience.reason}
      </span>
    );
  }
  if (audience.kind === "groups") {
    return (
      <span data-testid="audience">
        {audience.groups.length === 0 ? (
          "no consumer group has committed on this topic: nobody reads the copies yet"
        ) : (
          <>
            received by {audience.groups.length} consumer group{audience.groups.length === 1 ? "" : "s"}:{" "}
            {audience.groups.map((group, i) => (
              <span key={group}>
                {i > 0 ? ", " : null}
                <span className="font-mono">{group}</span>
              </span>
            ))}
          </>
        )}
      </span>
    );
  }
  if (audience.kind === "queues") {
    return (
      <span data-testid="audience">
        {audience.queues.length === 0
          ? "no queue is bound for this exchange and routing key"
          : `${audience.exact ? "routed to" : "possibly routed to (the exchange decides per message)"}: ${audience.queues.map((q) => `${q.name} (${q.consumers} consumer${q.consumers === 1 ? "" : "s"}, ${q.messagesReady.toLocaleString()} ready)`).join(", ")}`}
      </span>
    );
  }
  if (audience.kind === "streams") {
    return (
      <span data-testid="audience">
        stored by{" "}
        {audience.streams
          .map((s) => `${s.name} (${s.consumers.length === 0 ? "no consumer takes this subject" : `consumers: ${s.consumers.join(", ")}`})`)
          .join("; ")}
      </span>
    );
  }
  return (
    <span data-testid="audience">
      SQS keeps no list of consumers: whoever receives from this queue gets the copies (now {audience.inFlight.toLocaleString()} in flight with receivers,{" "}
      {audience.visible.toLocaleString()} waiting)
    </span>
  );
}

/** The audience of a target chosen in a form, asked of the broker while the confirmation is open. */
export function TargetAudience({ kind, connection, target }: { kind: BrokerKind; connection: string; target: string }) {
  const trpc = useTRPC();
  const audience = useQuery(trpc.replay.audience.queryOptions({ kind, connection, target }, { staleTime: 10_000 }));
  if (audience.error) return <span className="text-xs text-red-700">Could not ask the broker who receives it: {audience.error.message}</span>;
  if (!audience.data) return <span className="text-xs text-slate-500">Looking up who receives it…</span>;
  return (
    <span className="text-xs">
      <AudienceText audience={audience.data} />
    </span>
  );
}

/** Whether the confirmation may go ahead: false while the target is known not to exist. */
export function useTargetExists(kind: BrokerKind, connection: string, target: string | null, enabled: boolean): boolean | undefined {
  const trpc = useTRPC();
  const audience = useQuery(trpc.replay.audience.queryOptions({ kind, connection, target: target ?? "-" }, { staleTime: 10_000, enabled: enabled && !!target }));
  return audience.data?.exists;
}
