import { loadConfig } from "~/server/config/load";
import type { ConnectionKind, RedriveConfig } from "~/server/config/schema";
import { BROKER_KINDS, brokerPlugin, brokerPlugins, type BrokerAdapterOf, type BrokerKind } from "~/server/brokers/registry";
import { NotFound } from "~/server/lib/errors";
import type { ReplayCapabilities } from "~/server/brokers/types";
import { ApplicationDatabase } from "~/server/db/application-database";

/** One map of adapters per registered broker kind (`kafka`, `sqs`, ...), keyed by connection name. */
export type BrokerConnections = { [K in BrokerKind]: Map<string, BrokerAdapterOf<K>> };

export interface Connections extends BrokerConnections {
  config: RedriveConfig;
  databases: Map<string, ApplicationDatabase>;
}

export interface ConnectionRef {
  kind: ConnectionKind;
  name: string;
}

export function buildConnections(config: RedriveConfig): Connections {
  const brokers = Object.fromEntries(
    BROKER_KINDS.map((kind) => {
      const plugin = brokerPlugins[kind] as { createAdapter(config: unknown): unknown };
      return [kind, new Map(config[kind].map((c) => [c.name, plugin.createAdapter(c)]))];
    }),
  ) as BrokerConnections;
  return {
    config,
    ...brokers,
    databases: new Map(config.databases.map((c) => [c.name, new ApplicationDatabase(c)])),
  };
}

export function connectionRefs(connections: Connections): ConnectionRef[] {
  return [
    ...BROKER_KINDS.flatMap((kind) => [...connections[kind].keys()].map((name) => ({ kind, name }))),
    ...[...connections.databases.keys()].map((name) => ({ kind: "database" as const, name })),
  ];
}

export function pingerFor(connections: Connections, ref: ConnectionRef): { ping(): Promise<{ version: string | null }> } {
  const target = ref.kind === "database" ? connections.databases.get(ref.name) : brokerAdapter(connections, ref.kind, ref.name);
  if (!target) throw new Error(`unknown ${ref.kind} connection "${ref.name}"`);
  return target;
}

/** A broker connection's adapter, typed by its kind; undefined when the config has no such connection. */
export function brokerAdapter<K extends BrokerKind>(connections: Connections, kind: K, name: string): BrokerAdapterOf<K> | undefined {
  return (connections[kind] as Map<string, BrokerAdapterOf<K>>).get(name);
}

/** A broker connection's adapter; an unknown name is refused as not found (404 at the API). */
export function requireBroker<K extends BrokerKind>(connections: Connections, kind: K, name: string): BrokerAdapterOf<K> {
  const adapter = brokerAdapter(connections, kind, name);
  if (!adapter) throw new NotFound(`No ${brokerPlugin(kind).label} connection "${name}".`);
  return adapter;
}

/** A broker connection as replay sees it: by capability, whichever kind it is. */
export function replayBrokerOf(connections: Connections, kind: BrokerKind, name: string): ReplayCapabilities | undefined {
  return brokerAdapter(connections, kind, name);
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
    ...BROKER_KINDS.flatMap((kind) => [...all[kind].values()].map((adapter) => adapter.close())),
    ...[...all.databases.values()].map((database) => database.close()),
  ]);
}
