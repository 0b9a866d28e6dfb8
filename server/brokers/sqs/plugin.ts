import { opaqueIds } from "~/server/lib/message-id";
import type { BrokerPlugin } from "../plugin";
import { sqsConnectionSchema } from "./config";
import { describeAwsIdentity } from "../shared/aws-credentials";
import { SqsAdapter } from "./sqs";

export const sqsPlugin = {
  kind: "sqs",
  label: "SQS",
  resourceNoun: "queue",
  configSchema: sqsConnectionSchema,
  ids: opaqueIds,
  capabilities: ["snapshot-browsing", "native-move", "edit", "discard", "bulk-replay"],
  describeTarget: (config) => `${config.endpoint ?? "AWS"} · ${config.region}`,
  describeSecurity: (config) => describeAwsIdentity(config),
  createAdapter: (config) => new SqsAdapter(config),
} as const satisfies BrokerPlugin<"sqs", typeof sqsConnectionSchema, SqsAdapter>;
