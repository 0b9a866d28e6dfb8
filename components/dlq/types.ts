import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "~/server/api/root";

type RouterOutputs = inferRouterOutputs<AppRouter>;

export const DLQ_KINDS = ["kafka", "sqs", "rabbitmq", "nats"] as const;
export type DlqKind = (typeof DLQ_KINDS)[number];

export function isDlqKind(kind: string): kind is DlqKind {
  return (DLQ_KINDS as readonly string[]).includes(kind);
}
export type DlqMessageSummary = RouterOutputs["dlq"]["kafkaMessages"]["messages"][number];
export type DlqMessageDetail = RouterOutputs["dlq"]["message"];
export type DisplayBytes = NonNullable<DlqMessageDetail["value"]>;
export type FailureGroup = RouterOutputs["dlq"]["groups"]["groups"][number];
export type SqsSnapshot = NonNullable<RouterOutputs["dlq"]["sqs"]["messages"]["snapshot"]>;
export type ScanStatus = RouterOutputs["dlq"]["scan"]["status"];
export type SavedFilter = RouterOutputs["dlq"]["filters"]["list"][number];

/** Which DLQ a panel reads; SQS reads go through a snapshot. */
export interface DlqRef<K extends DlqKind = DlqKind> {
  kind: K;
  connection: string;
  dlq: string;
}

/**
 * The kinds the API's search, bulk replay, edit and discard procedures take so far. RabbitMQ DLQs have browse,
 * failure groups, export and one-click replay; the rest follows when those procedures take RabbitMQ. This is what
 * the API covers, not what the broker can do (that is useCapabilities).
 */
export type ToolingKind = "kafka" | "sqs";
export type ToolingRef = DlqRef<ToolingKind>;

export function hasFullTooling(dlq: DlqRef): dlq is ToolingRef {
  return dlq.kind === "kafka" || dlq.kind === "sqs";
}
