"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import { ErrorBox } from "../ui";
import { useTRPC } from "../trpc";
import { useOpenMessage } from "../url-state";
import { MessageDetail } from "./message-detail";
import { MessageTable } from "./message-table";
import { natsReplaySection } from "./nats-replay-panel";
import { SplitView } from "./split-view";
import type { DlqRef } from "./types";

const PAGE_SIZE = 100;

/**
 * A JetStream consumer's dead letters: the MAX_DELIVERIES / MSG_TERMINATED advisories Redrive's capture stream
 * holds for it, oldest first, each joined with its original message read back from its stream by sequence.
 * Reading changes nothing on the server. An original the stream no longer has is listed with what the advisory said.
 */
export function NatsMessages({ dlq }: { dlq: DlqRef }) {
  const trpc = useTRPC();
  const [selectedId, setSelectedId] = useOpenMessage("msg");
  const pages = useInfiniteQuery(
    trpc.dlq.nats.messages.infiniteQueryOptions(
      { connection: dlq.connection, dlq: dlq.dlq, limit: PAGE_SIZE },
      { initialCursor: 1, getNextPageParam: (last) => last.nextSeq ?? undefined, refetchInterval: 10_000, retry: false },
    ),
  );
  const loaded = pages.data?.pages ?? [];
  const messages = loaded.flatMap((p) => p.messages);
  const gone = loaded.flatMap((p) => p.gone);
  const first = loaded[0];

  return (
    <div className="space-y-3">
      {first ? (
        <div className="space-y-1 rounded border border-slate-200 bg-slate-50 p-3 text-sm text-slate-700" data-testid="nats-dlq-source">
          <p>
            Dead letters recorded by the advisory capture stream <span className="font-mono">{first.captureStream}</span>; each original is read back from
            its stream by sequence. Reading changes nothing on the server.
          </p>
          {gone.length > 0 ? (
            <p data-testid="nats-gone-count">
              {gone.length.toLocaleString()} original{gone.length === 1 ? " is" : "s are"} no longer in {gone.length === 1 ? "its" : "their"} stream: listed with what the
              advisory said.
            </p>
          ) : null}
          {first.missingFeatures.length > 0 ? (
            <ul className="list-disc pl-5 text-xs text-slate-600" data-testid="nats-missing-features">
              {first.missingFeatures.map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
          ) : null}
          {loaded.some((p) => p.undecodable.length > 0) ? (
            <p className="text-xs text-amber-800">
              {loaded.reduce((n, p) => n + p.undecodable.length, 0)} captured advisories could not be decoded and are not listed.
            </p>
          ) : null}
        </div>
      ) : null}
      {pages.error ? <ErrorBox title="The dead letters cannot be read" message={pages.error.message} /> : null}
      {pages.isPending ? <p className="text-sm text-slate-500">Reading the capture stream…</p> : null}
      {pages.data ? (
        <>
          <SplitView
            detail={
              selectedId ? (
                <MessageDetail key={selectedId} dlq={dlq} id={selectedId} onClose={() => void setSelectedId(null)} replay={natsReplaySection(dlq)} />
              ) : null
            }
          >
            <MessageTable messages={messages} selectedId={selectedId} onSelect={(m) => void setSelectedId(m.id)} positionLabel="Stream seq" emptyText="No dead letters recorded for this consumer." dlq={dlq} />
          </SplitView>
          {pages.hasNextPage ? (
            <button type="button" onClick={() => void pages.fetchNextPage()} disabled={pages.isFetchingNextPage} className="rounded border border-slate-300 px-3 py-1 text-sm hover:bg-slate-50">
              {pages.isFetchingNextPage ? "Reading…" : "Load more"}
            </button>
          ) : null}
          {first?.payloadsWithheld ? <p className="text-sm text-slate-600">Payloads withheld for your role.</p> : null}
        </>
      ) : null}
    </div>
  );
}
