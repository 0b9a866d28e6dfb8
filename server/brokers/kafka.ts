import { Kafka, logLevel, type Admin, type KafkaConfig, type SASLOptions } from "kafkajs";
import type { KafkaConnectionConfig } from "~/server/config/schema";
import type { BrokerAdapter, KafkaOverview } from "./types";

function saslOptions(config: KafkaConnectionConfig): SASLOptions | undefined {
  const sasl = config.sasl;
  if (!sasl) return undefined;
  return { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } as SASLOptions;
}

export function kafkaClientConfig(config: KafkaConnectionConfig): KafkaConfig {
  return {
    clientId: config.clientId,
    brokers: config.brokers,
    ssl: config.ssl,
    sasl: saslOptions(config),
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    // Fail fast: an operator console must report a broken connection, not hang retrying it.
    retry: { retries: 1, initialRetryTime: 200, maxRetryTime: 1_000 },
    logLevel: logLevel.NOTHING,
  };
}

export const isInternalTopic = (topic: string) => topic.startsWith("__");

export class KafkaAdapter implements BrokerAdapter<KafkaOverview> {
  readonly kind = "kafka" as const;
  readonly name: string;
  private readonly kafka: Kafka;
  private admin: Promise<Admin> | null = null;

  constructor(config: KafkaConnectionConfig) {
    this.name = config.name;
    this.kafka = new Kafka(kafkaClientConfig(config));
  }

  /** One long-lived admin client; dropped after a failure so the next call reconnects. */
  private async withAdmin<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
    this.admin ??= (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      return admin;
    })();
    const pending = this.admin;
    try {
      return await work(await pending);
    } catch (error) {
      if (this.admin === pending) {
        this.admin = null;
        pending.then((admin) => admin.disconnect()).catch(() => undefined);
      }
      throw error;
    }
  }

  async ping(): Promise<{ version: string | null }> {
    await this.withAdmin((admin) => admin.describeCluster());
    // Kafka's wire protocol does not report the broker's release version.
    return { version: null };
  }

  overview(): Promise<KafkaOverview> {
    return this.withAdmin(async (admin) => {
      const [cluster, metadata, groups] = await Promise.all([
        admin.describeCluster(),
        admin.fetchTopicMetadata(),
        admin.listGroups(),
      ]);
      let topicCount = 0;
      let internalTopicCount = 0;
      let partitionCount = 0;
      for (const topic of metadata.topics) {
        if (isInternalTopic(topic.name)) {
          internalTopicCount += 1;
          continue;
        }
        topicCount += 1;
        partitionCount += topic.partitions.length;
      }
      return {
        brokers: cluster.brokers.map(({ nodeId, host, port }) => ({ nodeId, host, port })),
        controllerId: cluster.controller,
        clusterId: cluster.clusterId,
        topicCount,
        internalTopicCount,
        partitionCount,
        consumerGroupCount: groups.groups.length,
      };
    });
  }

  async close(): Promise<void> {
    const pending = this.admin;
    this.admin = null;
    if (pending) await pending.then((admin) => admin.disconnect()).catch(() => undefined);
  }
}
