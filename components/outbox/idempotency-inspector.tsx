"use client";

import { skipToken, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Card, ErrorBox } from "../ui";
import { useTRPC } from "../trpc";
import { timeText } from "../sagas/format";

/** Event id → which consumers processed it and when (the application's idempotency table). */
export function IdempotencyInspector({ database }: { database: string }) {
  const trpc = useTRPC();
  const [draft, setDraft] = useState("");
  const [eventId, setEventId] = useState<string | null>(null);
  const report = useQuery(trpc.outbox.inspectEvent.queryOptions(eventId ? { database, eventId } : skipToken));
  return (
    <Card title="Idempotency inspector">
      <form
        className="mb-3 flex gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          setEventId(draft.trim() || null);
        }}
      >
        <input
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          placeholder="Event id (the outbox row id, or topic:partition:offset)"
          aria-label="Event id"
          data-testid="event-id-input"
          className="w-[28rem] rounded border border-slate-300 px-2 py-1 font-mono text-sm"
        />
        <button type="submit" className="rounded bg-slate-900 px-3 py-1 text-sm text-white">
          Look up
        </button>
      </form>
      {report.error ? <ErrorBox title="Lookup failed" message={report.error.message} /> : null}
      {report.data ? (
        <div className="space-y-2 text-sm" data-testid="idempotency-report">
          {report.data.note ? <p className="text-xs text-slate-500">{report.data.note}</p> : null}
          {report.data.event ? (
            <p>
              <span className="font-mono">{report.data.event.aggregateType}.{report.data.event.eventType}</span> for aggregate{" "}
              <span className="font-mono">{report.data.event.aggregateId}</span>, written {timeText(report.data.event.createdAt)},{" "}
              {report.data.event.publishedAt ? `published ${timeText(report.data.event.publishedAt)}` : "not published yet"}.
            </p>
          ) : null}
          {report.data.processedBy.length === 0 ? (
            <p className="text-slate-600">No consumer recorded this event as processed.</p>
          ) : (
            <table className="text-left text-sm">
              <thead className="text-xs uppercase text-slate-500">
                <tr>
                  <th className="pr-4 font-medium">Consumer</th>
                  <th className="pr-4 font-medium">Processed at</th>
                  <th className="pr-4 font-medium">Event type</th>
                  {report.data.duplicatesRecorded ? <th className="pr-4 font-medium">Duplicates skipped</th> : null}
                </tr>
              </thead>
              <tbody>
                {report.data.processedBy.map((p) => (
                  <tr key={p.consumer} className="border-t border-slate-100">
                    <td className="pr-4 font-mono">{p.consumer}</td>
                    <td className="pr-4">{timeText(p.processedAt)}</td>
                    <td className="pr-4">{p.eventType ?? "—"}</td>
                    {report.data.duplicatesRecorded ? <td className="pr-4 tabular-nums">{p.duplicatesSkipped ?? "—"}</td> : null}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {report.data.notProcessedBy.length > 0 ? (
            <p className="text-amber-800">
              Not processed (yet) by {report.data.notProcessedBy.map((g) => `${g.group} (${g.status}, ${g.state})`).join(", ")}, which read its topic.
            </p>
          ) : null}
        </div>
      ) : null}
    </Card>
  );
}
