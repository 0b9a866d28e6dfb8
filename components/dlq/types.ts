import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "~/server/api/root";

type RouterOutputs = inferRouterOutputs<AppRouter>;

export type DlqKind = "kafka" | "sqs";
export type DlqMessageSummary = RouterOutputs["dlq"]["kafkaMessages"]["messages"][number];
export type DlqMessageDetail = RouterOutputs["dlq"]["message"];
export type DisplayBytes = NonNullable<DlqMessageDetail["value"]>;
export type FailureGroup = RouterOutputs["dlq"]["groups"]["groups"][number];
export type SqsSnapshot = NonNullable<RouterOutputs["dlq"]["sqs"]["messages"]["snapshot"]>;
export type ScanStatus = RouterOutputs["dlq"]["scan"]["status"];
export type SavedFilter = RouterOutputs["dlq"]["filters"]["list"][number];

/** Which DLQ a panel reads; SQS reads go through a snapshot. */
export interface DlqRef {
  kind: DlqKind;
  connection: string;
  dlq: string;
}
