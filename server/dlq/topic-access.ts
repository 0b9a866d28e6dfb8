/**
 * Which Kafka topics a role may read (browse, open, search, group, export, dry-run). Known DLQs (the
 * connection's `dlq.patterns` and `dlq.mappings`) are readable by every role; any other topic (a business
 * topic, `__consumer_offsets`) only with the topics.readAny permission on it (for the built-in roles: `payloads.readAnyTopicRoles`, default admin). The one place that
 * decides it, so a permissions model can take it over.
 */
import { requireBroker, type Connections } from "~/server/connections/registry";
import type { KafkaAdapter } from "~/server/brokers/kafka/kafka";
import { can } from "~/server/auth/permissions";
import type { Role } from "~/server/db/schema";
import { dlqTopics } from "~/server/lag/kafka-lag";
import { DomainError } from "~/server/lib/errors";

export interface TopicReader {
  principal: { role: Role };
  connections: Connections;
}

export class TopicReadRefused extends DomainError {
  readonly refusal = "forbidden";
  constructor(connection: string, topic: string) {
    super(`"${topic}" is not a dead-letter topic of "${connection}"; reading other topics needs the topics.readAny permission (payloads.readAnyTopicRoles for the built-in roles).`);
    this.name = "TopicReadRefused";
  }
}

export function isKnownDlq(connections: Connections, connection: string, topic: string): boolean {
  const adapter = connections.kafka.get(connection);
  return adapter !== undefined && dlqTopics([topic], adapter.config.dlq).length > 0;
}

export function canReadTopic(ctx: TopicReader, connection: string, topic: string): boolean {
  return isKnownDlq(ctx.connections, connection, topic) || can(ctx.principal.role, ctx.connections.config, "topics.readAny", { connection, resource: topic });
}

/**
 * The adapter for reading `topic`, which must be a known DLQ of the connection, or the caller may read any topic
 * (TopicReadRefused otherwise; NotFound for an unknown connection): every read of a Kafka record goes through here.
 */
export function readableKafkaTopic(ctx: TopicReader, connection: string, topic: string): KafkaAdapter {
  const adapter = requireBroker(ctx.connections, "kafka", connection);
  if (!canReadTopic(ctx, connection, topic)) throw new TopicReadRefused(connection, topic);
  return adapter;
}
