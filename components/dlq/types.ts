import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "~/server/api/root";
import type { BrokerCapability } from "~/server/brokers/capabilities";
import type { BrokerKind } from "~/server/brokers/registry";

type RouterOutputs = inferRouterOutputs<AppRouter>;

/** Every registered broker kind has DLQ pages. */
export type DlqKind = BrokerKind;
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
 * Whether this DLQ's broker runs bulk replay jobs (its plugin declares "bulk-replay"; null capabilities: not loaded
 * yet, so no). The plugins that declare it are those the job procedures take (tests/unit/broker-registry.test.ts).
 */
export function bulkReplayable(dlq: DlqRef, caps: readonly BrokerCapability[] | null): boolean {
  return caps?.includes("bulk-replay") ?? false;
}
