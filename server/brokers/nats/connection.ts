import { readFile } from "node:fs/promises";
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { connect, credsAuthenticator, nkeyAuthenticator, type NatsConnection, type NodeConnectionOptions } from "@nats-io/transport-node";
import type { NatsConnectionConfig } from "./config";
import { parseServerVersion, serverFeatures, type ServerFeatures, type ServerVersion } from "./version";

/** The client options for a config: auth and TLS from the config, no reconnect storms in a console. */
export async function connectionOptions(config: NatsConnectionConfig): Promise<NodeConnectionOptions> {
  const options: NodeConnectionOptions = {
    servers: config.servers,
    name: `redrive:${config.name}`,
    timeout: config.timeouts.connectMs,
    maxReconnectAttempts: 3,
  };
  const auth = config.auth;
  if (auth.type === "userpass") Object.assign(options, { user: auth.user, pass: auth.pass });
  else if (auth.type === "token") options.token = auth.token;
  else if (auth.type === "nkey") options.authenticator = nkeyAuthenticator(new TextEncoder().encode(auth.seed));
  else if (auth.type === "creds") options.authenticator = credsAuthenticator(await readFile(auth.credsFile));
  if (config.tls) {
    const { caFile, certFile, keyFile, handshakeFirst } = config.tls;
    options.tls = { caFile, certFile, keyFile, handshakeFirst };
  }
  return options;
}

/** One open connection with its JetStream handles and what the server can do. */
export interface NatsSession {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly version: ServerVersion | null;
  readonly features: ServerFeatures;
  readonly config: NatsConnectionConfig;
  close(): Promise<void>;
}

/** Connects and checks JetStream is enabled for the account (jetstreamManager asks $JS.API.INFO). */
export async function openNats(config: NatsConnectionConfig): Promise<NatsSession> {
  const nc = await connect(await connectionOptions(config));
  try {
    const jsm = await jetstreamManager(nc, { timeout: config.timeouts.requestMs });
    const js = jetstream(nc, { timeout: config.timeouts.publishAckMs });
    const version = parseServerVersion(nc.info?.version ?? "");
    return {
      nc,
      js,
      jsm,
      version,
      features: serverFeatures(version),
      config,
      close: async () => {
        await nc.close().catch(() => undefined);
      },
    };
  } catch (error) {
    await nc.close().catch(() => undefined);
    throw error;
  }
}
