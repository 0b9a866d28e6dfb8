import http from "node:http";
import https from "node:https";
import { Lru } from "./lru.ts";
import type { SchemaRegistryConfig } from "./config.ts";

// A client for the Confluent-compatible schema registry API (Confluent, Apicurio ccompat, Redpanda, Karapace).
// Schemas by id are immutable, so they are cached without expiry in a bounded LRU, and concurrent lookups of one
// id share a request. Every call has a timeout; errors are RegistryError values for the decoder to turn into a
// note (a page never fails because the registry is down or slow).

export type SchemaType = "AVRO" | "PROTOBUF" | "JSON";

/** A schema this one imports: Avro named types, Protobuf imports (name = the import path), JSON $refs. */
export interface SchemaReference {
  name: string;
  subject: string;
  version: number;
}

export interface RegisteredSchema {
  /** The Confluent schema id (Apicurio: the content id). */
  id: number;
  schemaType: SchemaType;
  /** The schema text as registered (Avro/JSON Schema JSON, Protobuf .proto source). */
  schema: string;
  references: SchemaReference[];
}

export interface SubjectVersion extends RegisteredSchema {
  subject: string;
  version: number;
}

export interface CompatibilityVerdict {
  compatible: boolean;
  /** The registry's own reasons, when it gives them (verbose=true). */
  messages: string[];
}

export type RegistryErrorKind = "unreachable" | "timeout" | "http" | "not-found" | "invalid-response" | "unsupported";

export class RegistryError extends Error {
  readonly kind: RegistryErrorKind;
  readonly status: number | undefined;
  constructor(kind: RegistryErrorKind, message: string, status?: number) {
    super(message);
    this.name = "RegistryError";
    this.kind = kind;
    this.status = status;
  }
}

/** Registry answers are small; this bounds what a misbehaving endpoint can make us buffer. */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
const ACCEPT = "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json, application/json";

function schemaType(raw: unknown): SchemaType {
  // Confluent omits schemaType for Avro.
  if (raw === undefined || raw === null || raw === "AVRO") return "AVRO";
  if (raw === "PROTOBUF" || raw === "JSON") return raw;
  throw new RegistryError("invalid-response", `unknown schemaType ${JSON.stringify(raw)}`);
}

function references(raw: unknown): SchemaReference[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((r: { name?: unknown; subject?: unknown; version?: unknown }) => {
    if (typeof r?.name !== "string" || typeof r.subject !== "string" || typeof r.version !== "number") {
      throw new RegistryError("invalid-response", "a schema reference without name, subject and version");
    }
    return { name: r.name, subject: r.subject, version: r.version };
  });
}

export class SchemaRegistryClient {
  readonly url: string;
  readonly #config: SchemaRegistryConfig;
  readonly #agent: http.Agent;
  readonly #byId: Lru<number, RegisteredSchema>;
  readonly #bySubjectVersion: Lru<string, SubjectVersion>;
  readonly #pending = new Map<string, Promise<unknown>>();

  constructor(config: SchemaRegistryConfig) {
    this.#config = config;
    this.url = config.url;
    const secure = new URL(config.url).protocol === "https:";
    this.#agent = secure
      ? new https.Agent({ keepAlive: true, maxSockets: 8, ca: config.tls?.ca, cert: config.tls?.cert, key: config.tls?.key, servername: config.tls?.servername, rejectUnauthorized: config.tls?.rejectUnauthorized ?? true })
      : new http.Agent({ keepAlive: true, maxSockets: 8 });
    this.#byId = new Lru(config.cacheSize);
    this.#bySubjectVersion = new Lru(config.cacheSize);
  }

