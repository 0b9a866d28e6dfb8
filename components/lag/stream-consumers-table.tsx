"use client";

import Link from "next/link";
import { dlqHref } from "../dlq/format";
import { NAV_ROW_FOCUS, navRow } from "../keyboard-shortcuts";
import { formatNumber, secondsText, streamConsumerHref } from "./format";
import { StatusBadge } from "./status-badge";
import type { StreamConsumerRow } from "./types";

/** JetStream consumers in the log model: pending is the lag, the ack floor the committed position. */
export function StreamConsumersTable({ connection, rows }: { connection: string; rows: StreamConsumerRow[] }) {
  const head = (label: string, title?: string, right = true) => (
    <th scope="col" title={title} className={`py-1 pr-3 font-medium ${right ? "text-right" : ""}`}>
      {label}
    </th>
  );
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm">
        <thead className="text-xs uppercase text-slate-500">
          <tr>
            {head("Stream › consumer", undefined, false)}
            {head("Type", undefined, false)}
            {head("Pending (lag)", "num_pending: messages not yet delivered to the consumer")}
            {head("Ack pending", "Delivered, not yet acknowledged")}
            {head("Redelivered")}
            {head("Waiting", "Pull requests waiting for messages")}
            {head("Delivered / ack floor / last seq", "Stream sequences: last delivered, acknowledged up to, the stream's last")}
            {head("Lag (time)", "Age of the oldest unacknowledged message")}
            {head("Max deliver")}
            {head("Dead letters", "Max-delivery and terminated advisories captured for this consumer")}
            {head("Status", undefined, false)}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.name} {...navRow} className={`border-t border-slate-100 hover:bg-slate-50 ${NAV_ROW_FOCUS}`} data-testid={`stream-consumer-row-${row.name}`}>
              <td className="max-w-md py-1 pr-3">
                <Link href={streamConsumerHref(connection, row.name)} className="break-all font-mono text-sky-700 hover:underline">
                  {row.stream} › {row.consumer}
                </Link>
                {row.filterSubjects.length > 0 ? <div className="break-all font-mono text-xs text-slate-500">{row.filterSubjects.join(", ")}</div> : null}
              </td>
              <td className="py-1 pr-3 text-xs text-slate-600">
                {row.consumerKind}
                {row.durable ? "" : " · ephemeral"}
                {row.active ? "" : " · idle"}
              </td>
              <td className="py-1 pr-3 text-right tabular-nums" data-testid="stream-consumer-pending">
                {formatNumber(row.pending)}
              </td>
              <td className="py-1 pr-3 text-right tabular-nums" data-testid="stream-consumer-ack-pending">
                {formatNumber(row.ackPending)}
              </td>
              <td className="py-1 pr-3 text-right tabular-nums">{formatNumber(row.redelivered)}</td>
              <td className="py-1 pr-3 text-right tabular-nums">{formatNumber(row.waiting)}</td>
              <td className="py-1 pr-3 text-right font-mono text-xs tabular-nums">
                {row.deliveredSeq} / {row.ackFloorSeq} / {row.streamLastSeq}
              </td>
              <td className="py-1 pr-3 text-right tabular-nums">{secondsText(row.lagSeconds)}</td>
              <td className="py-1 pr-3 text-right tabular-nums">{row.maxDeliver ?? "∞"}</td>
              <td className="py-1 pr-3 text-right tabular-nums" data-testid="stream-consumer-dead-letters">
                {row.deadLetters === null ? (
                  <span className="text-slate-400" title="No advisory capture stream: dead letters are not recorded">
                    —
                  </span>
                ) : row.deadLetters > 0 ? (
                  <Link href={dlqHref("nats", connection, row.name)} className="text-sky-700 hover:underline">
                    {formatNumber(row.deadLetters)}
                  </Link>
                ) : (
                  "0"
                )}
              </td>
              <td className="py-1 pr-3" data-testid="stream-consumer-status">
                <StatusBadge status={row.status} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The streams of the connection at the sample: the log each consumer reads. */
export function StreamsTable({ rows }: { rows: { stream: string; subjects: string[]; retention: string; messages: number; bytes: number; firstSeq: number; lastSeq: number; consumerCount: number }[] }) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm">
        <thead className="text-xs uppercase text-slate-500">
          <tr>
            <th scope="col" className="py-1 pr-3 font-medium">Stream</th>
            <th scope="col" className="py-1 pr-3 font-medium">Subjects</th>
            <th scope="col" className="py-1 pr-3 font-medium">Retention</th>
            <th scope="col" className="py-1 pr-3 text-right font-medium">Messages</th>
            <th scope="col" className="py-1 pr-3 text-right font-medium">Bytes</th>
            <th scope="col" className="py-1 pr-3 text-right font-medium">First / last seq</th>
            <th scope="col" className="py-1 pr-3 text-right font-medium">Consumers</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.stream} className="border-t border-slate-100" data-testid={`stream-row-${row.stream}`}>
              <td className="py-1 pr-3 font-mono">{row.stream}</td>
              <td className="break-all py-1 pr-3 font-mono text-xs">{row.subjects.join(", ")}</td>
              <td className="py-1 pr-3">{row.retention}</td>
              <td className="py-1 pr-3 text-right tabular-nums">{formatNumber(row.messages)}</td>
              <td className="py-1 pr-3 text-right tabular-nums">{formatNumber(row.bytes)}</td>
              <td className="py-1 pr-3 text-right font-mono text-xs tabular-nums">
                {row.firstSeq} / {row.lastSeq}
              </td>
              <td className="py-1 pr-3 text-right tabular-nums">{formatNumber(row.consumerCount)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
