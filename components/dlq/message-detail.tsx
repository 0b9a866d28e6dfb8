"use client";

import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { Card, ErrorBox } from "../ui";
import { useTRPC } from "../trpc";
import { exportHref } from "./replay-controls";
import { ReplayPanel } from "./replay-panel";
import { downloadHref, formatBytes, formatDateTime, formatDuration } from "./format";
import { BytesView, HeaderValue, PayloadView } from "./payload-view";
import { SchemaEvolutionPanel } from "./schema-evolution";
import { SchemaPart } from "./schema-part";
import type { DlqMessageDetail, DlqRef } from "./types";
import { RabbitDeaths } from "./rabbit-failure";
import { NatsAdvisory } from "./nats-advisory";
import { PublishToTopic, SnsDelivery } from "./sns-delivery";
import { VisibleText } from "./visible-text";

/** A broker's own replay section in place of the topic/queue one (RabbitMQ: an exchange and a routing key). */
export type ReplaySection = (detail: DlqMessageDetail) => ReactNode;

/** One message, decoded. Every byte from the message is shown as text (React text nodes in <pre>), never as markup. */
export function MessageDetail({ dlq, id, snapshotId, onClose, replay }: { dlq: DlqRef; id: string; snapshotId?: string; onClose: () => void; replay?: ReplaySection }) {
  const trpc = useTRPC();
  const message = useQuery(trpc.dlq.message.queryOptions({ kind: dlq.kind, connection: dlq.connection, dlq: dlq.dlq, id, snapshotId }, { staleTime: 60_000 }));

  return (
    <div data-testid="message-detail" className="@container">
      <Card
        title={<span className="font-mono">Message {id}</span>}
        aside={
          <span className="flex items-center gap-2">
            <a
              href={exportHref(dlq, [id], snapshotId)}
              download
              className="rounded border border-slate-300 px-2 py-0.5 text-xs text-slate-600 hover:bg-slate-50"
              data-testid="detail-export"
            >
              Export NDJSON
            </a>
            <button type="button" onClick={onClose} className="rounded border border-slate-300 px-2 py-0.5 text-xs text-slate-600 hover:bg-slate-50">
              Close
            </button>
          </span>
        }
      >
        {message.error ? <ErrorBox title="Could not read the message" message={message.error.message} /> : null}
        {message.isPending ? <p className="text-sm text-slate-500">Reading the message…</p> : null}
        {message.data ? <DetailBody detail={message.data} dlq={dlq} snapshotId={snapshotId} replay={replay} /> : null}
      </Card>
    </div>
  );
}

function Field({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs uppercase tracking-wide text-slate-500">{label}</dt>
      <dd className="break-all text-sm" data-testid={testId}>
        {children}
      </dd>
    </div>
  );
}

const none = <span className="text-slate-400">—</span>;

/** Closing the loop: this dead letter is a replayed copy that died again. */
function CameBack({ earlier }: { earlier: NonNullable<DlqMessageDetail["cameBackFrom"]> }) {
  return (
    <p role="status" className="rounded border border-amber-300 bg-amber-50 p-2 text-sm text-amber-900" data-testid="came-back">
      This message came back: it is the copy of replay <span className="font-mono">{earlier.replayId}</span>
      {earlier.messageId ? (
        <>
          {" "}of <span className="font-mono">{earlier.dlq}/{earlier.messageId}</span>, replay #{earlier.replayCount} by {earlier.replayedBy} at {formatDateTime(earlier.replayedAt?.getTime())}
        </>
      ) : (
        " (not in this Redrive's ledger)"
      )}
      {earlier.jobId ? (
        <>
          {" "}in{" "}
          <Link href={`/replays/${earlier.jobId}`} className="underline">
            job {earlier.jobId.slice(0, 8)}
          </Link>
        </>
      ) : null}
      . It failed again, so the fault may not be fixed.
    </p>
  );
}

