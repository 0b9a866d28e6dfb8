import { formatNumber } from "../lag/format";
import type { DepthList } from "../lag/types";
import { GrowthText } from "./growth-text";

type Queue = DepthList["sqs"][number]["queues"][number];

export function SqsQueuesTable({ queues }: { queues: Queue[] }) {
  if (queues.length === 0) return <p className="text-sm text-slate-500">No queues sampled yet.</p>;
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm">
        <thead className="text-xs uppercase text-slate-500">
          <tr>
            <th scope="col" className="py-1 pr-3 font-medium">Queue</th>
            <th scope="col" className="py-1 pr-3 text-right font-medium">Visible</th>
            <th scope="col" className="py-1 pr-3 text-right font-medium">In flight</th>
            <th scope="col" className="py-1 pr-3 text-right font-medium">Delayed</th>
            <th scope="col" className="py-1 pr-3 text-right font-medium">Visible, last hour</th>
          </tr>
        </thead>
        <tbody>
          {queues.map((queue) => (
            <tr key={queue.queue} className="border-t border-slate-100" data-testid={`sqs-queue-row-${queue.queue}`}>
              <td className="py-1 pr-3 break-all font-mono">
                {queue.queue}
                {queue.isDeadLetterQueue ? <span className="ml-2 rounded bg-slate-100 px-1 text-xs text-slate-600">DLQ</span> : null}
              </td>
              <td className="py-1 pr-3 text-right tabular-nums">{formatNumber(queue.visible)}</td>
              <td className="py-1 pr-3 text-right tabular-nums">{formatNumber(queue.inFlight)}</td>
              <td className="py-1 pr-3 text-right tabular-nums">{formatNumber(queue.delayed)}</td>
              <td className="py-1 pr-3 text-right tabular-nums">
                <GrowthText value={queue.growthLastHour} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
