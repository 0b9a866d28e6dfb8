import type { BaseOptions } from "@platformatic/kafka";
import type { KafkaConnectionConfig } from "~/server/config/schema";

const MECHANISMS = { plain: "PLAIN", "scram-sha-256": "SCRAM-SHA-256", "scram-sha-512": "SCRAM-SHA-512" } as const;

/** How a Kafka connection is secured, as @platformatic/kafka's connection options (TLS and SASL). */
export function kafkaConnectionOptions(config: KafkaConnectionConfig): Pick<BaseOptions, "tls" | "sasl"> {
  const { sasl } = config;
  return {
    // An empty options object is TLS with Node's default trust store.
    tls: config.ssl ? {} : undefined,
    sasl: sasl ? { mechanism: MECHANISMS[sasl.mechanism], username: sasl.username, password: sasl.password } : undefined,
  };
}
