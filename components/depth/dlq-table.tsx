import Link from "next/link";
import { dlqHref } from "../dlq/format";
import { formatNumber } from "../lag/format";
import type { DlqEntry } from "../lag/types";
import { GrowthText } from "./growth-text";
import { NAV_ROW_FOCUS, navRow } from "../keyboard-shortcuts";

const KIND_LABELS = { sqs: "SQS queue", kafka: "Kafka topic", rabbitmq: "RabbitMQ queue", nats: "JetStream consumer" } as const;

export function DlqTable({ dlqs }: { dlqs: DlqEntry[] }) {
  if (dlqs.length === 0) {
    return <p className="text-sm text-slate-500">No dead-letter queue or DLQ topic has been sampled yet.</p>;
  }
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm">
        <thead className="text-xs uppercase text-slate-500">
          <tr>
            <th scope="col" className="py-1 pr-3 font-medium">Connection</th>
            <th scope="col" className="py-1 pr-3 font-medium">Kind</th>
            <th scope="col" className="py-1 pr-3 font-medium">DLQ</th>
            <th scope="col" className="py-1 pr-3 font-medium">Source(s)</th>
            <th scope="col" className="py-1 pr-3 text-right font-medium">Depth</th>
            <th scope="col" className="py-1 pr-3 text-right font-medium" title="From the replay ledger">Not replayed</th>
            <th scope="col" className="py-1 pr-3 text-right font-medium">Last hour</th>
          </tr>
        </thead>
        <tbody>
          {dlqs.map((dlq) => (
            <tr
              key={`${dlq.kind}/${dlq.connection}/${dlq.name}`}
              {...navRow}
              className={`border-t border-slate-100 align-top ${NAV_ROW_FOCUS}`}
              data-testid={`dlq-depth-row-${dlq.name}`}
            >
              <td className="py-1 pr-3 font-mono">{dlq.connection}</td>
              <td className="py-1 pr-3">{KIND_LABELS[dlq.kind]}</td>
              <td className="py-1 pr-3 break-all font-mono">
                <Link href={dlqHref(dlq.kind, dlq.connection, dlq.name)} className="text-sky-700 hover:underline" data-testid="dlq-link">
                  {dlq.name}
                </Link>
              </td>
              <td className="py-1 pr-3 break-all font-mono text-xs text-slate-600">
                {dlq.sources.length > 0 ? dlq.sources.join(", ") : <span className="text-slate-400">unknown</span>}
              </td>
              <td className={`py-1 pr-3 text-right tabular-nums ${dlq.depth > 0 ? "font-semibold" : "text-slate-500"}`} data-testid="dlq-depth">
                {formatNumber(dlq.depth)}
              </td>
              <td className="py-1 pr-3 text-right tabular-nums text-slate-600" data-testid="dlq-not-replayed">
                {formatNumber(dlq.notReplayed)}
              </td>
              <td className="py-1 pr-3 text-right tabular-nums" data-testid="dlq-growth">
                <GrowthText value={dlq.growthLastHour} />
                {dlq.health && dlq.health.status !== "OK" ? (
                  <div className="text-xs text-amber-700" title={dlq.health.reason ?? undefined} data-testid="dlq-health">
                    {dlq.health.status === "CONSUMERS_STALLED" ? "consumers stalled" : "growing, no consumers"}
                  </div>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
