import { loadConfig } from "~/server/config/load";
import type { ConnectionKind, RedriveConfig } from "~/server/config/schema";
import { KafkaAdapter } from "~/server/brokers/kafka/kafka";
import { SqsAdapter } from "~/server/brokers/sqs/sqs";
import type { ReplayCapabilities } from "~/server/brokers/types";
import { ApplicationDatabase } from "~/server/db/application-database";

export interface Connections {
  config: RedriveConfig;
  kafka: Map<string, KafkaAdapter>;
  sqs: Map<string, SqsAdapter>;
  databases: Map<string, ApplicationDatabase>;
}

export interface ConnectionRef {
  kind: ConnectionKind;
  name: string;
}

export function buildConnections(config: RedriveConfig): Connections {
  return {
    config,
    kafka: new Map(config.kafka.map((c) => [c.name, new KafkaAdapter(c)])),
    sqs: new Map(config.sqs.map((c) => [c.name, new SqsAdapter(c)])),
    databases: new Map(config.databases.map((c) => [c.name, new ApplicationDatabase(c)])),
  };
}

export function connectionRefs(connections: Connections): ConnectionRef[] {
  return [
    ...[...connections.kafka.keys()].map((name) => ({ kind: "kafka" as const, name })),
    ...[...connections.sqs.keys()].map((name) => ({ kind: "sqs" as const, name })),
    ...[...connections.databases.keys()].map((name) => ({ kind: "database" as const, name })),
  ];
}

export function pingerFor(connections: Connections, ref: ConnectionRef): { ping(): Promise<{ version: string | null }> } {
  const target =
    ref.kind === "kafka"
      ? connections.kafka.get(ref.name)
      : ref.kind === "sqs"
        ? connections.sqs.get(ref.name)
        : connections.databases.get(ref.name);
  if (!target) throw new Error(`unknown ${ref.kind} connection "${ref.name}"`);
  return target;
}

/** A broker connection as replay sees it: by capability, whichever kind it is. */
export function replayBrokerOf(connections: Connections, kind: "kafka" | "sqs", name: string): ReplayCapabilities | undefined {
  return kind === "kafka" ? connections.kafka.get(name) : connections.sqs.get(name);
}

// One set of clients per process, shared by every bundle Next.js builds.
const holder = globalThis as unknown as { __redriveConnections?: Connections };

/** The configured connections; the config file is read and validated once, on first use. */
export function connections(): Connections {
  holder.__redriveConnections ??= buildConnections(loadConfig());
  return holder.__redriveConnections;
}

export async function closeConnections(all: Connections): Promise<void> {
  await Promise.allSettled([
    ...[...all.kafka.values()].map((adapter) => adapter.close()),
    ...[...all.sqs.values()].map((adapter) => adapter.close()),
    ...[...all.databases.values()].map((database) => database.close()),
  ]);
}
