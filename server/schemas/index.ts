// The schemas module: decoding Avro, Protobuf and JSON Schema keys and values of Kafka records through a
// Confluent-compatible schema registry. Imports nothing from routers or brokers.
export { schemaRegistryConfigSchema, type SchemaRegistryConfig, type SchemaRegistryConfigInput } from "./config.ts";
export { SchemaRegistryClient, RegistryError, type CompatibilityVerdict, type RegisteredSchema, type SchemaReference, type SchemaType, type SubjectVersion } from "./registry-client.ts";
export { SchemaDecoder, type DecodedPayload, type PayloadDecoding, type SchemaFormat, type UndecodedPayload } from "./decode.ts";
export { confluentFrame, encodeMessageIndexes, locateSchema, parseConfluentHeader, readMessageIndexes, type RecordPart, type SchemaLocator } from "./wire-format.ts";
export type { JsonSchemaVerdict } from "./json-schema.ts";
export { diffSchemas, type FieldChange, type FieldChangeKind, type SchemaSide } from "./evolution.ts";
export { EncodeError } from "./json-exact.ts";
