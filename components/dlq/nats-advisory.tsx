import type { DlqMessageDetail } from "./types";

type NatsDetail = NonNullable<NonNullable<DlqMessageDetail["failure"]>["nats"]>;

const GONE: Record<NatsDetail["original"], string | null> = {
  present: null,
  "removed-from-stream": "The original message is no longer in its stream (retention, limits or a delete removed it): only what the advisory said is shown.",
  "stream-deleted": "The original's stream was deleted: only what the advisory said is shown.",
};

/** What the JetStream advisory said about a dead letter, and what became of the original. */
export function NatsAdvisory({ nats }: { nats: NatsDetail }) {
  const gone = GONE[nats.original];
  return (
    <div className="space-y-1 text-sm" data-testid="nats-advisory">
      {gone ? (
        <p role="status" className="rounded border border-amber-300 bg-amber-50 px-3 py-2 text-amber-900" data-testid="nats-original-gone">
          {gone}
        </p>
      ) : null}
      <dl className="grid grid-cols-[max-content_1fr] gap-x-3 gap-y-0.5 text-xs">
        <dt className="text-slate-500">Advisory</dt>
        <dd className="font-mono">{nats.advisory === "max-deliveries" ? "MAX_DELIVERIES" : "MSG_TERMINATED"}</dd>
        <dt className="text-slate-500">Stream › consumer</dt>
        <dd className="font-mono" data-testid="nats-consumer">
          {nats.stream} › {nats.consumer}
        </dd>
        <dt className="text-slate-500">Stream sequence</dt>
        <dd className="font-mono" data-testid="nats-stream-seq">
          {nats.streamSeq}
        </dd>
        <dt className="text-slate-500">Deliveries</dt>
        <dd data-testid="nats-deliveries">{nats.deliveries}</dd>
        <dt className="text-slate-500">Subject</dt>
        <dd className="font-mono">{nats.subject ?? "—"}</dd>
        {nats.reason ? (
          <>
            <dt className="text-slate-500">Reason</dt>
            <dd>{nats.reason}</dd>
          </>
        ) : null}
        {nats.readVia ? (
          <>
            <dt className="text-slate-500">Read via</dt>
            <dd>{nats.readVia}</dd>
          </>
        ) : null}
      </dl>
    </div>
  );
}
