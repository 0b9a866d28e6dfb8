// The `schemaRegistry` block of a Kafka connection lives in server/lib (the Kafka connection schema in
// server/brokers validates it, and brokers import only lib); re-exported here for the schemas module.
export { schemaRegistryConfigSchema, type SchemaRegistryConfig, type SchemaRegistryConfigInput } from "../lib/schema-registry-config.ts";
