import { logPositionIds } from "~/server/lib/message-id";
import { describeSchemaRegistry } from "~/server/lib/schema-registry-config";
import type { BrokerPlugin } from "../plugin";
import { kafkaConnectionSchema } from "./config";
import { KafkaAdapter } from "./kafka";
import { describeKafkaSecurity } from "./kafka-security";

export const kafkaPlugin = {
  kind: "kafka",
  label: "Kafka",
  resourceNoun: "topic",
  configSchema: kafkaConnectionSchema,
  ids: logPositionIds,
  capabilities: ["log-with-offsets", "edit", "edit-key", "repeated-headers", "discard", "bulk-replay", "consumer-groups", "exact-duplicate-count", "schema-registry"],
  describeTarget: (config) => [config.brokers.join(", "), ...(config.schemaRegistry ? [describeSchemaRegistry(config.schemaRegistry)] : [])].join(" · "),
  describeSecurity: (config) => describeKafkaSecurity(config),
  createAdapter: (config) => new KafkaAdapter(config),
} as const satisfies BrokerPlugin<"kafka", typeof kafkaConnectionSchema, KafkaAdapter>;
