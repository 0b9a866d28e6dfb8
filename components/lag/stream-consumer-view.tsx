"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { ChartFrame } from "../charts/chart-frame";
import { LagHistoryChart } from "../charts/lag-history-chart";
import { RangeSelector } from "../charts/range-selector";
import { bucketText } from "../charts/ranges";
import { RateHistoryChart } from "../charts/rate-history-chart";
import { dlqHref } from "../dlq/format";
import { Card, ErrorBox, PageHeader, Stat, formatTime } from "../ui";
import { useTRPC } from "../trpc";
import { useChartRange } from "../url-state";
import { formatNumber, secondsText } from "./format";
import { SnapshotBanner } from "./snapshot-banner";
import { StatusBadge } from "./status-badge";

const REFRESH_MS = 5_000;

/** One JetStream consumer: its numbers at the latest sample, its stream, and pending / rates over time. */
export function StreamConsumerView({ connection, consumer }: { connection: string; consumer: string }) {
  const trpc = useTRPC();
  const [range, setRange] = useChartRange("1h");
  const detail = useQuery(trpc.lag.streamConsumer.queryOptions({ connection, consumer }, { refetchInterval: REFRESH_MS }));
  const history = useQuery(trpc.lag.streamConsumerHistory.queryOptions({ connection, consumer, range }, { refetchInterval: REFRESH_MS }));
  const row = detail.data?.consumer;
  const stream = detail.data?.stream;
  const points = history.data?.points ?? [];
  const error = history.error ? `Could not load the history: ${history.error.message}` : null;
  return (
    <div className="space-y-4">
      <PageHeader title={`Consumer ${consumer}`}>
        <Link href={`/lag?connection=${encodeURIComponent(connection)}&broker=nats`} className="text-sm text-sky-700 hover:underline">
          ← all consumers of {connection}
        </Link>
      </PageHeader>
      {detail.error ? <ErrorBox title="Could not load the consumer" message={detail.error.message} /> : null}
      {detail.data ? <SnapshotBanner snapshot={detail.data.snapshot} labelled /> : null}
      {detail.data && !row ? <p className="text-sm text-slate-500">The latest snapshot has no consumer {consumer}.</p> : null}
      {row ? (
        <Card title={`${row.stream} › ${row.consumer} (${row.consumerKind}${row.durable ? ", durable" : ", ephemeral"})`}>
          <div className="grid grid-cols-2 gap-4 sm:grid-cols-4 lg:grid-cols-6">
            <div>
              <div className="text-xs uppercase tracking-wide text-slate-500">Status</div>
              <div className="mt-1">
                <StatusBadge status={row.status} testId="stream-consumer-detail-status" />
              </div>
            </div>
            <Stat label="Pending (lag)" value={formatNumber(row.pending)} testId="stream-consumer-detail-pending" />
            <Stat label="Ack pending" value={formatNumber(row.ackPending)} testId="stream-consumer-detail-ack-pending" />
            <Stat label="Lag (time)" value={secondsText(row.lagSeconds)} testId="stream-consumer-detail-lag-seconds" />
            <Stat label="Redelivered" value={formatNumber(row.redelivered)} />
            <Stat label="Waiting pulls" value={formatNumber(row.waiting)} />
            <Stat label="Delivered seq" value={formatNumber(row.deliveredSeq)} />
            <Stat label="Ack floor seq" value={formatNumber(row.ackFloorSeq)} />
            <Stat label="Stream last seq" value={formatNumber(row.streamLastSeq)} />
            <Stat label="Max deliver" value={row.maxDeliver ?? "∞"} />
            <Stat label="Last activity" value={<span className="text-sm">{row.lastActivity ? formatTime(row.lastActivity) : "never"}</span>} />
            <Stat
              label="Dead letters"
              testId="stream-consumer-detail-dead-letters"
              value={
                row.deadLetters === null ? (
                  <span className="text-sm text-slate-500">not captured</span>
                ) : (
                  <Link href={dlqHref("nats", connection, consumer)} className="text-sky-700 hover:underline" data-testid="stream-consumer-dead-letters-link">
                    {formatNumber(row.deadLetters)}
                  </Link>
                )
              }
            />
          </div>
          {row.filterSubjects.length > 0 ? <p className="mt-3 text-xs text-slate-600">Filter: <span className="font-mono">{row.filterSubjects.join(", ")}</span></p> : null}
          {stream ? (
            <p className="mt-1 text-xs text-slate-600" data-testid="stream-consumer-stream">
              Stream {stream.stream}: {stream.retention} retention, {formatNumber(stream.messages)} messages, sequences {stream.firstSeq}–{stream.lastSeq}, subjects{" "}
              <span className="font-mono">{stream.subjects.join(", ")}</span>
            </p>
          ) : null}
        </Card>
      ) : null}
      <Card
        title="History"
        aside={
          <div className="flex items-center gap-2">
            {history.data ? <span className="text-xs text-slate-400">averaged per {bucketText(history.data.bucketSeconds)}</span> : null}
            <RangeSelector value={range} onChange={(next) => void setRange(next)} />
          </div>
        }
      >
        <div className="grid gap-4 lg:grid-cols-2">
          <ChartFrame title="Pending: messages and time (the oldest unacknowledged message)" isPending={history.isPending} error={error} empty={points.length === 0}>
            <LagHistoryChart points={points} range={range} />
          </ChartFrame>
          <ChartFrame title="Stream append vs delivery rate (messages per second)" isPending={history.isPending} error={error} empty={points.length < 2}>
            <RateHistoryChart points={points} range={range} />
          </ChartFrame>
        </div>
      </Card>
    </div>
  );
}