function DetailBody({ detail, dlq, snapshotId, replay }: { detail: DlqMessageDetail; dlq: DlqRef; snapshotId?: string; replay?: ReplaySection }) {
  const f = detail.failure;
  const origin =
    f?.originTopic != null
      ? `${f.originTopic}${f.originPartition !== null ? ` / partition ${f.originPartition}` : ""}${f.originOffset !== null ? ` / offset ${f.originOffset}` : ""}`
      : (f?.sourceQueue ?? (f?.sns ? (f.sns.subscriptionArn ?? `topic ${f.sns.topic}`) : null));
  return (
    <div className="space-y-5">
      {detail.cameBackFrom ? <CameBack earlier={detail.cameBackFrom} /> : null}
      {detail.aborted ? (
        <p role="status" className="rounded border border-amber-300 bg-amber-50 p-2 text-sm text-amber-900" data-testid="message-aborted">
          Aborted transaction: this record was written in a transaction that was aborted, so consumers reading committed data never saw it.
          It is shown for inspection only and cannot be replayed or edited.
        </p>
      ) : replay ? (
        replay(detail)
      ) : (
        <>
          {/* An SNS subscription DLQ's message goes back to its subscriber's queue: that is its origin. */}
          <ReplayPanel dlq={dlq} id={detail.id} origin={f?.originTopic ?? f?.sourceQueue ?? (detail.snsSubscriber?.ok ? detail.snsSubscriber.queue : null)} snapshotId={snapshotId} />
          {f?.sns ? <PublishToTopic dlq={dlq} id={detail.id} sns={f.sns} /> : null}
        </>
      )}
      <section aria-label="Failure" className="space-y-3">
        <h3 className="text-sm font-semibold text-slate-700">Failure</h3>
        {f ? null : <p className="text-sm text-slate-500">No failure headers or attributes were found on this message.</p>}
        <dl className="grid gap-3 @sm:grid-cols-2 @2xl:grid-cols-3">
          <Field label={f?.sourceQueue ? "Source queue" : "Origin"}>{origin ? <span className="font-mono">{origin}</span> : none}</Field>
          <Field label="Original time">{formatDateTime(f?.originTimestampMs)}</Field>
          <Field label="Consumer group">{f?.consumerGroup ? <span className="font-mono">{f.consumerGroup}</span> : none}</Field>
          <Field label="Exception class" testId="detail-exception-class">
            {f?.exceptionClass ? <span className="font-mono">{f.exceptionClass}</span> : none}
          </Field>
          <Field label="Cause class">{f?.causeClass ? <span className="font-mono">{f.causeClass}</span> : none}</Field>
          <Field label="Attempts">{f?.attempts ?? none}</Field>
          <Field label="Time in DLQ">{formatDuration(detail.timeInDlqMs)}</Field>
          <Field label="Written to DLQ">{formatDateTime(detail.timestampMs)}</Field>
          {f?.connector ? <Field label="Connector">{f.connector}</Field> : null}
          {f?.stage ? <Field label="Stage">{f.stage}</Field> : null}
        </dl>
        {f?.rabbit ? <RabbitDeaths rabbit={f.rabbit} /> : null}
        {f?.nats ? <NatsAdvisory nats={f.nats} /> : null}
        {f?.sns ? <SnsDelivery sns={f.sns} subscriber={detail.snsSubscriber} /> : null}
        {f?.message ? (
          <div>
            <div className="text-xs uppercase tracking-wide text-slate-500">Message</div>
            <pre className="mt-1 max-h-48 overflow-auto whitespace-pre-wrap break-words rounded bg-red-50 p-2 font-mono text-xs text-red-900">{f.message}</pre>
          </div>
        ) : null}
        {f?.stacktrace ? (
          <details>
            <summary className="cursor-pointer text-sm text-sky-700">Stack trace</summary>
            <pre className="mt-1 max-h-96 overflow-auto rounded bg-slate-50 p-2 font-mono text-xs">{f.stacktrace}</pre>
          </details>
        ) : null}
      </section>

      {detail.payloadsWithheld ? (
        <p className="rounded border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900" data-testid="payloads-withheld">
          Your role may not read payloads: the key, the value and non-failure headers are withheld.
        </p>
      ) : (
        <section aria-label="Key" className="space-y-2">
          <h3 className="text-sm font-semibold text-slate-700">Key</h3>
          {detail.schemas.key ? <SchemaPart part="key" schema={detail.schemas.key} /> : null}
          {detail.key ? (
            <BytesView bytes={detail.key} testId="detail-key" />
          ) : detail.schemas.key?.status === "decoded" ? (
            <p className="text-xs text-slate-500">The encoded key bytes are not shown while masking rules apply to your role.</p>
          ) : detail.schemas.key ? null : (
            <p className="text-sm text-slate-500">No key.</p>
          )}
        </section>
      )}

      <section aria-label="Headers" className="space-y-2">
        <h3 className="text-sm font-semibold text-slate-700">Headers ({detail.headers.length.toLocaleString()})</h3>
        {detail.headers.length === 0 ? (
          <p className="text-sm text-slate-500">No headers.</p>
        ) : (
          <div className="max-h-96 overflow-auto rounded border border-slate-200">
            <table className="w-full text-left text-sm" data-testid="detail-headers">
              <thead className="sticky top-0 bg-slate-50 text-xs uppercase text-slate-500">
                <tr>
                  <th scope="col" className="px-2 py-1 font-medium">Name</th>
                  <th scope="col" className="px-2 py-1 font-medium">Value</th>
                </tr>
              </thead>
              <tbody>
                {detail.headers.map((header, index) => (
                  <tr key={`${index}:${header.name}`} className="border-t border-slate-100 align-top">
                    <td className="break-all px-2 py-1 font-mono text-xs">
                      <VisibleText text={header.name} />
                    </td>
                    <td className="px-2 py-1 font-mono text-xs">
                      <HeaderValue value={header.value} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      {detail.payloadsWithheld ? null : (
        <section aria-label="Payload" className="space-y-2">
          <h3 className="flex flex-wrap items-center gap-2 text-sm font-semibold text-slate-700">
            Payload
            <span className="font-normal text-slate-500">
              {detail.value ? `${detail.value.encoding} · ${formatBytes(detail.value.size)}` : `${formatBytes(detail.size)}`}
            </span>
            {detail.value ? (
              <a
                href={downloadHref({ kind: dlq.kind, connection: dlq.connection, dlq: dlq.dlq, id: detail.id, snapshotId, part: "value" })}
                download
                className="text-xs font-normal text-sky-700 hover:underline"
              >
                Download exact bytes
              </a>
            ) : null}
          </h3>
          {detail.schemas.value ? <SchemaPart part="value" schema={detail.schemas.value} /> : null}
          {detail.schemas.value?.status === "decoded" ? (
            detail.value ? (
              <details>
                <summary className="cursor-pointer text-sm text-sky-700">Encoded bytes (what a replay writes)</summary>
                <PayloadView value={detail.value} />
              </details>
            ) : (
              <p className="text-xs text-slate-500">The encoded bytes are not shown while masking rules apply to your role.</p>
            )
          ) : detail.value ? (
            <PayloadView value={detail.value} />
          ) : (
            <p className="text-sm text-slate-500">No value (tombstone or masked).</p>
          )}
        </section>
      )}

      {detail.schemas.value ? <SchemaEvolutionPanel dlq={dlq} id={detail.id} /> : null}

      {detail.sqs ? (
        <details>
          <summary className="cursor-pointer text-sm text-sky-700">SQS attributes</summary>
          <pre className="mt-1 overflow-auto rounded bg-slate-50 p-2 font-mono text-xs">{JSON.stringify(detail.sqs.attributes, null, 2)}</pre>
        </details>
      ) : null}
    </div>
  );
}
