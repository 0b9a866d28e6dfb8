import { z } from "zod";
import { BROKER_KINDS, brokerConfigShape, type BrokerKind } from "~/server/brokers/registry";
import { connectionName } from "~/server/brokers/shared/config";
import { parseCidr } from "~/server/lib/net";
import { actions, PRESETS } from "~/server/auth/permissions";
import { alertsSettings } from "~/server/alerts/config-schema";
import { applicationLayouts, layoutOverrides, outboxSettings, sagaSettings } from "~/server/sagas/config-schema";

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

/** A masking rule's path: "key." or "value." (or no prefix: the value) and a field path that is not empty. */
const maskingPath = z
  .string()
  .min(1)
  .refine((path) => !/^(key|value)\.$/.test(path), {
    error: (issue) => `masking path "${String(issue.input)}" names no field: write the field after the prefix, e.g. "${String(issue.input)}customer.email"`,
  });

const payloadSettings = z
  .object({
    /** Roles that may read message payloads; the others see counts and errors only. */
    readRoles: z.array(roleEnum).default(["viewer", "operator", "admin"]),
    /** Roles that may read and export Kafka topics that are not DLQs (business topics, __consumer_offsets). */
    readAnyTopicRoles: z.array(roleEnum).default(["admin"]),
    /**
     * Fields masked on the server before a payload reaches a browser or a filter: "key.customer.email" masks a
     * field of the message key, "value.card.number" or "card.number" a field of the value.
     */
    masking: z
      .array(z.object({ path: maskingPath, exemptRoles: z.array(z.string().min(1)).default([]) }).strict())
      .default([]),
  })
  .strict();

const metricsSettings = z
  .object({
    /** When set, GET /api/metrics needs "Authorization: Bearer <token>". */
    bearerToken: z.string().min(16).optional(),
  })
  .strict();

/** An IPv4 or IPv6 address with an optional /prefix, e.g. "10.0.0.0/8" or "::1". */
const cidr = z.string().refine((value) => parseCidr(value) !== null, "expected an IP address or CIDR, e.g. 10.0.0.0/8");

const serverSettings = z
  .object({
    /**
     * Peers whose X-Forwarded-For is believed (the reverse proxies in front of Redrive). Any other peer's
     * header is ignored, so a client cannot choose the address the audit log records.
     */
    trustedProxies: z.array(cidr).default([]),
    /** Request body limits in bytes: refused with 413 before anything is parsed. */
    bodyLimits: z
      .object({
        defaultBytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(2 * 1024 * 1024),
        /** Edit-and-replay carries a whole payload (up to 8 MiB of text, JSON-escaped). */
        editBytes: z.number().int().min(1024).max(256 * 1024 * 1024).default(24 * 1024 * 1024),
      })
      .strict()
      .prefault({}),
  })
  .strict();

const auditSettings = z
  .object({
    /** Audit rows older than this are exported to NDJSON, then pruned. */
    retentionDays: z.number().int().min(1).max(36_500).default(400),
    /** Where pruned rows are exported before they are deleted (created when missing). */
    exportDir: z.string().min(1).default(".redrive/audit-archive"),
  })
  .strict();

const roleMapping = z
  .object({
    /** The claim to read: a string or a list of strings (e.g. "groups", "roles"). */
    claim: z.string().min(1).max(100).default("groups"),
    /** Claim values granting each role; the highest role matched wins. */
    admin: z.array(z.string().min(1)).default([]),
    operator: z.array(z.string().min(1)).default([]),
    viewer: z.array(z.string().min(1)).default([]),
    /**
     * Claim values granting roles of `auth.roles`, by role name (checked at load). They rank below admin and
     * operator and above viewer; among themselves, in the order written.
     */
    configured: z.record(z.string().min(1), z.array(z.string().min(1))).default({}),
    /** The role of a user matching no value (built in or of `auth.roles`); null refuses them. */
    default: z.string().min(1).nullable().default(null),
  })
  .strict();

const oidcSettings = z
  .object({
    /** Shown on the sign-in page: "Sign in with <name>". */
    name: z.string().min(1).max(60).default("SSO"),
    issuer: z.url(),
    clientId: z.string().min(1),
    /** The secret itself is never in the file: an environment variable or a file (e.g. a mounted secret) holds it. */
    clientSecretEnv: z.string().min(1).optional(),
    clientSecretFile: z.string().min(1).optional(),
    scopes: z.array(z.string().min(1)).default(["openid", "profile", "email"]),
    /** The claim that becomes the Redrive username. */
    usernameClaim: z.string().min(1).default("preferred_username"),
    roles: roleMapping.prefault({}),
    /**
     * false: password sign-in is off for everyone except the breakGlass accounts (by default the first admin,
     * created at first run), so an outage of the provider cannot lock every admin out.
     */
    localAccounts: z.boolean().default(true),
    breakGlass: z.array(z.string().min(1)).default(["admin"]),
    /** The public URL Redrive is reached at (the redirect URI is <publicUrl>/api/auth/oidc/callback). */
    publicUrl: z.url().optional(),
    /** Only for tests against a local provider over plain HTTP. */
    allowInsecureHttp: z.boolean().default(false),
  })
  .strict();

