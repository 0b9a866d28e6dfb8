import { z } from "zod";

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

/** One NATS server or cluster with JetStream. */
export const natsConnectionSchema = z.object({
  name: z.string().min(1),
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
  /**
   * The stream holding max-delivery / terminated advisories: Redrive's own (created only with an admin's
   * consent, see capture.ts) or one the user already runs.
   */
  advisoryStream: z.string().regex(/^[^.*>\s]+$/, "a stream name has no dots, wildcards or spaces").default("REDRIVE_DLQ_ADVISORIES"),
});

export type NatsConnectionConfig = z.infer<typeof natsConnectionSchema>;
export type NatsAuth = z.infer<typeof natsAuthSchema>;
