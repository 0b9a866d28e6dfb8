/**
 * Which Kafka topics a role may read (browse, open, search, group, export, dry-run). Known DLQs (the
 * connection's `dlq.patterns` and `dlq.mappings`) are readable by every role; any other topic (a business
 * topic, `__consumer_offsets`) only with the topics.readAny permission on it (for the built-in roles: `payloads.readAnyTopicRoles`, default admin). The one place that
 * decides it, so a permissions model can take it over.
 */
import type { Connections } from "~/server/connections/registry";
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
  constructor(topic: string) {
    super(`"${topic}" is not a dead-letter topic of this connection; reading other topics needs a role in payloads.readAnyTopicRoles.`);
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

/** Throws TopicReadRefused when the caller may not read the topic. */
export function assertCanReadTopic(ctx: TopicReader, connection: string, topic: string): void {
  if (!canReadTopic(ctx, connection, topic)) throw new TopicReadRefused(topic);
}
