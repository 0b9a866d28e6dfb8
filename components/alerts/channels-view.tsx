"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "../trpc";
import { Card, ErrorBox } from "../ui";
import { ChannelForm } from "./channel-form";
import { button, Th, useRole } from "./shared";

/** Channels with their settings (never their secrets), a test button each, and the newest delivery attempts. */
export function ChannelsView() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const role = useRole();
  const channels = useQuery(trpc.alerts.channels.queryOptions());
  const deliveries = useQuery(trpc.alerts.deliveries.queryOptions({ limit: 50 }, { refetchInterval: 10_000 }));
  const [results, setResults] = useState<Record<string, string>>({});
  const [editing, setEditing] = useState<string | null>(null);
  const edited = channels.data?.find((c) => c.id === editing);
  const test = useMutation(
    trpc.alerts.testChannel.mutationOptions({
      onSuccess: (r, input) => {
        setResults((all) => ({ ...all, [input.id]: r.ok ? `Sent (${r.responseCode ?? "ok"})` : `Failed: ${r.error}` }));
        void queryClient.invalidateQueries({ queryKey: trpc.alerts.deliveries.queryKey() });
      },
    }),
  );
  const remove = useMutation(trpc.alerts.deleteChannel.mutationOptions({ onSuccess: () => void queryClient.invalidateQueries({ queryKey: trpc.alerts.channels.queryKey() }) }));
  return (
    <div className="space-y-4">
      <Card title="Channels">
        {channels.error ? <ErrorBox title="Could not load the channels" message={channels.error.message} /> : null}
        {(remove.error ?? test.error) ? <ErrorBox title="Could not do that" message={(remove.error ?? test.error)!.message} /> : null}
        <table className="w-full text-left text-sm">
          <thead className="text-xs uppercase text-slate-500">
            <tr>
              <Th>Name</Th>
              <Th>Kind</Th>
              <Th>Secrets</Th>
              <Th>Grouping</Th>
              <Th />
            </tr>
          </thead>
          <tbody>
            {(channels.data ?? []).map((c) => (
              <tr key={c.id} className="border-t border-slate-100" data-testid="channel-row">
                <td className="py-1 pr-3">
                  {c.name}
                  {c.source === "file" ? <span className="ml-1 rounded bg-slate-100 px-1 text-xs text-slate-500">from file</span> : null}
                </td>
                <td className="py-1 pr-3">{c.kind}</td>
                <td className="py-1 pr-3 text-xs text-slate-500">{c.secretsSet.length ? `${c.secretsSet.join(", ")} set (write-only)` : "—"}</td>
                <td className="py-1 pr-3 text-xs text-slate-500">
                  wait {String(c.settings.groupWaitSeconds)} s · interval {String(c.settings.groupIntervalSeconds)} s · repeat {Math.round(Number(c.settings.repeatIntervalSeconds) / 60)} min
                </td>
                <td className="py-1 text-right">
                  {results[c.id] ? (
                    <span className="mr-2 text-xs" data-testid="test-result">
                      {results[c.id]}
                    </span>
                  ) : null}
                  {role.admin ? (
                    <>
                      <button type="button" className={button} disabled={test.isPending} onClick={() => test.mutate({ id: c.id })} data-testid="test-channel">
                        Send test notification
                      </button>
                      {c.source !== "file" ? (
                        <>
                          <button type="button" className={`${button} ml-1`} onClick={() => setEditing(c.id)} data-testid="edit-channel">
                            Edit
                          </button>
                          <button type="button" className={`${button} ml-1`} onClick={() => window.confirm(`Delete channel ${c.name}?`) && remove.mutate({ id: c.id })}>
                            Delete
                          </button>
                        </>
                      ) : null}
                    </>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
      {role.admin && edited ? (
        <Card title={`Edit channel ${edited.name}`}>
          <ChannelForm key={edited.id} existing={edited} onDone={() => setEditing(null)} />
        </Card>
      ) : null}
      {role.admin ? (
        <Card title="Add a channel">
          <ChannelForm />
        </Card>
      ) : null}
      <Card title="Delivery attempts (newest first)">
        <table className="w-full text-left text-sm">
          <thead className="text-xs uppercase text-slate-500">
            <tr>
              <Th>When</Th>
              <Th>Channel</Th>
              <Th>Kind</Th>
              <Th>Attempt</Th>
              <Th>Outcome</Th>
              <Th>Latency</Th>
            </tr>
          </thead>
          <tbody>
            {(deliveries.data ?? []).map((d) => (
              <tr key={d.id} className="border-t border-slate-100" data-testid="delivery-row">
                <td className="py-1 pr-3 tabular-nums">{d.at.toLocaleString()}</td>
                <td className="py-1 pr-3">{d.channelName}</td>
                <td className="py-1 pr-3">{d.kind}</td>
                <td className="py-1 pr-3 tabular-nums">{d.attempt}</td>
                <td className={`py-1 pr-3 ${d.status === "sent" ? "text-emerald-700" : "text-red-700"}`} title={d.error ?? ""}>
                  {d.status} {d.responseCode ?? ""} {d.error ? `— ${d.error}` : ""}
                </td>
                <td className="py-1 pr-3 tabular-nums">{d.latencyMs} ms</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
    </div>
  );
}
