import { opaqueIds } from "~/server/lib/message-id";
import type { BrokerPlugin } from "../plugin";
import { RabbitMqAdapter } from "./adapter";
import { rabbitMqConnectionSchema, type RabbitMqConnectionConfig } from "./config";

/** The AMQP and management endpoints without credentials (a URL may carry a user and password). */
function describeRabbitTarget(config: RabbitMqConnectionConfig): string {
  const hostOf = (raw: string) => {
    const url = new URL(raw);
    return `${url.protocol}//${url.host}`;
  };
  return `${hostOf(config.url)} · management ${hostOf(config.managementUrl)} · vhost ${config.vhost}`;
}

export const rabbitMqPlugin = {
  kind: "rabbitmq",
  label: "RabbitMQ",
  resourceNoun: "queue",
  configSchema: rabbitMqConnectionSchema,
  // RabbitMQ gives messages no id: the publisher's message-id or a hash of the message (messageKey), opaque to callers.
  ids: opaqueIds,
  // Browsed live: classic and quorum queues are read by taking and returning messages (no offsets, no snapshot).
  // Native move: a dynamic shovel, where the shovel plugin is enabled (the adapter's nativeMovePlan says whether it is).
  // No edit or discard yet.
  capabilities: ["live-browsing", "native-move", "bulk-replay"],
  describeTarget: (config) => describeRabbitTarget(config),
  describeSecurity: (config) => `${new URL(config.url).protocol === "amqps:" ? "AMQPS (TLS)" : "AMQP (plaintext)"} · user ${config.username} (password)`,
  createAdapter: (config) => new RabbitMqAdapter(config),
} as const satisfies BrokerPlugin<"rabbitmq", typeof rabbitMqConnectionSchema, RabbitMqAdapter>;
