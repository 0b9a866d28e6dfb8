import { z } from "zod";
import { applicationLayouts, layoutOverrides, outboxSettings, sagaSettings } from "~/server/sagas/config-schema";

// Connection names appear in URLs and metric labels, so keep them simple.
const connectionName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "use lowercase letters, digits, '-' or '_' (max 63 chars)");

/** Per connection: whether operators may edit a dead letter before replaying it, and the default for DLQ error headers. */
const replaySettings = z
  .object({
    allowEdit: z.boolean().default(false),
    keepErrorHeaders: z.boolean().default(false),
  })
  .strict()
  .prefault({});

/** Kafka's replay settings also say how the replay producer compresses its batches. */
const kafkaReplaySettings = z
  .object({
    allowEdit: z.boolean().default(false),
    keepErrorHeaders: z.boolean().default(false),
    compression: z.enum(["none", "gzip", "snappy", "lz4", "zstd"]).default("none"),
  })
  .strict()
  .prefault({});

const kafkaConnection = z
  .object({
    name: connectionName,
    brokers: z.array(z.string().regex(/^[^:\s]+:\d{1,5}$/, "expected host:port")).min(1),
    clientId: z.string().default("redrive"),
    ssl: z.boolean().default(false),
    sasl: z
      .object({
        mechanism: z.enum(["plain", "scram-sha-256", "scram-sha-512"]),
        username: z.string().min(1),
        password: z.string().min(1),
      })
      .strict()
      .optional(),
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
  })
  .strict();

const sqsConnection = z
  .object({
    name: connectionName,
    region: z.string().min(1).default("us-east-1"),
    endpoint: z.url().optional(),
    credentials: z
      .object({
        accessKeyId: z.string().min(1),
        secretAccessKey: z.string().min(1),
        sessionToken: z.string().optional(),
      })
      .strict()
      .optional(),
    queueNamePrefix: z.string().optional(),
    sampleIntervalSeconds: z.number().int().min(1).max(3600).default(15),
    replay: replaySettings,
  })
  .strict();

const databaseConnection = z
  .object({
    name: connectionName,
    url: z.string().regex(/^postgres(ql)?:\/\//, "expected a postgres:// URL"),
    schema: z.string().default("public"),
    // Redrive only writes to an application database through documented operator commands, and only when allowed.
    writable: z.boolean().default(false),
    // How the saga and outbox tables are laid out (server/sagas/layouts, server/outbox/layouts).
    layout: z.enum(applicationLayouts).default("redrive-demo"),
    tables: layoutOverrides,
    sagas: sagaSettings,
    outbox: outboxSettings,
  })
  .strict();

const collectorSettings = z
  .object({
    rawRetentionHours: z.number().positive().max(24 * 30).default(24),
    rollupRetentionDays: z.number().positive().max(365).default(7),
    /** Samples per partition that the health rules look at (Burrow's "intervals"). */
    statusWindowSamples: z.number().int().min(2).max(100).default(10),
    /** How many of the most-lagging partitions get an exact lag in seconds from their record timestamp. */
    exactLagSecondsPartitions: z.number().int().min(0).max(1000).default(20),
    /** Parallel admin requests per cluster (group offsets, queue attributes). */
    concurrency: z.number().int().min(1).max(64).default(16),
  })
  .strict();

const roleEnum = z.enum(["viewer", "operator", "admin"]);

const payloadSettings = z
  .object({
    /** Roles that may read message payloads; the others see counts and errors only. */
    readRoles: z.array(roleEnum).default(["viewer", "operator", "admin"]),
    /** Fields masked on the server before a payload reaches a browser or a filter. */
    masking: z
      .array(z.object({ path: z.string().min(1), exemptRoles: z.array(roleEnum).default([]) }).strict())
      .default([]),
  })
  .strict();

const metricsSettings = z
  .object({
    /** When set, GET /api/metrics needs "Authorization: Bearer <token>". */
    bearerToken: z.string().min(16).optional(),
  })
  .strict();

export const configSchema = z
  .object({
    collector: collectorSettings.prefault({}),
    metrics: metricsSettings.prefault({}),
    payloads: payloadSettings.prefault({}),
    kafka: z.array(kafkaConnection).default([]),
    sqs: z.array(sqsConnection).default([]),
    databases: z.array(databaseConnection).default([]),
  })
  .strict()
  .superRefine((config, ctx) => {
    const seen = new Map<string, string>();
    for (const kind of ["kafka", "sqs", "databases"] as const) {
      config[kind].forEach((connection, index) => {
        const key = `${kind}.${connection.name}`;
        if (seen.has(key)) {
          ctx.addIssue({
            code: "custom",
            path: [kind, index, "name"],
            message: `duplicate connection name "${connection.name}" (also at ${seen.get(key)})`,
          });
        }
        seen.set(key, `${kind}[${index}]`);
      });
    }
  });

export type RedriveConfig = z.infer<typeof configSchema>;
/** The config as written in the file, before defaults are filled in. */
export type RedriveConfigInput = z.input<typeof configSchema>;
export type KafkaConnectionConfig = RedriveConfig["kafka"][number];
export type SqsConnectionConfig = RedriveConfig["sqs"][number];
export type DatabaseConnectionConfig = RedriveConfig["databases"][number];
export type CollectorSettings = RedriveConfig["collector"];
export type ConnectionKind = "kafka" | "sqs" | "database";
