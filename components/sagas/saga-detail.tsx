"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useTRPC } from "../trpc";
import { Card, ErrorBox, PageHeader } from "../ui";
import { ageText, since, timeText } from "./format";
import { SagaActions } from "./saga-actions";
import { SagaStatus } from "./saga-status";

function Json({ value }: { value: unknown }) {
  return <pre className="max-h-96 overflow-auto rounded bg-slate-50 p-2 font-mono text-xs">{JSON.stringify(value, null, 2)}</pre>;
}

export function SagaDetail({ database, id }: { database: string; id: string }) {
  const trpc = useTRPC();
  const detail = useQuery(trpc.sagas.detail.queryOptions({ database, id }, { refetchInterval: 5_000 }));
  const back = (
    <Link href={`/sagas?database=${encodeURIComponent(database)}`} className="text-sm text-sky-700 hover:underline">
      ← Sagas
    </Link>
  );
  if (detail.error) {
    return (
      <div className="space-y-4">
        {back}
        <ErrorBox title="Could not load the saga" message={detail.error.message} />
      </div>
    );
  }
  if (!detail.data) return <p className="text-sm text-slate-500">Loading saga…</p>;
  const d = detail.data;
  const s = d.saga;
  return (
    <div className="space-y-4">
      {back}
      <PageHeader title={`${s.sagaType} saga`}>
        <span className="font-mono text-xs">{s.id}</span>
      </PageHeader>
      <Card title="State" aside={<SagaStatus status={s.status} testId="saga-status" resolved={d.commands.some((c) => c.command === "resolve" && c.state === "applied")} />}>
        <dl className="grid grid-cols-2 gap-x-6 gap-y-1 text-sm md:grid-cols-4">
          <dt className="text-slate-500">Current step</dt>
          <dd className="font-mono">{s.currentStep ?? "—"}</dd>
          <dt className="text-slate-500">Version</dt>
          <dd className="tabular-nums" data-testid="saga-version">{s.version ?? "—"}</dd>
          <dt className="text-slate-500">Correlation id</dt>
          <dd className="font-mono text-xs">{s.correlationId}</dd>
          <dt className="text-slate-500">Attempts</dt>
          <dd className="tabular-nums">{s.attempts ?? "—"}</dd>
          <dt className="text-slate-500">Started</dt>
          <dd>{timeText(s.startedAt)}</dd>
          <dt className="text-slate-500">Last progress</dt>
          <dd>{since(s.updatedAt)}</dd>
          {s.rawState && s.rawState !== s.status ? (
            <>
              <dt className="text-slate-500">Stored state</dt>
              <dd className="font-mono">{s.rawState}</dd>
            </>
          ) : null}
        </dl>
        {s.lastError ? <p className="mt-2 break-words font-mono text-xs text-red-800">{s.lastError}</p> : null}
        {d.stuck && d.diagnosis ? (
          <div role="status" className="mt-3 rounded border border-amber-300 bg-amber-50 p-2 text-sm text-amber-900" data-testid="saga-diagnosis" data-kind={d.diagnosis.kind}>
            <span className="font-medium">Stuck ({ageText(s.idleSeconds)} without progress): </span>
            {d.diagnosis.detail}
          </div>
        ) : null}
        <div className="mt-3">
          <SagaActions
            database={database}
            sagaId={s.id}
            version={s.version}
            status={s.status}
            appliesTo={d.commandAppliesTo}
            writable={d.writable}
            supported={d.commandsSupported}
            onHandled={() => void detail.refetch()}
          />
        </div>
      </Card>

      <Card title="Timeline">
        {d.steps.length === 0 ? (
          <p className="text-sm text-slate-500">This layout records no steps.</p>
        ) : (
          <ol className="space-y-1 text-sm" data-testid="saga-timeline">
            {d.steps.map((step) => (
              <li key={step.id} className="flex flex-wrap items-baseline gap-x-3 border-l-2 border-slate-200 pl-3" data-testid="timeline-step">
                <span className={`text-xs font-semibold uppercase ${step.action === "compensate" ? "text-amber-700" : "text-sky-700"}`}>{step.action}</span>
                <span className="font-mono">{step.step}</span>
                <span className={step.status === "failed" ? "text-red-700" : step.status === "running" ? "text-slate-500" : "text-green-700"}>{step.status}</span>
                <span className="text-xs text-slate-500">attempt {step.attempt}</span>
                <span className="text-xs text-slate-500">{timeText(step.startedAt)}</span>
                <span className="text-xs text-slate-500">{step.durationMs === null ? (step.status === "running" ? `running for ${since(step.startedAt).replace(" ago", "")}` : "") : `${step.durationMs} ms`}</span>
                {step.error ? <pre className="w-full whitespace-pre-wrap break-words font-mono text-xs text-red-800">{step.error}</pre> : null}
              </li>
            ))}
          </ol>
        )}
      </Card>

      <Card title="Context">{d.context.visible ? <Json value={d.context.value} /> : <p className="text-sm text-slate-500">Your role may not read payloads.</p>}</Card>

      <Card title="Operator commands">
        {d.commands.length === 0 ? (
          <p className="text-sm text-slate-500">No operator command was issued for this saga.</p>
        ) : (
          <table className="w-full text-left text-sm" data-testid="saga-commands">
            <thead className="text-xs uppercase text-slate-500">
              <tr>
                <th className="py-1 pr-3 font-medium">Command</th>
                <th className="py-1 pr-3 font-medium">By</th>
                <th className="py-1 pr-3 font-medium">Reason</th>
                <th className="py-1 pr-3 font-medium">Requested</th>
                <th className="py-1 pr-3 font-medium">Outcome</th>
              </tr>
            </thead>
            <tbody>
              {d.commands.map((c) => (
                <tr key={c.id} className="border-t border-slate-100 align-top">
                  <td className="py-1 pr-3 font-mono">{c.command}</td>
                  <td className="py-1 pr-3">{c.requestedBy}</td>
                  <td className="py-1 pr-3">{c.reason}</td>
                  <td className="py-1 pr-3 text-xs">{timeText(c.requestedAt)}</td>
                  <td className={`py-1 pr-3 text-xs ${c.state === "rejected" ? "text-red-700" : c.state === "applied" ? "text-green-800" : "text-slate-500"}`}>
                    {c.state === "pending" ? "pending" : `${c.outcome ?? ""} (${timeText(c.handledAt)})`}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>

      <Card title="Outbox rows">
        {d.outbox.length === 0 ? (
          <p className="text-sm text-slate-500">No outbox row carries this saga&apos;s ids.</p>
        ) : (
          <table className="w-full text-left text-sm" data-testid="saga-outbox">
            <thead className="text-xs uppercase text-slate-500">
              <tr>
                <th className="py-1 pr-3 font-medium">Topic</th>
                <th className="py-1 pr-3 font-medium">Written</th>
                <th className="py-1 pr-3 font-medium">Published</th>
                <th className="py-1 pr-3 font-medium">Attempts</th>
                <th className="py-1 pr-3 font-medium">Payload</th>
              </tr>
            </thead>
            <tbody>
              {d.outbox.map((r) => (
                <tr key={r.id} className="border-t border-slate-100 align-top">
                  <td className="py-1 pr-3 font-mono text-xs">{r.topic}</td>
                  <td className="py-1 pr-3 text-xs">{timeText(r.createdAt)}</td>
                  <td className={`py-1 pr-3 text-xs ${r.publishedAt ? "" : "font-medium text-amber-800"}`}>{r.publishedAt ? timeText(r.publishedAt) : "unpublished"}</td>
                  <td className="py-1 pr-3 text-xs">
                    {r.attempts ?? "—"}
                    {r.lastError ? <div className="break-words font-mono text-red-800">{r.lastError}</div> : null}
                  </td>
                  <td className="max-w-md py-1 pr-3">
                    {r.payload.visible ? (
                      <details>
                        <summary className="cursor-pointer text-xs text-sky-700">show</summary>
                        <Json value={r.payload.value} />
                      </details>
                    ) : (
                      <span className="text-xs text-slate-400">hidden</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>

      <Card title="Dead letters">
        {d.dlq.length === 0 ? (
          <p className="text-sm text-slate-500">None of this saga&apos;s messages is among the newest records of the DLQ topics of its topics.</p>
        ) : (
          <ul className="space-y-2 text-sm" data-testid="saga-dlq">
            {d.dlq.map((h) => (
              <li key={`${h.topic}/${h.id}`}>
                <Link href={`/dlqs/kafka/${encodeURIComponent(h.connection)}/${encodeURIComponent(h.topic)}`} className="font-mono text-xs text-sky-700 hover:underline">
                  {h.topic} {h.id}
                </Link>{" "}
                <span className="text-xs text-slate-500">{timeText(new Date(h.timestampMs))}</span>
                <div className="font-mono text-xs text-red-800">
                  {h.exceptionClass}: {h.error}
                </div>
                {h.stacktrace ? (
                  <details>
                    <summary className="cursor-pointer text-xs text-sky-700">stack trace</summary>
                    <pre className="max-h-64 overflow-auto whitespace-pre-wrap font-mono text-xs">{h.stacktrace}</pre>
                  </details>
                ) : null}
              </li>
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}
