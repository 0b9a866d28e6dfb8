import type { ConnectionOptions as TlsConnectOptions } from "node:tls";
import type { SASLOptions } from "@platformatic/kafka";
import type { KafkaConnectionConfig } from "./config";
import type { KafkaSaslSettings } from "../shared/security-schema";
import { describeAwsIdentity, requiredAwsCredentialProvider } from "../shared/aws-credentials";
import { mskIamTokenProvider } from "./msk-iam-token";
import { oauthTokenProvider } from "./oauth-token";

// One place turns a connection's `ssl` and `sasl` config into what the Kafka client needs. The files named by
// caFile/certFile/keyFile were read when the config was loaded (server/config/security-schema.ts).

/** @platformatic/kafka's base client options for TLS and SASL (BaseOptions: tls, tlsServerName, sasl). */
export interface KafkaConnectionOptions {
  tls?: TlsConnectOptions;
  tlsServerName?: string;
  sasl?: SASLOptions;
}

/** The TLS options for node:tls, or undefined for plaintext. `ssl: true` trusts the system CAs. */
function kafkaTlsOptions(ssl: KafkaConnectionConfig["ssl"]): TlsConnectOptions | undefined {
  if (ssl === false) return undefined;
  if (ssl === true) return { rejectUnauthorized: true };
  const options: TlsConnectOptions = { rejectUnauthorized: ssl.rejectUnauthorized };
  if (ssl.ca !== undefined) options.ca = ssl.ca;
  if (ssl.cert !== undefined) options.cert = ssl.cert;
  if (ssl.key !== undefined) options.key = ssl.key;
  if (ssl.passphrase !== undefined) options.passphrase = ssl.passphrase;
  if (ssl.servername !== undefined) options.servername = ssl.servername;
  return options;
}

/** A source of SASL/OAUTHBEARER tokens for the mechanisms that use one (OAuth client credentials, MSK IAM). */
function kafkaTokenProvider(sasl: KafkaSaslSettings): (() => Promise<string>) | undefined {
  if (sasl.mechanism === "oauthbearer") return oauthTokenProvider(sasl);
  if (sasl.mechanism === "aws-msk-iam") return mskIamTokenProvider(sasl.region, requiredAwsCredentialProvider(sasl));
  return undefined;
}

const saslMechanism = {
  plain: "PLAIN",
  "scram-sha-256": "SCRAM-SHA-256",
  "scram-sha-512": "SCRAM-SHA-512",
} as const;

function platformaticSasl(sasl: KafkaSaslSettings): SASLOptions {
  switch (sasl.mechanism) {
    case "plain":
    case "scram-sha-256":
    case "scram-sha-512":
      return { mechanism: saslMechanism[sasl.mechanism], username: sasl.username, password: sasl.password };
    case "oauthbearer":
      return { mechanism: "OAUTHBEARER", token: kafkaTokenProvider(sasl), oauthBearerExtensions: sasl.extensions };
    case "aws-msk-iam":
      return { mechanism: "OAUTHBEARER", token: kafkaTokenProvider(sasl) };
  }
}

/** Connection options for @platformatic/kafka's clients (Admin, Consumer, Producer). */
export function kafkaConnectionOptions(config: KafkaConnectionConfig): KafkaConnectionOptions {
  const options: KafkaConnectionOptions = {};
  const tls = kafkaTlsOptions(config.ssl);
  if (tls) {
    // The client sets SNI from tlsServerName; an explicit name also becomes the name the certificate is checked against.
    const { servername, ...rest } = tls;
    options.tls = rest;
    if (servername) options.tlsServerName = servername;
  }
  if (config.sasl) options.sasl = platformaticSasl(config.sasl);
  return options;
}

const mechanismLabel: Record<KafkaSaslSettings["mechanism"], string> = {
  plain: "PLAIN",
  "scram-sha-256": "SCRAM-SHA-256",
  "scram-sha-512": "SCRAM-SHA-512",
  oauthbearer: "OAUTHBEARER",
  "aws-msk-iam": "AWS MSK IAM",
};

/**
 * How Settings names a connection's security, e.g. "SASL_SSL / SCRAM-SHA-512 as user redrive, private CA": the
 * protocol, the mechanism and where trust comes from; never a password, key or token.
 */
export function describeKafkaSecurity(config: Pick<KafkaConnectionConfig, "ssl" | "sasl">): string {
  const tls = config.ssl !== false;
  const protocol = `${config.sasl ? "SASL_" : ""}${tls ? "SSL" : "PLAINTEXT"}`;
  const parts: string[] = [];
  const sasl = config.sasl;
  if (sasl) {
    let who = "";
    if (sasl.mechanism === "oauthbearer") who = ` (client ${sasl.clientId} at ${new URL(sasl.tokenEndpoint).host})`;
    else if (sasl.mechanism === "aws-msk-iam") who = ` (${sasl.region}, ${describeAwsIdentity(sasl)})`;
    else who = ` as user ${sasl.username}`;
    parts.push(`${mechanismLabel[sasl.mechanism]}${who}`);
  }
  if (typeof config.ssl === "object") {
    if (config.ssl.cert) parts.push("mTLS client certificate");
    if (config.ssl.ca) parts.push("private CA");
    if (config.ssl.servername) parts.push(`server name ${config.ssl.servername}`);
    if (!config.ssl.rejectUnauthorized) parts.push("certificate NOT verified");
  }
  return parts.length > 0 ? `${protocol} / ${parts.join(", ")}` : protocol;
}
