"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { GrowthText } from "../depth/growth-text";
import { Card, ErrorBox } from "../ui";
import { useTRPC } from "../trpc";
import { formatNumber, groupHref, secondsText, streamConsumerHref } from "./format";
import { LagSecondsText } from "./lag-seconds-text";
import { StatusBadge } from "./status-badge";
import { TrendText } from "./trend-text";
import { brokerLabel } from "../dlq/format";

const REFRESH_MS = 5_000;

/** What needs a human: groups ranked by urgency (server/lag/attention.ts) and the DLQs that grew, from the stored samples. */
export function NeedsAttention() {
  const trpc = useTRPC();
  const hotspots = useQuery(trpc.overview.hotspots.queryOptions(undefined, { refetchInterval: REFRESH_MS }));
  const data = hotspots.data;
  return (
    <section className="space-y-3" data-testid="needs-attention">
      <h2 className="text-sm font-semibold uppercase tracking-wide text-slate-500">Needs attention</h2>
      {hotspots.error ? <ErrorBox title="Could not load what needs attention" message={hotspots.error.message} /> : null}
      {hotspots.isPending ? <p className="text-sm text-slate-500">Loading…</p> : null}
      {data ? (
        <div className="grid gap-4 lg:grid-cols-2">
          <Card title="Consumer groups that need attention" aside={<Link href="/lag" className="text-xs text-sky-700 hover:underline">all groups →</Link>}>
            {data.worstGroups.length === 0 ? (
              <p className="text-sm text-emerald-700" data-testid="groups-all-ok">No consumer group needs attention</p>
            ) : (
              <table className="w-full text-left text-sm">
                <thead className="text-xs uppercase text-slate-500">
                  <tr>
                    <th scope="col" className="py-1 pr-3 font-medium">Status</th>
                    <th scope="col" className="py-1 pr-3 font-medium">Group</th>
                    <th scope="col" className="py-1 pr-3 text-right font-medium">Total lag</th>
                    <th scope="col" className="py-1 text-right font-medium">Lag (time)</th>
                  </tr>
                </thead>
                <tbody>
                  {data.worstGroups.map((group) => (
                    <tr key={`${group.connection}/${group.groupId}`} className="border-t border-slate-100" data-testid={`attention-group-${group.groupId}`}>
                      <td className="py-1 pr-3">
                        <StatusBadge status={group.status} testId="attention-group-status" />
                      </td>
                      <td className="py-1 pr-3">
                        <Link href={groupHref(group.connection, group.groupId)} className="break-all font-mono text-sky-700 hover:underline">
                          {group.groupId}
                        </Link>
                        <span className="ml-1 text-xs text-slate-400">
                          {group.connection} · {group.members} member{group.members === 1 ? "" : "s"}
                        </span>
                        <div>
                          <TrendText trend={group.trend} />
                        </div>
                      </td>
                      <td className="py-1 pr-3 text-right tabular-nums">{formatNumber(group.totalLag)}</td>
                      <td className="py-1 text-right tabular-nums">
                        <LagSecondsText seconds={group.maxLagSeconds} kind={group.maxLagSecondsKind} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Card>
          {data.streamConsumers ? (
            <Card title="JetStream consumers that need attention" aside={<Link href="/lag?broker=nats" className="text-xs text-sky-700 hover:underline">all consumers →</Link>}>
              {data.streamConsumers.length === 0 ? (
                <p className="text-sm text-emerald-700" data-testid="stream-consumers-all-ok">No JetStream consumer needs attention</p>
              ) : (
                <table className="w-full text-left text-sm">
                  <thead className="text-xs uppercase text-slate-500">
                    <tr>
                      <th scope="col" className="py-1 pr-3 font-medium">Status</th>
                      <th scope="col" className="py-1 pr-3 font-medium">Consumer</th>
                      <th scope="col" className="py-1 pr-3 text-right font-medium">Pending</th>
                      <th scope="col" className="py-1 text-right font-medium">Lag (time)</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.streamConsumers.map((c) => (
                      <tr key={`${c.connection}/${c.name}`} className="border-t border-slate-100" data-testid={`attention-stream-consumer-${c.name}`}>
                        <td className="py-1 pr-3">
                          <StatusBadge status={c.status} />
                        </td>
                        <td className="py-1 pr-3">
                          <Link href={streamConsumerHref(c.connection, c.name)} className="break-all font-mono text-sky-700 hover:underline">
                            {c.stream} › {c.consumer}
                          </Link>
                          <span className="ml-1 text-xs text-slate-400">{c.connection}</span>
                        </td>
                        <td className="py-1 pr-3 text-right tabular-nums">{formatNumber(c.pending)}</td>
                        <td className="py-1 text-right tabular-nums">{secondsText(c.lagSeconds)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </Card>
          ) : null}
          <Card title="Fastest-growing DLQs" aside={<Link href="/dlqs" className="text-xs text-sky-700 hover:underline">all DLQs →</Link>}>
            {data.growingDlqs.length === 0 ? (
              <p className="text-sm text-emerald-700" data-testid="dlqs-all-empty">No DLQ grew in the last hour</p>
            ) : (
              <table className="w-full text-left text-sm">
                <thead className="text-xs uppercase text-slate-500">
                  <tr>
                    <th scope="col" className="py-1 pr-3 font-medium">DLQ</th>
                    <th scope="col" className="py-1 pr-3 text-right font-medium">Depth</th>
                    <th scope="col" className="py-1 text-right font-medium">Last hour</th>
                  </tr>
                </thead>
                <tbody>
                  {data.growingDlqs.map((dlq) => (
                    <tr key={`${dlq.kind}/${dlq.connection}/${dlq.name}`} className="border-t border-slate-100" data-testid={`attention-dlq-${dlq.name}`}>
                      <td className="py-1 pr-3">
                        <Link
                          href={`/dlqs/${encodeURIComponent(dlq.kind)}/${encodeURIComponent(dlq.connection)}/${encodeURIComponent(dlq.name)}`}
                          className="break-all font-mono text-sky-700 hover:underline"
                        >
                          {dlq.name}
                        </Link>
                        <span className="ml-1 text-xs text-slate-400">
                          {brokerLabel(dlq.kind)} · {dlq.connection}
                        </span>
                      </td>
                      <td className="py-1 pr-3 text-right tabular-nums" data-testid="attention-dlq-depth">
                        {formatNumber(dlq.depth)}
                      </td>
                      <td className="py-1 text-right tabular-nums" data-testid="attention-dlq-growth">
                        <GrowthText value={dlq.growthLastHour} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Card>
        </div>
      ) : null}
    </section>
  );
}
