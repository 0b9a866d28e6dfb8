import { z } from "zod";
import { schemaRegistryConfigSchema } from "~/server/lib/schema-registry-config";
import { connectionName } from "../shared/config";
import { kafkaSaslSchema, kafkaTlsSchema } from "../shared/security-schema";

/** Kafka's replay settings also say how the replay producer compresses its batches. */
const kafkaReplaySettings = z
  .object({
    allowEdit: z.boolean().default(false),
    keepErrorHeaders: z.boolean().default(false),
    compression: z.enum(["none", "gzip", "snappy", "lz4", "zstd"]).default("none"),
  })
  .strict()
  .prefault({});

/** One entry of `kafka:` in redrive.yaml. */
export const kafkaConnectionSchema = z
  .object({
    name: connectionName,
    brokers: z.array(z.string().regex(/^[^:\s]+:\d{1,5}$/, "expected host:port")).min(1),
    clientId: z.string().default("redrive"),
    // true: TLS against the system CAs; an object: a private CA, a client certificate (mTLS), a server name.
    ssl: z.union([z.boolean(), kafkaTlsSchema]).default(false),
    sasl: kafkaSaslSchema.optional(),
    sampleIntervalSeconds: z.number().int().min(1).max(3600).default(15),
    dlq: z
      .object({
        // Glob patterns ('*' = any characters) naming dead-letter topics.
        patterns: z.array(z.string().min(1)).default(["*.DLQ", "*.dlq", "*-dlt", "dlq.*"]),
        // Explicit source -> DLQ topic pairs, for names no pattern catches.
        mappings: z.array(z.object({ source: z.string().min(1), topic: z.string().min(1) }).strict()).default([]),
      })
      .strict()
      .prefault({}),
    replay: kafkaReplaySettings,
    // A Confluent-compatible schema registry (Confluent, Apicurio's ccompat API, Redpanda, Karapace): keys and
    // values in its wire format are decoded in the DLQ views, search and export. Its secrets stay on the server.
    schemaRegistry: schemaRegistryConfigSchema.optional(),
    // Glob patterns ('*' = any characters) of consumer groups the Overview's "Needs attention" leaves out
    // (test and ad-hoc groups); the lag pages still list them.
    ignoreGroups: z.array(z.string().min(1)).default([]),
  })
  .strict();

export type KafkaConnectionConfig = z.output<typeof kafkaConnectionSchema>;
