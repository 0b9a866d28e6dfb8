"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { Card, ErrorBox, PageHeader } from "./ui";
import { useTRPC } from "./trpc";

export function ReplaysView() {
  const trpc = useTRPC();
  const recent = useQuery(trpc.replay.recent.queryOptions({ limit: 200 }, { refetchInterval: 5_000 }));
  return (
    <div>
      <PageHeader title="Replays" />
      <p className="mb-4 text-sm text-slate-600">
        Every replayed dead letter, from the replay ledger. Replay one message from its detail view on a DLQ&apos;s page. Bulk replays as durable jobs
        (filter, dry run, rate limit, pause, canary) are not built yet.
      </p>
      {recent.error ? <ErrorBox title="Could not load replays" message={recent.error.message} /> : null}
      <Card title="Replayed messages">
        {recent.data?.length === 0 ? <p className="text-sm text-slate-500">Nothing has been replayed yet.</p> : null}
        {recent.data && recent.data.length > 0 ? (
          <table className="w-full text-left text-sm">
            <thead className="text-xs uppercase text-slate-500">
              <tr>
                <th className="py-1 pr-3 font-medium">When</th>
                <th className="py-1 pr-3 font-medium">Who</th>
                <th className="py-1 pr-3 font-medium">From</th>
                <th className="py-1 pr-3 font-medium">Message</th>
                <th className="py-1 pr-3 font-medium">To</th>
                <th className="py-1 pr-3 text-right font-medium">Replay #</th>
                <th className="py-1 pr-3 font-medium">Replay id</th>
              </tr>
            </thead>
            <tbody>
              {recent.data.map((row) => (
                <tr key={row.replayId} className="border-t border-slate-100" data-testid="replay-row">
                  <td className="whitespace-nowrap py-1 pr-3 tabular-nums">{row.replayedAt.toLocaleString()}</td>
                  <td className="py-1 pr-3">{row.replayedBy}</td>
                  <td className="py-1 pr-3">
                    <Link
                      href={`/dlqs/${encodeURIComponent(row.kind)}/${encodeURIComponent(row.connection)}/${encodeURIComponent(row.dlq)}`}
                      className="break-all font-mono text-sky-700 hover:underline"
                    >
                      {row.dlq}
                    </Link>
                    <span className="ml-1 text-xs text-slate-400">
                      {row.kind} · {row.connection}
                    </span>
                  </td>
                  <td className="py-1 pr-3 font-mono text-xs">{row.messageId}</td>
                  <td className="py-1 pr-3 font-mono text-xs">
                    {row.target} <span className="text-slate-400">{row.targetPosition}</span>
                  </td>
                  <td className="py-1 pr-3 text-right tabular-nums">{row.replayCount}</td>
                  <td className="py-1 pr-3 font-mono text-xs text-slate-500">{row.replayId}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </Card>
    </div>
  );
}