/** One grant of a configured role: actions on connections and resources matching `*` patterns. */
const grantSchema = z
  .object({
    actions: z.array(z.enum(actions)).min(1),
    connections: z.array(z.string().min(1).max(200)).min(1).default(["*"]),
    /** DLQ, topic, queue or database names. */
    resources: z.array(z.string().min(1).max(500)).min(1).default(["*"]),
  })
  .strict();

const roleName = z
  .string()
  .regex(/^[a-z][a-z0-9._-]{1,40}$/, "a role name: 2-41 lower-case letters, digits, '.', '_' or '-'")
  .refine((name) => !(PRESETS as readonly string[]).includes(name), "viewer, operator and admin are built in");

const authSettings = z
  .object({
    /** Roles beyond the built-in viewer, operator and admin: each a list of grants (server/auth/permissions.ts). */
    roles: z.record(roleName, z.array(grantSchema).min(1)).default({}),
    /** The longest an API token may live; every token has an expiry. */
    maxTokenLifetimeDays: z.number().int().min(1).max(3650).default(90),
    /** Sessions end after this long without a request, and at the latest after sessionMaxHours. */
    sessionIdleMinutes: z.number().int().min(1).max(7 * 24 * 60).default(60),
    sessionMaxHours: z.number().int().min(1).max(24 * 30).default(12),
    /**
     * Sign-in throttling: failures allowed per username and per address before each further one blocks it,
     * doubling. An address gets more (many people may share one behind a NAT).
     */
    throttle: z
      .object({
        freeFailures: z.number().int().min(1).max(100).default(5),
        freeFailuresPerAddress: z.number().int().min(1).max(1000).default(20),
        maxBlockSeconds: z.number().int().min(1).max(86_400).default(900),
      })
      .strict()
      .prefault({}),
    /** Single sign-on (OpenID Connect, authorization code with PKCE): server/auth/oidc.ts. */
    oidc: oidcSettings.optional(),
  })
  .strict()
  .superRefine((auth, ctx) => {
    // Claims may map only to roles that exist: a typo would otherwise sign users in with no permission at all.
    const known = new Set<string>([...PRESETS, ...Object.keys(auth.roles)]);
    const mapping = auth.oidc?.roles;
    if (!mapping) return;
    for (const name of Object.keys(mapping.configured)) {
      if (!known.has(name) || (PRESETS as readonly string[]).includes(name)) {
        ctx.addIssue({ code: "custom", path: ["oidc", "roles", "configured", name], message: `"${name}" is not a role of auth.roles (the built-in roles have their own keys)` });
      }
    }
    if (mapping.default !== null && !known.has(mapping.default)) {
      ctx.addIssue({ code: "custom", path: ["oidc", "roles", "default"], message: `"${mapping.default}" is neither a built-in role nor one of auth.roles` });
    }
  });

export const configSchema = z
  .object({
    server: serverSettings.prefault({}),
    auth: authSettings.prefault({}),
    audit: auditSettings.prefault({}),
    collector: collectorSettings.prefault({}),
    metrics: metricsSettings.prefault({}),
    payloads: payloadSettings.prefault({}),
    alerts: alertsSettings.prefault({}),
    // One list per registered broker kind (kafka, sqs, ...), each validated by its plugin's schema.
    ...brokerConfigShape(),
    databases: z.array(databaseConnection).default([]),
  })
  .strict()
  .superRefine((config, ctx) => {
    const seen = new Map<string, string>();
    for (const kind of [...BROKER_KINDS, "databases"] as const) {
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
export type { KafkaConnectionConfig } from "~/server/brokers/kafka/config";
export type { SqsConnectionConfig } from "~/server/brokers/sqs/config";
export type DatabaseConnectionConfig = RedriveConfig["databases"][number];
export type CollectorSettings = RedriveConfig["collector"];
export type ServerSettings = RedriveConfig["server"];
export type AuditSettings = RedriveConfig["audit"];
export type ConnectionKind = BrokerKind | "database";
