"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { ObjectAlerts } from "../alerts/object-alerts";
import { GrowthText } from "../depth/growth-text";
import { formatNumber } from "../lag/format";
import { Card, ErrorBox, PageHeader } from "../ui";
import { useCapabilities } from "../connections/use-capabilities";
import { ExpiryWarning } from "./expiry-warning";
import { useTRPC } from "../trpc";
import { BulkReplayButton } from "../replay-jobs/bulk-replay-button";
import { FailureGroups } from "./failure-groups";
import { brokerLabel, resourceNoun } from "./format";
import { MESSAGE_VIEWS } from "./message-views";
import { SearchPanel } from "./search-panel";
import { bulkReplayable, type DlqKind, type DlqRef } from "./types";
import { useDlqTab, useFilterText, type DlqTab } from "../url-state";

const TABS: { id: DlqTab; label: string }[] = [
  { id: "messages", label: "Messages" },
  { id: "groups", label: "Failure groups" },
  { id: "search", label: "Search" },
];

export function DlqView({ kind, connection, name }: { kind: DlqKind; connection: string; name: string }) {
  const trpc = useTRPC();
  const list = useQuery(trpc.dlq.list.queryOptions(undefined, { refetchInterval: 5_000 }));
  const entry = list.data?.find((d) => d.kind === kind && d.connection === connection && d.name === name);
  const caps = useCapabilities(kind, connection);
  const [tab, setTab] = useDlqTab();
  // A tab is mounted when first shown (by a click, a link or back/forward) and kept, so a running search
  // survives a look at the messages.
  const [opened, setOpened] = useState<ReadonlySet<DlqTab>>(() => new Set<DlqTab>([tab]));
  if (!opened.has(tab)) setOpened(new Set([...opened, tab]));
  const [expression, setExpression] = useFilterText();
  const dlq: DlqRef = { kind, connection, dlq: name };
  const Messages = MESSAGE_VIEWS[kind];

  const open = (id: DlqTab) => void setTab(id);

  return (
    <div className="space-y-4">
      <div className="text-sm">
        <Link href="/dlqs" className="text-sky-700 hover:underline">
          ← Dead-letter queues
        </Link>
      </div>
      <PageHeader title={name}>
        <span data-testid="dlq-kind">
          {brokerLabel(kind)} {resourceNoun(kind)}
        </span>
        <span>·</span>
        <span className="font-mono">{connection}</span>
        {entry ? (
          <>
            <span>·</span>
            <span>
              depth <span className="font-semibold text-slate-800" data-testid="dlq-header-depth">{formatNumber(entry.depth)}</span>
            </span>
            <span>
              last hour <GrowthText value={entry.growthLastHour} />
            </span>
          </>
        ) : null}
        {bulkReplayable(dlq, caps) ? <BulkReplayButton dlq={dlq} selection={{ source: "all" }} label="Replay all…" /> : null}
      </PageHeader>
      <ObjectAlerts of={{ object: "dlq", kind, connection, name }} />
      {list.error ? <ErrorBox title="Could not load the DLQ depth" message={list.error.message} /> : null}
      {entry && entry.sources.length > 0 ? (
        <p className="text-sm text-slate-600">
          Dead letters of <span className="font-mono">{entry.sources.join(", ")}</span>
        </p>
      ) : null}
      {/* Counting what retention removes soon needs a log with offsets (SQS warns from its snapshot instead). */}
      {caps?.includes("log-with-offsets") ? <ExpiryWarning dlq={dlq} /> : null}
      {list.data && !entry ? (
        <p className="text-sm text-slate-500">This DLQ is not in the latest samples (it may be new, renamed or deleted); reading it anyway.</p>
      ) : null}

      <div role="tablist" aria-label="DLQ views" className="flex gap-1 border-b border-slate-200">
        {TABS.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            id={`dlq-tab-${t.id}`}
            aria-selected={tab === t.id}
            aria-controls={`dlq-panel-${t.id}`}
            onClick={() => open(t.id)}
            className={`-mb-px rounded-t border px-3 py-1.5 text-sm ${
              tab === t.id ? "border-slate-200 border-b-white bg-white font-medium text-slate-900" : "border-transparent text-slate-600 hover:text-slate-900"
            }`}
          >
            {t.label}
          </button>
        ))}
      </div>

      {TABS.map((t) =>
        opened.has(t.id) ? (
          <div key={t.id} role="tabpanel" id={`dlq-panel-${t.id}`} aria-labelledby={`dlq-tab-${t.id}`} hidden={tab !== t.id}>
            <Card title={t.label}>
              {t.id === "messages" ? <Messages dlq={dlq} /> : null}
              {t.id === "groups" ? (
                <FailureGroups
                  dlq={dlq}
                  onPick={(group) => {
                    // Exactly the group's messages: its fingerprint, not its exception class (which other groups share).
                    void setExpression(`record.error.fingerprint == ${JSON.stringify(group.fingerprint)}`);
                    open("search");
                  }}
                />
              ) : null}
              {t.id === "search" ? <SearchPanel dlq={dlq} expression={expression} onExpression={(text) => void setExpression(text)} /> : null}
            </Card>
          </div>
        ) : null,
      )}
    </div>
  );
}
