"use client";

import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { dlqHref } from "./dlq/format";
import { durationText } from "./lag/format";
import { NeedsAttention } from "./lag/needs-attention";
import { SagaStatus } from "./sagas/saga-status";
import { Card, ErrorBox, formatTime, PageHeader, Stat } from "./ui";
import { useTRPC } from "./trpc";
import type { SnsTopicSummary } from "~/server/brokers/types";

const REFRESH_MS = 5_000;

/** SNS topics and their subscriptions; a subscription without a dead-letter queue is flagged (its failed deliveries are dropped). */
function SnsTopics({ topics }: { topics: SnsTopicSummary[] }) {
  const missing = topics.flatMap((topic) => topic.subscriptions).filter((sub) => !sub.deadLetterTargetArn).length;
  return (
    <div data-testid="sns-topics">
      <h3 className="mb-1 text-xs font-medium uppercase tracking-wide text-slate-500">
        SNS topics ({topics.length}){missing > 0 ? <span className="ml-2 normal-case text-amber-700">{missing} subscription(s) without a DLQ</span> : null}
      </h3>
      {topics.length === 0 ? <p className="text-sm text-slate-500">No topics.</p> : null}
      {topics.map((topic) => (
        <div key={topic.arn} className="mb-2" data-testid={`sns-topic-${topic.name}`}>
          <div className="font-mono text-sm font-medium">{topic.name}</div>
          {topic.subscriptions.length === 0 ? <p className="text-xs text-slate-500">No subscriptions.</p> : null}
          <table className="w-full text-left text-xs">
            <tbody>
              {topic.subscriptions.map((sub) => (
                <tr key={sub.arn} className="border-t border-slate-100 align-top" data-testid="sns-subscription">
                  <td className="py-1 pr-2 font-mono">{sub.label.replace(/^subscription /, "").replace(/ of topic .*$/, "")}</td>
                  <td className="py-1 pr-2">{sub.protocol}</td>
                  <td className="break-all py-1 pr-2 font-mono">{sub.endpoint}</td>
                  <td className="py-1 pr-2">{sub.rawMessageDelivery ? "raw" : "envelope"}</td>
                  <td className="break-all py-1 pr-2 font-mono" title={sub.filterPolicyScope ?? undefined}>
                    {sub.filterPolicy ?? <span className="text-slate-400">no filter</span>}
                  </td>
                  <td className="py-1" data-testid="sns-subscription-dlq">
                    {sub.deadLetterTargetArn ? (
                      <span className="font-mono">DLQ {sub.deadLetterTargetArn.slice(sub.deadLetterTargetArn.lastIndexOf(":") + 1)}</span>
                    ) : (
                      <span className="rounded bg-amber-100 px-1 text-amber-900" data-testid="sns-no-dlq">
                        no DLQ: failed deliveries are dropped
                      </span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
    </div>
  );
}

export function OverviewView() {
  const trpc = useTRPC();
  const overview = useQuery(trpc.overview.get.queryOptions(undefined, { refetchInterval: REFRESH_MS }));

  return (
    <div>
      <PageHeader title="Overview">
        {overview.data ? (
          <span data-testid="last-updated">Last updated {formatTime(overview.data.fetchedAt)}</span>
        ) : null}
        {overview.isFetching ? <span className="text-xs">refreshing…</span> : null}
      </PageHeader>
      <div className="mb-6">
        <NeedsAttention />
      </div>
      {overview.error ? <ErrorBox title="Could not load the overview" message={overview.error.message} /> : null}
      {overview.isPending ? <p className="text-sm text-slate-500">Asking the brokers…</p> : null}
      {overview.data ? (
        <div className="space-y-6">
          <section className="space-y-3">
            <h2 className="text-sm font-semibold uppercase tracking-wide text-slate-500">Kafka clusters</h2>
            {overview.data.kafka.length === 0 ? <p className="text-sm text-slate-500">No Kafka connection configured.</p> : null}
            {overview.data.kafka.map(({ connection, result }) => (
              <div key={connection} data-testid={`kafka-${connection}`}>
                <Card title={`Kafka · ${connection}`}>
                  {result.ok ? (
                    <div className="grid grid-cols-2 gap-4 sm:grid-cols-4">
                      <Stat label="Brokers" value={result.data.brokers.length} testId="kafka-brokers" />
                      <Stat label="Topics" value={result.data.topicCount} testId="kafka-topics" />
                      <Stat label="Partitions" value={result.data.partitionCount} testId="kafka-partitions" />
                      <Stat label="Consumer groups" value={result.data.consumerGroupCount} testId="kafka-groups" />
                    </div>
                  ) : (
                    <ErrorBox title={`Kafka connection "${connection}" failed`} message={result.error} />
                  )}
                </Card>
              </div>
            ))}
          </section>

          <section className="space-y-3">
            <h2 className="text-sm font-semibold uppercase tracking-wide text-slate-500">SQS endpoints</h2>
            {overview.data.sqs.length === 0 ? <p className="text-sm text-slate-500">No SQS connection configured.</p> : null}
            {overview.data.sqs.map(({ connection, result }) => (
              <div key={connection} data-testid={`sqs-${connection}`}>
                <Card title={`SQS · ${connection}`}>
                  {result.ok ? (
                    <div className="space-y-4">
                      <div className="grid grid-cols-2 gap-4 sm:grid-cols-4">
                        <Stat label="Queues" value={result.data.queueCount} testId="sqs-queues" />
                        <Stat label="Dead-letter queues" value={result.data.deadLetterQueues.length} testId="sqs-dlqs" />
                        <Stat
                          label="Messages in DLQs"
                          value={result.data.deadLetterQueues.reduce((sum, dlq) => sum + (dlq.depth ?? 0), 0)}
                          testId="sqs-dlq-total"
                        />
                      </div>
                      {result.data.deadLetterQueues.length > 0 ? (
                        <table className="w-full text-left text-sm">
                          <thead className="text-xs uppercase text-slate-500">
                            <tr>
                              <th className="py-1 font-medium">Dead-letter queue</th>
                              <th className="py-1 font-medium">Dead letters of</th>
                              <th className="py-1 text-right font-medium">Depth</th>
                            </tr>
                          </thead>
                          <tbody>
                            {result.data.deadLetterQueues.map((dlq) => (
                              <tr key={dlq.arn} className="border-t border-slate-100" data-testid={`dlq-row-${dlq.name}`}>
                                <td className="py-1 font-mono">
                                  <Link href={dlqHref("sqs", connection, dlq.name)} className="text-sky-700 hover:underline">
                                    {dlq.name}
                                  </Link>
                                </td>
                                <td className="py-1 font-mono text-slate-600">
                                  {dlq.sourceQueues.join(", ")}
                                  {dlq.sourceSubscriptions.map((sub) => (
                                    <div key={sub.arn} className="font-sans" data-testid="dlq-of-subscription">
                                      DLQ of {sub.label}
                                    </div>
                                  ))}
                                </td>
                                <td className="py-1 text-right tabular-nums" data-testid="dlq-depth">
                                  {dlq.depth ?? "—"}
                                </td>
                              </tr>
                            ))}
                          </tbody>
                        </table>
                      ) : null}
                      {result.data.snsError ? <ErrorBox title="SNS did not answer" message={result.data.snsError} /> : null}
                      {result.data.topics ? <SnsTopics topics={result.data.topics} /> : null}
                    </div>
                  ) : (
                    <ErrorBox title={`SQS connection "${connection}" failed`} message={result.error} />
                  )}
                </Card>
              </div>
            ))}
          </section>

          <section className="space-y-3">
            <h2 className="text-sm font-semibold uppercase tracking-wide text-slate-500">Application databases</h2>
            {overview.data.databases.length === 0 ? <p className="text-sm text-slate-500">No application database configured.</p> : null}
            {overview.data.databases.map(({ connection, result }) => (
              <div key={connection} data-testid={`db-${connection}`}>
                <Card title={`Database · ${connection}`}>
                  {result.ok ? (
                    <div className="grid gap-6 md:grid-cols-2">
                      <div>
                        <h3 className="mb-2 text-xs font-medium uppercase tracking-wide text-slate-500">Sagas by status</h3>
                        {result.data.sagas.length === 0 ? (
                          <p className="text-sm text-slate-500">No saga instances.</p>
                        ) : (
                          <table className="w-full text-left text-sm">
                            <tbody>
                              {result.data.sagas.map(({ status, count }) => (
                                <tr key={status} className="border-t border-slate-100">
                                  <td className="py-1">
                                    <SagaStatus status={status} />
                                  </td>
                                  <td className="py-1 text-right tabular-nums" data-testid={`saga-count-${status}`}>
                                    {count.toLocaleString()}
                                  </td>
                                </tr>
                              ))}
                            </tbody>
                          </table>
                        )}
                      </div>
                      <div>
                        <h3 className="mb-2 text-xs font-medium uppercase tracking-wide text-slate-500">Outbox backlog</h3>
                        <div className="grid grid-cols-2 gap-4">
                          <Stat label="Unpublished" value={result.data.outbox.unpublished.toLocaleString()} testId="outbox-unpublished" />
                          <Stat
                            label="Oldest unpublished"
                            value={result.data.outbox.oldestAgeSeconds === null ? "—" : durationText(result.data.outbox.oldestAgeSeconds)}
                            testId="outbox-oldest-age"
                          />
                        </div>
                      </div>
                    </div>
                  ) : (
                    <ErrorBox title={`Database "${connection}" failed`} message={result.error} />
                  )}
                </Card>
              </div>
            ))}
          </section>
        </div>
      ) : null}
    </div>
  );
}
