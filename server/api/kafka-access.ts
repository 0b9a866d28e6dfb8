import { TRPCError } from "@trpc/server";
import type { Context } from "~/server/api/trpc";
import { requireBroker } from "~/server/connections/registry";
import { canReadTopic } from "~/server/dlq/topic-access";

/** The named Kafka connection's adapter (404 when there is none). */
export function kafkaAdapter(ctx: Context, connection: string) {
  return requireBroker(ctx.connections, "kafka", connection);
}

/**
 * The adapter for reading `topic`, which must be a known DLQ of the connection, or the caller's role must be in
 * payloads.readAnyTopicRoles (403 otherwise): every procedure that reads a Kafka record goes through here.
 */
export function readableKafka(ctx: Context & { principal: { role: string } }, connection: string, topic: string) {
  const adapter = kafkaAdapter(ctx, connection);
  if (!canReadTopic(ctx, connection, topic)) {
    throw new TRPCError({ code: "FORBIDDEN", message: `"${topic}" is not a dead-letter topic of "${connection}"; reading other topics needs the topics.readAny permission (payloads.readAnyTopicRoles for the built-in roles).` });
  }
  return adapter;
}
