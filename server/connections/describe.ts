import { BROKER_KINDS, brokerPlugins, type BrokerKind } from "~/server/brokers/registry";
import type { BrokerCapability } from "~/server/brokers/capabilities";
import type { RedriveConfig } from "~/server/config/schema";
import type { ConnectionHealth } from "~/server/jobs/health-monitor";

/** Host, port and database name only: a database URL may carry a password. */
function describeDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}${parsed.port ? `:${parsed.port}` : ""}${parsed.pathname}`;
  } catch {
    return "(unparseable URL)";
  }
}

interface Description {
  target: string;
  /** How the connection authenticates; null for databases (their URL is the whole story). */
  security: string | null;
  /** What a broker connection can do (empty for databases): the client asks these instead of the kind. */
  capabilities: readonly BrokerCapability[];
}

function describeBrokers<K extends BrokerKind>(kind: K, config: RedriveConfig): [string, Description][] {
  // The plugin's describers take its own config entries; the cast names what the registry's typing guarantees.
  const plugin = brokerPlugins[kind] as unknown as { describeTarget(c: unknown): string; describeSecurity(c: unknown): string; capabilities: readonly BrokerCapability[] };
  return config[kind].map((c) => [`${kind}/${c.name}`, { target: plugin.describeTarget(c), security: plugin.describeSecurity(c), capabilities: plugin.capabilities }]);
}

/** Each connection's health, with where it points, how it authenticates and what it can do; never a secret. */
export function describeConnections(config: RedriveConfig, health: ConnectionHealth[]) {
  const described = new Map<string, Description>([
    ...BROKER_KINDS.flatMap((kind) => describeBrokers(kind, config)),
    ...config.databases.map((c) => [
      `database/${c.name}`,
      { target: `${describeDatabaseUrl(c.url)} · ${c.writable ? "writable" : "read-only"}`, security: null, capabilities: [] },
    ] as [string, Description]),
  ]);
  return health.map((h) => {
    const d = described.get(`${h.kind}/${h.name}`);
    return { ...h, target: d?.target ?? "", security: d?.security ?? null, capabilities: d?.capabilities ?? [] };
  });
}
