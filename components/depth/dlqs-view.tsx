"use client";

import { useQuery } from "@tanstack/react-query";
import { useChartRange } from "../url-state";
import { RangeSelector } from "../charts/range-selector";
import { SnapshotBanner } from "../lag/snapshot-banner";
import { Card, ErrorBox, PageHeader } from "../ui";
import { useTRPC } from "../trpc";
import { DlqDepthChart } from "./dlq-depth-chart";
import { DlqTable } from "./dlq-table";
import { SqsQueuesTable } from "./sqs-queues-table";
import type { BrokerKind } from "~/server/brokers/registry";

const REFRESH_MS = 5_000;

export function DlqsView() {
  const trpc = useTRPC();
  const depth = useQuery(trpc.depth.list.queryOptions(undefined, { refetchInterval: REFRESH_MS }));
  const [range, setRange] = useChartRange("6h");

  const data = depth.data;
  // One chart per connection: the history procedure takes one kind and connection at a time.
  const chartGroups = new Map<string, { kind: BrokerKind; connection: string; names: string[] }>();
  for (const dlq of data?.dlqs ?? []) {
    const key = `${dlq.kind}/${dlq.connection}`;
    const entry = chartGroups.get(key) ?? { kind: dlq.kind, connection: dlq.connection, names: [] };
    entry.names.push(dlq.name);
    chartGroups.set(key, entry);
  }
  const snapshots = data ? [...data.kafka.map((k) => k.snapshot), ...data.sqs.map((s) => s.snapshot), ...data.rabbitmq.map((r) => r.snapshot), ...data.nats.map((n) => n.snapshot)] : [];

  return (
    <div className="space-y-4">
      <PageHeader title="Dead-letter queues">{depth.isFetching ? <span className="text-xs">refreshing…</span> : null}</PageHeader>
      <p className="rounded border border-slate-200 bg-white px-3 py-2 text-sm text-slate-600">
        Depths from the stored samples. Open a DLQ to browse its messages, see its failure groups and search it.
      </p>
      {depth.error ? <ErrorBox title="Could not load the DLQ depths" message={depth.error.message} /> : null}
      {depth.isPending ? <p className="text-sm text-slate-500">Loading…</p> : null}
      {data ? (
        <>
          {snapshots.length > 0 ? (
            <div className="space-y-1">
              {snapshots.map((snapshot) => (
                <SnapshotBanner key={`${snapshot.kind}/${snapshot.connection}`} snapshot={snapshot} labelled />
              ))}
            </div>
          ) : (
            <p className="text-sm text-slate-500">No Kafka, SQS, RabbitMQ or NATS connection configured.</p>
          )}
          <Card title="Every DLQ">
            <DlqTable dlqs={data.dlqs} />
          </Card>
          <Card title="DLQ depth over time" aside={<RangeSelector value={range} onChange={setRange} />}>
            {chartGroups.size === 0 ? (
              <p className="text-sm text-slate-500">No DLQ to chart.</p>
            ) : (
              <div className="grid gap-4 lg:grid-cols-2">
                {[...chartGroups.entries()].map(([key, group]) => (
                  <DlqDepthChart key={key} kind={group.kind} connection={group.connection} names={group.names} range={range} />
                ))}
              </div>
            )}
          </Card>
          {data.sqs.map(({ snapshot, queues }) => (
            <Card key={snapshot.connection} title={`SQS queues · ${snapshot.connection}`}>
              <SqsQueuesTable queues={queues} />
            </Card>
          ))}
        </>
      ) : null}
    </div>
  );
}
