"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ErrorBox } from "../ui";
import { useTRPC } from "../trpc";
import { useCanReplay } from "./replay-controls";
import type { DlqMessageDetail, DlqRef } from "./types";

type SnsFailure = NonNullable<NonNullable<DlqMessageDetail["failure"]>["sns"]>;
type Subscriber = NonNullable<DlqMessageDetail["snsSubscriber"]>;

/** What SNS recorded of the delivery that failed, and the subscription a replay goes back to. */
export function SnsDelivery({ sns, subscriber }: { sns: SnsFailure; subscriber: Subscriber | null }) {
  return (
    <div className="space-y-2 rounded border border-slate-200 p-2 text-sm" data-testid="sns-delivery">
      <div className="font-medium text-slate-700">SNS delivery failure</div>
      <dl className="grid gap-2 @sm:grid-cols-2">
        <div>
          <dt className="text-xs uppercase tracking-wide text-slate-500">Topic</dt>
          <dd className="break-all font-mono" data-testid="sns-topic">{sns.topic}</dd>
        </div>
        <div>
          <dt className="text-xs uppercase tracking-wide text-slate-500">Subscription</dt>
          <dd className="break-all font-mono" data-testid="sns-subscription-arn">{sns.subscriptionArn ?? (subscriber?.ok ? subscriber.subscriptionArn : "not recorded")}</dd>
        </div>
        <div>
          <dt className="text-xs uppercase tracking-wide text-slate-500">Error code</dt>
          <dd className="font-mono" data-testid="sns-error-code">{sns.errorCode ?? "—"}</dd>
        </div>
        <div>
          <dt className="text-xs uppercase tracking-wide text-slate-500">Body</dt>
          <dd>{sns.envelope ? `SNS envelope (raw delivery off)${sns.snsMessageId ? `, SNS message ${sns.snsMessageId}` : ""}` : "raw message"}</dd>
        </div>
      </dl>
      {subscriber?.ok ? (
        <p className="text-slate-700" data-testid="sns-subscriber">
          Subscriber: {subscriber.protocol} <span className="font-mono">{subscriber.endpoint}</span>
          {subscriber.queue ? (
            <>
              {" "}
              — a replay goes to queue <span className="font-mono">{subscriber.queue}</span> only, {subscriber.rawMessageDelivery ? "as the raw message" : "in the SNS envelope"}, as this subscription receives it; never to the topic.
            </>
          ) : (
            " — not an SQS queue: pick a destination queue, or publish to the topic."
          )}
        </p>
      ) : subscriber ? (
        <p className="text-amber-800" data-testid="sns-subscriber-unknown">{subscriber.reason}</p>
      ) : null}
    </div>
  );
}

/**
 * Publishing the dead letter to its topic instead: every subscription receives it again. An explicit choice whose
 * confirmation lists every subscription of the topic now; the server refuses if that list changed meanwhile.
 */
export function PublishToTopic({ dlq, id, sns }: { dlq: DlqRef; id: string; sns: SnsFailure }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canReplay = useCanReplay(dlq);
  const [open, setOpen] = useState(false);
  const audience = useQuery(trpc.replay.snsTopicAudience.queryOptions({ connection: dlq.connection, topicArn: sns.topicArn }, { enabled: open }));
  const publish = useMutation(
    trpc.replay.publishToTopic.mutationOptions({
      onSettled: () => {
        setOpen(false);
        void queryClient.invalidateQueries({ queryKey: trpc.replay.ofMessage.queryKey() });
        void queryClient.invalidateQueries({ queryKey: trpc.dlq.sqs.messages.queryKey() });
      },
    }),
  );
  if (!canReplay) return null;
  return (
    <div className="space-y-2 text-sm" data-testid="sns-publish">
      {open ? (
        <div className="space-y-2 rounded border border-red-200 bg-red-50 p-2" role="group" aria-label="Confirm publish to topic">
          <p className="text-red-900">
            Publish this message to topic <span className="font-mono">{sns.topic}</span>? Every subscription below receives it again (where its filter policy matches), not only the one that failed:
          </p>
          {audience.error ? <ErrorBox title="Could not list the subscriptions" message={audience.error.message} /> : null}
          {audience.data ? (
            <ul className="list-disc pl-5 font-mono text-xs" data-testid="sns-publish-audience">
              {audience.data.map((sub) => (
                <li key={sub.arn}>
                  {sub.label}: {sub.protocol} {sub.endpoint}
                  {sub.filterPolicy ? ` (filter ${sub.filterPolicy})` : ""}
                </li>
              ))}
            </ul>
          ) : (
            <p className="text-slate-500">Listing the subscriptions…</p>
          )}
          <div className="flex gap-2">
            <button
              type="button"
              disabled={!audience.data || publish.isPending}
              onClick={() => publish.mutate({ connection: dlq.connection, dlq: dlq.dlq, id, confirmedSubscriptions: audience.data?.map((sub) => sub.arn) ?? [] })}
              className="rounded bg-red-700 px-3 py-1 text-white hover:bg-red-600 disabled:opacity-60"
            >
              {publish.isPending ? "Publishing…" : `Publish to all ${audience.data?.length ?? ""} subscriptions`}
            </button>
            <button type="button" onClick={() => setOpen(false)} className="rounded border border-slate-300 px-2 py-1">
              Cancel
            </button>
          </div>
        </div>
      ) : (
        <button type="button" onClick={() => setOpen(true)} className="rounded border border-slate-300 px-3 py-1 text-slate-700 hover:bg-slate-50">
          Publish to topic instead…
        </button>
      )}
      {publish.error ? <ErrorBox title="Publish refused" message={publish.error.message} /> : null}
      {publish.data ? (
        <p className="text-emerald-700" role="status" data-testid="sns-publish-result">
          Published to {publish.data.target} (SNS message {publish.data.targetPosition}, {publish.data.subscriptions.length} subscriptions).
        </p>
      ) : null}
    </div>
  );
}
