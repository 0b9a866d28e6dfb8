import { readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

// How Redrive authenticates to Kafka and AWS. Secrets come from ${VAR} interpolation or from files named by a
// "...File" key, read once at start-up: a missing or unreadable file is a config error naming that key.

/** Reads `file` for the config key `key`, or records a config issue naming the key and the cause. */
function readSecretFile(file: string, key: string, ctx: z.RefinementCtx): string | undefined {
  try {
    return readFileSync(/*turbopackIgnore: true*/ path.resolve(file), "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const cause = code === "ENOENT" ? "file not found" : code === "EACCES" ? "permission denied" : code === "EISDIR" ? "is a directory" : String(error);
    ctx.addIssue({ code: "custom", path: [key], message: `cannot read ${file}: ${cause}` });
    return undefined;
  }
}

/**
 * A value given inline (`name`, usually via ${VAR}) or as a file (`nameFile`), never both.
 * Returns the value, undefined when neither is given, and records an issue when both are.
 */
function inlineOrFile(value: string | undefined, file: string | undefined, key: string, ctx: z.RefinementCtx): string | undefined {
  if (value !== undefined && file !== undefined) {
    ctx.addIssue({ code: "custom", path: [key], message: `give either ${key} or ${key}File, not both` });
    return undefined;
  }
  if (file !== undefined) return readSecretFile(file, `${key}File`, ctx);
  return value;
}

const text = z.string().min(1);

/** TLS settings: PEM text inline or from files; rejectUnauthorized only for a lab, never production. */
export const kafkaTlsSchema = z
  .object({
    ca: text.optional(),
    caFile: text.optional(),
    cert: text.optional(),
    certFile: text.optional(),
    key: text.optional(),
    keyFile: text.optional(),
    passphrase: text.optional(),
    passphraseFile: text.optional(),
    /** The name the broker certificate must carry, when it differs from the bootstrap host (SNI too). */
    servername: text.optional(),
    rejectUnauthorized: z.boolean().default(true),
  })
  .strict()
  .transform((tls, ctx) => {
    const resolved = {
      ca: inlineOrFile(tls.ca, tls.caFile, "ca", ctx),
      cert: inlineOrFile(tls.cert, tls.certFile, "cert", ctx),
      key: inlineOrFile(tls.key, tls.keyFile, "key", ctx),
      passphrase: inlineOrFile(tls.passphrase, tls.passphraseFile, "passphrase", ctx)?.trim(),
      servername: tls.servername,
      rejectUnauthorized: tls.rejectUnauthorized,
    };
    const hasCert = tls.cert !== undefined || tls.certFile !== undefined;
    const hasKey = tls.key !== undefined || tls.keyFile !== undefined;
    if (hasCert !== hasKey) {
      ctx.addIssue({ code: "custom", path: [hasCert ? "key" : "cert"], message: "a client certificate needs both cert (or certFile) and key (or keyFile)" });
    }
    return resolved;
  });

export type KafkaTlsSettings = z.output<typeof kafkaTlsSchema>;

const userPassword = z
  .object({
    mechanism: z.enum(["plain", "scram-sha-256", "scram-sha-512"]),
    username: text,
    password: text.optional(),
    passwordFile: text.optional(),
  })
  .strict()
  .transform((sasl, ctx) => {
    const password = inlineOrFile(sasl.password, sasl.passwordFile, "password", ctx)?.replace(/\r?\n$/, "");
    if (password === undefined && sasl.passwordFile === undefined && sasl.password === undefined) {
      ctx.addIssue({ code: "custom", path: ["password"], message: "give password (e.g. ${KAFKA_PASSWORD}) or passwordFile" });
    }
    return { mechanism: sasl.mechanism, username: sasl.username, password: password ?? "" };
  });

const oauthBearer = z
  .object({
    mechanism: z.literal("oauthbearer"),
    /** OAuth 2.0 client-credentials grant: the token endpoint of the identity provider. */
    tokenEndpoint: z.url(),
    clientId: text,
    clientSecret: text.optional(),
    clientSecretFile: text.optional(),
    scope: text.optional(),
    /** SASL extensions sent with the token (Confluent Cloud wants logicalCluster and identityPoolId). */
    extensions: z.record(z.string().min(1), z.string()).default({}),
  })
  .strict()
  .transform((sasl, ctx) => {
    const clientSecret = inlineOrFile(sasl.clientSecret, sasl.clientSecretFile, "clientSecret", ctx)?.trim();
    if (sasl.clientSecret === undefined && sasl.clientSecretFile === undefined) {
      ctx.addIssue({ code: "custom", path: ["clientSecret"], message: "give clientSecret (e.g. ${OAUTH_CLIENT_SECRET}) or clientSecretFile" });
    }
    return {
      mechanism: sasl.mechanism,
      tokenEndpoint: sasl.tokenEndpoint,
      clientId: sasl.clientId,
      clientSecret: clientSecret ?? "",
      scope: sasl.scope,
      extensions: sasl.extensions,
    };
  });

/** Where AWS credentials come from: the default chain, a named profile, and optionally a role assumed with them. */
export const awsIdentitySchema = {
  profile: text.optional(),
  roleArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, "expected an IAM role ARN (arn:aws:iam::<account>:role/<name>)").optional(),
  externalId: text.optional(),
  roleSessionName: z.string().regex(/^[\w+=,.@-]{2,64}$/, "2-64 characters: letters, digits and +=,.@_-").default("redrive"),
  /** STS endpoint for roleArn, e.g. a VPC endpoint; default: the region's. */
  stsEndpoint: z.url().optional(),
};

const mskIam = z
  .object({
    mechanism: z.literal("aws-msk-iam"),
    region: text,
    ...awsIdentitySchema,
  })
  .strict()
  .superRefine((sasl, ctx) => {
    if (sasl.externalId && !sasl.roleArn) ctx.addIssue({ code: "custom", path: ["externalId"], message: "externalId needs roleArn" });
  });

export const kafkaSaslSchema = z.discriminatedUnion("mechanism", [userPassword, oauthBearer, mskIam]);

export type KafkaSaslSettings = z.output<typeof kafkaSaslSchema>;