  /** GET /schemas/ids/{id}: the writer's schema of a Confluent-framed record. Cached (ids are immutable). */
  async schemaById(id: number): Promise<RegisteredSchema> {
    const cached = this.#byId.get(id);
    if (cached) return cached;
    return this.#once(`id:${id}`, async () => {
      const body = (await this.#request("GET", `/schemas/ids/${id}`)) as { schema?: unknown; schemaType?: unknown; references?: unknown };
      if (typeof body?.schema !== "string") throw new RegistryError("invalid-response", `schema ${id}: no schema text in the answer`);
      const schema: RegisteredSchema = { id, schemaType: schemaType(body.schemaType), schema: body.schema, references: references(body.references) };
      this.#byId.set(id, schema);
      return schema;
    });
  }

  /** GET /subjects/{s}/versions/{v}; numbered versions are cached, "latest" never is. */
  async subjectVersion(subject: string, version: number | "latest"): Promise<SubjectVersion> {
    const key = `${subject}\u0000${version}`;
    const cached = version === "latest" ? undefined : this.#bySubjectVersion.get(key);
    if (cached) return cached;
    return this.#once(`sv:${key}`, async () => {
      const body = (await this.#request("GET", `/subjects/${encodeURIComponent(subject)}/versions/${version}`)) as Record<string, unknown>;
      if (typeof body?.schema !== "string" || typeof body.id !== "number" || typeof body.version !== "number") {
        throw new RegistryError("invalid-response", `${subject} version ${version}: incomplete answer`);
      }
      const found: SubjectVersion = { id: body.id, subject, version: body.version, schemaType: schemaType(body.schemaType), schema: body.schema, references: references(body.references) };
      this.#bySubjectVersion.set(`${subject}\u0000${found.version}`, found);
      return found;
    });
  }

  /** GET /subjects/{s}/versions: the version numbers registered for a subject. */
  async versions(subject: string): Promise<number[]> {
    const body = await this.#request("GET", `/subjects/${encodeURIComponent(subject)}/versions`);
    if (!Array.isArray(body) || !body.every((v) => typeof v === "number")) throw new RegistryError("invalid-response", `${subject}: versions is not a list of numbers`);
    return body;
  }

  /** GET /schemas/ids/{id}/versions: the subjects and versions that carry a schema id (best effort: older registries lack it). */
  async subjectsOfId(id: number): Promise<Array<{ subject: string; version: number }>> {
    const body = await this.#request("GET", `/schemas/ids/${id}/versions`);
    if (!Array.isArray(body)) return [];
    return body.filter((e): e is { subject: string; version: number } => typeof e?.subject === "string" && typeof e?.version === "number");
  }

  /** POST /compatibility/subjects/{s}/versions/{v}?verbose=true: the registry's own verdict on a candidate schema. */
  async checkCompatibility(subject: string, version: number | "latest", candidate: Pick<RegisteredSchema, "schema" | "schemaType" | "references">): Promise<CompatibilityVerdict> {
    const body = (await this.#request("POST", `/compatibility/subjects/${encodeURIComponent(subject)}/versions/${version}?verbose=true`, {
      schema: candidate.schema,
      schemaType: candidate.schemaType,
      references: candidate.references,
    })) as { is_compatible?: unknown; messages?: unknown };
    if (typeof body?.is_compatible !== "boolean") throw new RegistryError("invalid-response", "compatibility answer without is_compatible");
    const messages = Array.isArray(body.messages) ? body.messages.map(String) : [];
    return { compatible: body.is_compatible, messages };
  }

  /** GET /config/{s}?defaultToGlobal=true: the compatibility level the registry applies to a subject (null when it does not say). */
  async compatibilityLevel(subject: string): Promise<string | null> {
    // Apicurio answers 404 for a subject without its own level (it ignores defaultToGlobal): then the global one.
    const body = (await this.#request("GET", `/config/${encodeURIComponent(subject)}?defaultToGlobal=true`).catch((error: unknown) => {
      if (error instanceof RegistryError && error.kind === "not-found") return this.#request("GET", "/config");
      throw error;
    })) as { compatibilityLevel?: unknown; compatibility?: unknown } | null;
    const level = body?.compatibilityLevel ?? body?.compatibility;
    return typeof level === "string" ? level : null;
  }

  /**
   * Apicurio's header-carried ids (apicurio.value.globalId / contentId). Its ccompat API serves schemas by
   * content id; a global id is first mapped to its content id through Apicurio's own API next to ccompat.
   */
  async schemaByApicurioId(kind: "globalId" | "contentId", id: bigint): Promise<RegisteredSchema & { subject?: string; version?: number }> {
    if (kind === "contentId") return this.schemaById(safeId(id));
    const native = this.url.match(/^(.*)\/apis\/ccompat\/v\d+$/)?.[1];
    if (native === undefined) throw new RegistryError("unsupported", "an Apicurio globalId needs an Apicurio registry (url ending in /apis/ccompat/v7)");
    const body = (await this.#request("GET", `/apis/registry/v3/search/versions?globalId=${id}`, undefined, native)) as { versions?: Array<Record<string, unknown>> };
    const hit = body?.versions?.[0];
    if (typeof hit?.contentId !== "number") throw new RegistryError("not-found", `no schema version with globalId ${id}`, 404);
    const schema = await this.schemaById(hit.contentId);
    const version = Number(hit.version);
    return { ...schema, subject: typeof hit.artifactId === "string" ? hit.artifactId : undefined, version: Number.isInteger(version) ? version : undefined };
  }

  /** Closes pooled connections. */
  close(): void {
    this.#agent.destroy();
  }

  async #once<T>(key: string, load: () => Promise<T>): Promise<T> {
    const running = this.#pending.get(key) as Promise<T> | undefined;
    if (running) return running;
    const promise = load().finally(() => this.#pending.delete(key));
    this.#pending.set(key, promise);
    return promise;
  }

  #request(method: "GET" | "POST", pathAndQuery: string, body?: unknown, base = this.url): Promise<unknown> {
    const target = new URL(base + pathAndQuery);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { accept: ACCEPT };
    if (payload) {
      headers["content-type"] = "application/vnd.schemaregistry.v1+json";
      headers["content-length"] = String(payload.length);
    }
    const auth = this.#config.auth;
    if (auth?.type === "basic") headers.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}`;
    if (auth?.type === "bearer") headers.authorization = `Bearer ${auth.token}`;
    const timeoutMs = this.#config.timeoutMs;
    const transport = target.protocol === "https:" ? https : http;
    // What a note may show: the path, never credentials.
    const where = `${target.origin}${target.pathname}`;
    return new Promise((resolve, reject) => {
      const req = transport.request(target, { method, headers, agent: this.#agent }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) {
            req.destroy(new RegistryError("invalid-response", `${where}: answer larger than ${MAX_RESPONSE_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on("end", () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString("utf8");
          const status = res.statusCode ?? 0;
          let parsed: unknown;
          try {
            parsed = text === "" ? null : JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          if (status < 200 || status >= 300) {
            const detail = (parsed as { message?: unknown } | undefined)?.message;
            const kind = status === 404 ? "not-found" : "http";
            reject(new RegistryError(kind, `${method} ${where}: HTTP ${status}${typeof detail === "string" ? ` (${detail.slice(0, 200)})` : ""}`, status));
            return;
          }
          if (parsed === undefined) reject(new RegistryError("invalid-response", `${method} ${where}: not JSON`));
          else resolve(parsed);
        });
        res.on("error", (err) => reject(asRegistryError(err, where)));
      });
      const timer = setTimeout(() => req.destroy(new RegistryError("timeout", `${method} ${where}: no answer within ${timeoutMs} ms`)), timeoutMs);
      req.on("error", (err) => {
        clearTimeout(timer);
        reject(asRegistryError(err, where));
      });
      req.end(payload);
    });
  }
}

function asRegistryError(err: unknown, where: string): RegistryError {
  if (err instanceof RegistryError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  return new RegistryError("unreachable", `${where}: ${code ?? (err as Error).message}`);
}

function safeId(id: bigint): number {
  if (id < 0n || id > BigInt(Number.MAX_SAFE_INTEGER)) throw new RegistryError("unsupported", `schema id ${id} is out of range`);
  return Number(id);
}
