import { z } from "zod";
import { connectionName, replaySettings } from "../shared/config";

/** How Redrive authenticates to NATS. Secrets stay in the config: never logged, never sent to the browser. */
export const natsAuthSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("none") }),
  z.object({ type: z.literal("userpass"), user: z.string().min(1), pass: z.string() }),
  z.object({ type: z.literal("token"), token: z.string().min(1) }),
  /** An NKey seed (SU...), as in `nats --nkey`. */
  z.object({ type: z.literal("nkey"), seed: z.string().regex(/^SU[A-Z2-7]+$/, "an NKey user seed starts with SU") }),
  /** A .creds file (JWT + seed), as issued by nsc. */
  z.object({ type: z.literal("creds"), credsFile: z.string().min(1) }),
]);

export const natsTlsSchema = z.object({
  caFile: z.string().min(1).optional(),
  certFile: z.string().min(1).optional(),
  keyFile: z.string().min(1).optional(),
  /** TLS before the NATS INFO (the server must be configured with handshake_first). */
  handshakeFirst: z.boolean().default(false),
});

const streamName = z.string().regex(/^[^.*>\s/\\]+$/, "a stream name has no dots, wildcards, slashes or spaces");

/**
 * Where max-delivery / terminated advisories are kept. `stream`: Redrive's own capture stream or one the user
 * already runs. `create: true` is an administrator's consent, given in the config, for Redrive to create it
 * (server/brokers/nats/capture.ts) when it is missing; without it Redrive never changes the account.
 * `streams`: capture only these streams' dead letters (JetStream allows one stream per subject, so a
 * catch-all capture would overlap any other one on the server).
 */
export const natsAdvisoryCaptureSchema = z
  .object({
    stream: streamName.default("REDRIVE_DLQ_ADVISORIES"),
    create: z.boolean().default(false),
    streams: z.array(streamName).default([]),
    /** How long the created capture stream keeps advisories (days). */
    maxAgeDays: z.number().int().min(1).max(3650).default(30),
  })
  .strict()
  .prefault({});

/** One NATS server or cluster with JetStream: one entry of `nats:` in redrive.yaml. */
export const natsConnectionSchema = z
  .object({
    name: connectionName,
    /** "host:port" or nats:// / tls:// URLs; several for a cluster. */
    servers: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).transform((s) => (Array.isArray(s) ? s : [s])),
    auth: natsAuthSchema.default({ type: "none" }),
    tls: natsTlsSchema.optional(),
    timeouts: z
      .object({
        /** Connecting (per attempt). */
        connectMs: z.number().int().positive().default(5_000),
        /** One JetStream API request (stream/consumer info, message get). */
        requestMs: z.number().int().positive().default(5_000),
        /** Waiting for the PubAck of a replayed message. */
        publishAckMs: z.number().int().positive().default(10_000),
      })
      .default({ connectMs: 5_000, requestMs: 5_000, publishAckMs: 10_000 }),
    advisoryCapture: natsAdvisoryCaptureSchema,
    /** How often the collector samples every stream and consumer. */
    sampleIntervalSeconds: z.number().int().min(1).max(3600).default(15),
    replay: replaySettings,
  })
  .strict();

export type NatsConnectionConfig = z.output<typeof natsConnectionSchema>;
export type NatsAuth = z.infer<typeof natsAuthSchema>;
