import type { BrokerKind } from "~/server/brokers/registry";
import type { Connections } from "~/server/connections/registry";
import { SchemaDecoder, SchemaRegistryClient } from "~/server/schemas";
import type { SchemaRegistryConfig } from "~/server/schemas/config";

// One decoder (and its cache of compiled schemas) per connection's registry settings, for the process.
const holder = globalThis as unknown as { __redriveSchemaDecoders?: WeakMap<SchemaRegistryConfig, SchemaDecoder> };
const decoders = (holder.__redriveSchemaDecoders ??= new WeakMap());

/** The decoder of a Kafka connection's schema registry; null when the connection has none configured. */
export function schemaDecoderFor(connections: Connections, connection: string): SchemaDecoder | null {
  return schemaDecoderOf(connections, "kafka", connection);
}

/** The decoder of any connection's schema registry (a plugin's config may name one); null when it names none. */
export function schemaDecoderOf(connections: Connections, kind: BrokerKind, connection: string): SchemaDecoder | null {
  const configs: readonly { name: string; schemaRegistry?: SchemaRegistryConfig }[] = connections.config[kind];
  const config = configs.find((c) => c.name === connection)?.schemaRegistry;
  if (!config) return null;
  let decoder = decoders.get(config);
  if (!decoder) {
    decoder = new SchemaDecoder(new SchemaRegistryClient(config), config.cacheSize);
    decoders.set(config, decoder);
  }
  return decoder;
}
