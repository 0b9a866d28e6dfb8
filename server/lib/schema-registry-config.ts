import { readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

// The `schemaRegistry` block of a Kafka connection: a Confluent-compatible API (Confluent Schema Registry,
// Apicurio's /apis/ccompat/v7, Redpanda, Karapace). Exported for the config wiring; secrets inline (via ${VAR})
// or from "...File" keys, read once at start-up, like the Kafka security settings.

const text = z.string().min(1);

function inlineOrFile(value: string | undefined, file: string | undefined, key: string, ctx: z.RefinementCtx): string | undefined {
  if (value !== undefined && file !== undefined) {
    ctx.addIssue({ code: "custom", path: [key], message: `give either ${key} or ${key}File, not both` });
    return undefined;
  }
  if (file === undefined) return value;
  try {
    return readFileSync(/*turbopackIgnore: true*/ path.resolve(file), "utf8");
  } catch (error) {
    ctx.addIssue({ code: "custom", path: [`${key}File`], message: `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}` });
    return undefined;
  }
}

const basicAuth = z
  .object({ type: z.literal("basic"), username: text, password: text.optional(), passwordFile: text.optional() })
  .strict()
  .transform((auth, ctx) => {
    const password = inlineOrFile(auth.password, auth.passwordFile, "password", ctx)?.replace(/\r?\n$/, "");
    if (password === undefined && auth.passwordFile === undefined) ctx.addIssue({ code: "custom", path: ["password"], message: "basic auth needs password or passwordFile" });
    return { type: "basic" as const, username: auth.username, password: password ?? "" };
  });

const bearerAuth = z
  .object({ type: z.literal("bearer"), token: text.optional(), tokenFile: text.optional() })
  .strict()
  .transform((auth, ctx) => {
    const token = inlineOrFile(auth.token, auth.tokenFile, "token", ctx)?.trim();
    if (token === undefined && auth.tokenFile === undefined) ctx.addIssue({ code: "custom", path: ["token"], message: "bearer auth needs token or tokenFile" });
    return { type: "bearer" as const, token: token ?? "" };
  });

const tlsSchema = z
  .object({
    ca: text.optional(),
    caFile: text.optional(),
    cert: text.optional(),
    certFile: text.optional(),
    key: text.optional(),
    keyFile: text.optional(),
    servername: text.optional(),
    rejectUnauthorized: z.boolean().default(true),
  })
  .strict()
  .transform((tls, ctx) => {
    const hasCert = tls.cert !== undefined || tls.certFile !== undefined;
    const hasKey = tls.key !== undefined || tls.keyFile !== undefined;
    if (hasCert !== hasKey) ctx.addIssue({ code: "custom", path: [hasCert ? "key" : "cert"], message: "a client certificate needs both cert (or certFile) and key (or keyFile)" });
    return {
      ca: inlineOrFile(tls.ca, tls.caFile, "ca", ctx),
      cert: inlineOrFile(tls.cert, tls.certFile, "cert", ctx),
      key: inlineOrFile(tls.key, tls.keyFile, "key", ctx),
      servername: tls.servername,
      rejectUnauthorized: tls.rejectUnauthorized,
    };
  });

export const schemaRegistryConfigSchema = z
  .object({
    /** Base URL of the Confluent-compatible API, e.g. http://127.0.0.1:8085/apis/ccompat/v7 for Apicurio. */
    url: z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, "")),
    auth: z.discriminatedUnion("type", [basicAuth, bearerAuth]).optional(),
    tls: tlsSchema.optional(),
    /** Per request: a slow registry costs a page at most this long per schema it has not cached yet. */
    timeoutMs: z.number().int().min(100).max(60_000).default(3000),
    /** Schemas kept per registry (by id: ids are immutable, so entries never go stale). */
    cacheSize: z.number().int().min(1).max(100_000).default(1000),
  })
  .strict();

export type SchemaRegistryConfigInput = z.input<typeof schemaRegistryConfigSchema>;
export type SchemaRegistryConfig = z.output<typeof schemaRegistryConfigSchema>;

/** Where a registry is and how Redrive authenticates to it, for the connections page: never a secret. */
export function describeSchemaRegistry(config: SchemaRegistryConfig): string {
  let where: string;
  try {
    const url = new URL(config.url);
    // Credentials in the URL (user:password@) are left out.
    where = `${url.origin}${url.pathname}`;
  } catch {
    where = "(unparseable URL)";
  }
  const auth = config.auth ? `${config.auth.type} auth` : "no auth";
  return `schema registry ${where} (${auth}${config.tls ? ", TLS settings" : ""})`;
}
