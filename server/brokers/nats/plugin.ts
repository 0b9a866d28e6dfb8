import type { BrokerPlugin } from "../plugin";
import { NatsAdapter } from "./adapter";
import { natsConnectionSchema, type NatsConnectionConfig } from "./config";
import { captureSeqIds } from "./names";

/** Where the connection points: the server URLs without any user or password a URL may carry. */
function describeNatsTarget(config: NatsConnectionConfig): string {
  const servers = config.servers.map((server) => {
    try {
      const url = new URL(server.includes("://") ? server : `nats://${server}`);
      return `${url.protocol}//${url.host}`;
    } catch {
      return "(unparseable server)";
    }
  });
  const capture = config.advisoryCapture;
  return `${servers.join(", ")} · dead letters from ${capture.stream}${capture.create ? " (created by Redrive)" : ""}`;
}

const AUTH_WORDS: Record<NatsConnectionConfig["auth"]["type"], string> = {
  none: "no credentials",
  userpass: "user and password",
  token: "token",
  nkey: "NKey",
  creds: "credentials file (JWT)",
};

export const natsPlugin = {
  kind: "nats",
  label: "NATS JetStream",
  // A dead-letter set: one consumer's max-delivery and terminated messages, kept by the advisory capture stream.
  resourceNoun: "consumer",
  configSchema: natsConnectionSchema,
  ids: captureSeqIds,
  // Streams are logs read by sequence; consumers are durable cursors on them (lag per consumer, not per group).
  capabilities: ["stream-consumers", "bulk-replay"],
  describeTarget: (config) => describeNatsTarget(config),
  describeSecurity: (config) => `${config.tls || config.servers.some((s) => s.startsWith("tls://")) ? "TLS" : "plaintext"} · ${config.auth.type === "userpass" ? `user ${config.auth.user} (password)` : AUTH_WORDS[config.auth.type]}`,
  createAdapter: (config) => new NatsAdapter(config),
} as const satisfies BrokerPlugin<"nats", typeof natsConnectionSchema, NatsAdapter>;
