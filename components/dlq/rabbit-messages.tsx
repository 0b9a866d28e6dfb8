"use client";

import { useQuery } from "@tanstack/react-query";
import { ErrorBox } from "../ui";
import { useTRPC } from "../trpc";
import { useOpenMessage } from "../url-state";
import { MessageDetail } from "./message-detail";
import { MessageTable } from "./message-table";
import { rabbitReplaySection } from "./rabbit-replay-panel";
import { SplitView } from "./split-view";
import type { DlqRef } from "./types";

export const RABBIT_PAGE_SIZE = 200;

/**
 * A RabbitMQ DLQ, browsed live: the server takes a page of messages and returns it whole (nothing is removed),
 * and says what the read changed; that sentence is shown as it is, above the table. A queue where a read could
 * lose messages is refused with the reason. Each browse is a read of the queue, so it runs when asked, not on a timer.
 */
export function RabbitMessages({ dlq }: { dlq: DlqRef }) {
  const trpc = useTRPC();
  const [selectedId, setSelectedId] = useOpenMessage("msg");
  const page = useQuery(
    trpc.dlq.rabbitmq.messages.queryOptions(
      { connection: dlq.connection, queue: dlq.dlq, limit: RABBIT_PAGE_SIZE },
      { staleTime: Infinity, refetchOnWindowFocus: false, retry: false },
    ),
  );
  const messages = page.data?.messages ?? [];

  return (
    <div className="space-y-3">
      <div className="space-y-2 rounded border border-slate-200 bg-slate-50 p-3">
        <div className="flex flex-wrap items-center justify-between gap-3">
          <span className="text-sm text-slate-700">
            {page.data ? `${messages.length.toLocaleString()} message${messages.length === 1 ? "" : "s"} from the head of the queue${page.data.reachedEnd ? " (all of them)" : ""}` : "Browsing…"}
          </span>
          <button
            type="button"
            onClick={() => void page.refetch()}
            disabled={page.isFetching}
            className="rounded bg-slate-800 px-3 py-1 text-sm text-white hover:bg-slate-700 disabled:opacity-50"
          >
            {page.isFetching ? "Browsing…" : "Browse again"}
          </button>
        </div>
        {page.data ? (
          <p className="text-sm text-slate-700" data-testid="browse-effects">
            <span className="font-medium">What browsing changes: </span>
            {page.data.effects}
          </p>
        ) : null}
      </div>

      {page.error ? <ErrorBox title="This queue is not browsed" message={page.error.message} /> : null}
      {page.data ? (
        <>
          <SplitView
            detail={
              selectedId ? (
                <MessageDetail
                  key={selectedId}
                  dlq={dlq}
                  id={selectedId}
                  onClose={() => void setSelectedId(null)}
                  replay={rabbitReplaySection(dlq)}
                />
              ) : null
            }
          >
            <MessageTable messages={messages} selectedId={selectedId} onSelect={(m) => void setSelectedId(m.id)} positionLabel="#" emptyText="The queue holds no messages." dlq={dlq} />
          </SplitView>
          {page.data.payloadsWithheld ? <p className="text-sm text-slate-600">Payloads withheld for your role.</p> : null}
        </>
      ) : null}
    </div>
  );
}
