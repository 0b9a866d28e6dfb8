import { formatDateTime } from "./format";
import type { DlqMessageDetail } from "./types";
import { VisibleText } from "./visible-text";

type RabbitFailure = NonNullable<NonNullable<DlqMessageDetail["failure"]>["rabbit"]>;

const exchangeName = (exchange: string) => exchange || "(default)";

/**
 * What RabbitMQ recorded about a dead letter: where it was first published (the replay origin) and every
 * x-death entry (reason, count, queue, exchange, routing keys, time). Every value is a text node with its
 * invisible characters shown: header values are written by publishers and untrusted.
 */
export function RabbitDeaths({ rabbit }: { rabbit: RabbitFailure }) {
  return (
    <div className="space-y-2" data-testid="rabbit-deaths">
      <dl className="grid gap-3 text-sm sm:grid-cols-3">
        <div className="min-w-0">
          <dt className="text-xs uppercase tracking-wide text-slate-500">Original exchange</dt>
          <dd className="break-all font-mono" data-testid="rabbit-origin-exchange">
            {rabbit.originExchange === null ? "—" : <VisibleText text={exchangeName(rabbit.originExchange)} />}
          </dd>
        </div>
        <div className="min-w-0">
          <dt className="text-xs uppercase tracking-wide text-slate-500">Original routing key</dt>
          <dd className="break-all font-mono" data-testid="rabbit-origin-routing-key">
            {rabbit.originRoutingKey === null ? "—" : <VisibleText text={rabbit.originRoutingKey} />}
          </dd>
        </div>
        <div className="min-w-0">
          <dt className="text-xs uppercase tracking-wide text-slate-500">First death</dt>
          <dd data-testid="rabbit-death-reason">
            {rabbit.deathReason ?? "—"}
            {rabbit.deathCount !== null ? ` × ${rabbit.deathCount}` : ""}
          </dd>
        </div>
      </dl>
      {rabbit.deaths.length > 0 ? (
        <div className="overflow-auto rounded border border-slate-200">
          <table className="w-full text-left text-xs" data-testid="rabbit-x-death">
            <caption className="bg-slate-50 px-2 py-1 text-left text-xs text-slate-500">x-death, most recent first</caption>
            <thead className="bg-slate-50 uppercase text-slate-500">
              <tr>
                <th scope="col" className="px-2 py-1 font-medium">Reason</th>
                <th scope="col" className="px-2 py-1 font-medium">Count</th>
                <th scope="col" className="px-2 py-1 font-medium">Queue</th>
                <th scope="col" className="px-2 py-1 font-medium">Exchange</th>
                <th scope="col" className="px-2 py-1 font-medium">Routing keys</th>
                <th scope="col" className="px-2 py-1 font-medium">Time</th>
              </tr>
            </thead>
            <tbody>
              {rabbit.deaths.map((death, index) => (
                <tr key={`${index}:${death.queue}:${death.reason}`} className="border-t border-slate-100 align-top">
                  <td className="px-2 py-1">
                    <VisibleText text={death.reason} />
                  </td>
                  <td className="px-2 py-1">{death.count}</td>
                  <td className="break-all px-2 py-1 font-mono">
                    <VisibleText text={death.queue} />
                  </td>
                  <td className="break-all px-2 py-1 font-mono">
                    <VisibleText text={exchangeName(death.exchange)} />
                  </td>
                  <td className="break-all px-2 py-1 font-mono">
                    <VisibleText text={death.routingKeys.join(", ")} />
                  </td>
                  <td className="px-2 py-1">{formatDateTime(death.timeMs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="text-xs text-slate-500">No x-death header: the failure comes from the application&apos;s headers (e.g. Spring AMQP&apos;s x-exception-*).</p>
      )}
    </div>
  );
}
