import { avroDecoder } from "./avro.ts";
import { encodeWithSchema } from "./encode.ts";
import { jsonSchemaDecoder, type JsonSchemaVerdict } from "./json-schema.ts";
import { Lru } from "./lru.ts";
import { protobufDecoder } from "./protobuf.ts";
import { RegistryError, type RegisteredSchema, type SchemaReference, type SchemaRegistryClient } from "./registry-client.ts";
import { apicurioHeaderNames, locateSchema, readApicurioRef, readMessageIndexes, type RecordPart, type SchemaLocator } from "./wire-format.ts";

// Decoding one key or value of a Kafka record through the registry. Never throws: what cannot be decoded comes
// back as its bytes with a note saying why (not schema-framed, registry down or slow, bytes that do not fit
// the writer's schema), so a page of dead letters always renders.

export type SchemaFormat = "avro" | "protobuf" | "json-schema";

export interface DecodedPayload {
  status: "decoded";
  format: SchemaFormat;
  /** The schema id the record carries (Confluent id; Apicurio: the content id). */
  schemaId: number;
  /** Where the id came from. */
  idSource: "confluent" | "apicurio-globalId" | "apicurio-contentId";
  /** Apicurio's global id when the record carried one (a decimal string: it is a 64-bit long). */
  globalId?: string;
  /**
   * The subject and version of the writer's schema. One id can be registered under several subjects: then
   * the topic's own (TopicNameStrategy, `<topic>-key|value`) is chosen, or none when that is not among them.
   */
  subject?: string;
  version?: number;
  /** Every subject and version that carries this schema (as far as the registry tells). */
  subjects: Array<{ subject: string; version: number }>;
  /** The writer's schema text as registered, and what it references. */
  schema: string;
  references: SchemaReference[];
  /** Protobuf: the full name of the message type. */
  messageType?: string;
  /** The decoded value as JSON text; 64-bit integers and decimals with their exact digits. */
  json: string;
  /** JSON Schema: the writer schema's verdict on the value. */
  validation?: JsonSchemaVerdict;
  /** Set when the bytes were read despite framing that is not quite the wire format (what a person should know). */
  framingNote?: string;
}

export interface UndecodedPayload {
  status: "not-schema-encoded" | "registry-unavailable" | "schema-not-found" | "decode-failed";
  /** For a person: why the bytes are shown as bytes. */
  note: string;
  schemaId?: number;
  bytes: Uint8Array | null;
}

export type PayloadDecoding = DecodedPayload | UndecodedPayload;

export interface DecodeContext {
  /** The record's topic: picks the subject when one schema id is registered under several. */
  topic?: string;
}

interface Compiled {
  schema: RegisteredSchema;
  /** Apicurio global ids name exactly one version. */
  exact?: { subject: string; version: number };
  subjects: Array<{ subject: string; version: number }>;
  /** The referenced schemas, dependencies first (what compileDecoder needs besides the schema). */
  refs: Array<{ name: string; schema: string }>;
  decode(data: Uint8Array, locator: SchemaLocator, headers: ReadonlyMap<string, Uint8Array | null>, part: RecordPart): Pick<DecodedPayload, "json" | "messageType" | "validation" | "framingNote">;
}

/** What a filter worker needs to decode with a writer's schema on its own thread (structured-cloneable). */
export interface PortableSchema {
  schema: RegisteredSchema;
  refs: Array<{ name: string; schema: string }>;
}

const FORMAT: Record<RegisteredSchema["schemaType"], SchemaFormat> = { AVRO: "avro", PROTOBUF: "protobuf", JSON: "json-schema" };

/** After the registry fails to answer, skip it for this long (a slow registry must not cost every record a timeout). */
const DOWN_BACKOFF_MS = 10_000;

export class SchemaDecoder {
  readonly #client: SchemaRegistryClient;
  readonly #compiled: Lru<string, Promise<Compiled>>;
  /** The same schemas once compiled, for decodeNow. */
  readonly #ready: Lru<string, Compiled>;
  #downUntil = 0;
  #downReason = "";

  constructor(client: SchemaRegistryClient, cacheSize = 500) {
    this.#client = client;
    this.#compiled = new Lru(cacheSize);
    this.#ready = new Lru(cacheSize);
  }

  /** The registry this decoder reads (for what decoding does not do: latest versions, compatibility verdicts). */
  get client(): SchemaRegistryClient {
    return this.#client;
  }

  async decode(bytes: Uint8Array | null, headers: ReadonlyMap<string, Uint8Array | null>, part: RecordPart, context: DecodeContext = {}): Promise<PayloadDecoding> {
    if (!bytes || bytes.length === 0) return { status: "not-schema-encoded", note: `empty ${part}`, bytes };
    const locator = locateSchema(bytes, headers, part);
    if (!locator) return { status: "not-schema-encoded", note: `the ${part} carries no schema id (no Confluent framing, no Apicurio id header)`, bytes };
    const idText = locator.kind === "confluent" ? `schema id ${locator.schemaId}` : `${locator.header} ${locator.id}`;
    const schemaIdHint = locator.kind === "confluent" ? locator.schemaId : locator.idKind === "contentId" && locator.id <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(locator.id) : undefined;

    if (Date.now() < this.#downUntil) {
      return { status: "registry-unavailable", note: `${idText}: schema registry unavailable (${this.#downReason}); shown as bytes, retried in a few seconds`, schemaId: schemaIdHint, bytes };
    }
    let compiled: Compiled;
    try {
      compiled = await this.#compile(locator);
    } catch (error) {
      if (error instanceof RegistryError && (error.kind === "unreachable" || error.kind === "timeout" || (error.kind === "http" && (error.status ?? 0) >= 500))) {
        this.#downUntil = Date.now() + DOWN_BACKOFF_MS;
        this.#downReason = error.message;
        return { status: "registry-unavailable", note: `${idText}: schema registry unavailable (${error.message}); shown as bytes`, schemaId: schemaIdHint, bytes };
      }
      if (error instanceof RegistryError && error.kind === "not-found") {
        return { status: "schema-not-found", note: `${idText}: the registry has no such schema (${error.message}); shown as bytes`, schemaId: schemaIdHint, bytes };
      }
      return { status: "decode-failed", note: `${idText}: the writer's schema could not be used: ${(error as Error).message}`, schemaId: schemaIdHint, bytes };
    }
    return this.#decodeWith(compiled, bytes, locator, headers, part, context, idText);
  }

  /**
   * decode() without waiting: the answer when the writer's schema is compiled already (or the part carries no
   * schema id), undefined when decode() would have to ask the registry. A search decodes most records this way, without a promise per record.
   */
  decodeNow(bytes: Uint8Array | null, headers: ReadonlyMap<string, Uint8Array | null>, part: RecordPart, context: DecodeContext = {}): PayloadDecoding | undefined {
    if (!bytes || bytes.length === 0) return { status: "not-schema-encoded", note: `empty ${part}`, bytes };
    const locator = locateSchema(bytes, headers, part);
    if (!locator) return { status: "not-schema-encoded", note: `the ${part} carries no schema id (no Confluent framing, no Apicurio id header)`, bytes };
    const compiled = this.#ready.get(cacheKey(locator));
    if (!compiled) return undefined;
    const idText = locator.kind === "confluent" ? `schema id ${locator.schemaId}` : `${locator.header} ${locator.id}`;
    return this.#decodeWith(compiled, bytes, locator, headers, part, context, idText);
  }

  /**
   * The writer's schema for a key or value, compiled here and handed to a filter worker (which compiles its own
   * copy): the schema id's cache key, or null when it carries none or the registry cannot give it now.
   */
  async portable(bytes: Uint8Array | null, headers: ReadonlyMap<string, Uint8Array | null>, part: RecordPart): Promise<{ key: string; schema: PortableSchema } | null> {
    if (!bytes || bytes.length === 0 || Date.now() < this.#downUntil) return null;
    const locator = locateSchema(bytes, headers, part);
    if (!locator) return null;
    try {
      const compiled = await this.#compile(locator);
      return { key: cacheKey(locator), schema: { schema: compiled.schema, refs: compiled.refs } };
    } catch {
      // decode() reports why (and starts the back-off); a worker without the schema filters the bytes.
      await this.decode(bytes, headers, part);
      return null;
    }
  }

  /**
   * Encodes an operator's JSON edit with a registered schema (its references fetched), in the Confluent wire
   * format. Throws EncodeError (naming the field) or RegistryError.
   */
  async encode(schema: RegisteredSchema, jsonText: string, messageType?: string): Promise<Uint8Array> {
    const refs = await this.#references(schema.references);
    return encodeWithSchema(schema, refs, jsonText, messageType);
  }

  #decodeWith(compiled: Compiled, bytes: Uint8Array, locator: SchemaLocator, headers: ReadonlyMap<string, Uint8Array | null>, part: RecordPart, context: DecodeContext, idText: string): PayloadDecoding {
    const named = compiled.exact ?? chooseSubject(compiled.subjects, context.topic, part);
    try {
      const decoded = compiled.decode(bytes, locator, headers, part);
      return {
        status: "decoded",
        format: FORMAT[compiled.schema.schemaType],
        schemaId: compiled.schema.id,
        idSource: locator.kind === "confluent" ? "confluent" : locator.idKind === "globalId" ? "apicurio-globalId" : "apicurio-contentId",
        ...(locator.kind === "apicurio-header" && locator.idKind === "globalId" ? { globalId: locator.id.toString() } : {}),
        ...(named ? { subject: named.subject, version: named.version } : {}),
        subjects: compiled.subjects,
        schema: compiled.schema.schema,
        references: compiled.schema.references,
        ...decoded,
      };
    } catch (error) {
      return {
        status: "decode-failed",
        note: `${idText} (${compiled.schema.schemaType}${named ? `, ${named.subject} v${named.version}` : ""}): the bytes do not decode with the writer's schema: ${(error as Error).message}`,
        schemaId: compiled.schema.id,
        bytes,
      };
    }
  }

  #compile(locator: SchemaLocator): Promise<Compiled> {
    const key = cacheKey(locator);
    const cached = this.#compiled.get(key);
    if (cached) return cached;
    // The promise is cached so a page of records with one schema makes one set of requests; a failure is
    // dropped so the next record asks again (after the down back-off).
    const promise = this.#load(locator);
    this.#compiled.set(key, promise);
    promise.then(
      (compiled) => this.#ready.set(key, compiled),
      () => this.#compiled.deleteIf(key, promise),
    );
    return promise;
  }

  async #load(locator: SchemaLocator): Promise<Compiled> {
    let schema: RegisteredSchema;
    let exact: Compiled["exact"];
    if (locator.kind === "apicurio-header") {
      const found = await this.#client.schemaByApicurioId(locator.idKind, locator.id);
      if (found.subject !== undefined && found.version !== undefined) exact = { subject: found.subject, version: found.version };
      schema = found;
    } else {
      schema = await this.#client.schemaById(locator.schemaId);
    }
    // Best effort: which subjects carry this id (the detail shows it; decoding does not need it).
    const subjects = await this.#client.subjectsOfId(schema.id).catch(() => []);
    const refs = await this.#references(schema.references);
    return { schema, exact, subjects, refs, decode: compileDecoder(schema, refs) };
  }

  /** The referenced schemas, transitively, dependencies before dependents. */
  async #references(references: readonly SchemaReference[], seen = new Set<string>()): Promise<Array<{ name: string; schema: string }>> {
    const out: Array<{ name: string; schema: string }> = [];
    for (const ref of references) {
      const key = `${ref.subject}\u0000${ref.version}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const found = await this.#client.subjectVersion(ref.subject, ref.version);
      out.push(...(await this.#references(found.references, seen)), { name: ref.name, schema: found.schema });
    }
    return out;
  }
}

export function cacheKey(locator: SchemaLocator): string {
  return locator.kind === "confluent" ? `id:${locator.schemaId}` : `${locator.idKind}:${locator.id}`;
}

function chooseSubject(subjects: Compiled["subjects"], topic: string | undefined, part: RecordPart): { subject: string; version: number } | undefined {
  if (topic !== undefined) {
    const own = subjects.filter((s) => s.subject === `${topic}-${part}`).sort((a, b) => b.version - a.version)[0];
    if (own) return own;
  }
  const names = new Set(subjects.map((s) => s.subject));
  return names.size === 1 ? [...subjects].sort((a, b) => b.version - a.version)[0] : undefined;
}

export function compileDecoder(schema: RegisteredSchema, refs: Array<{ name: string; schema: string }>): Compiled["decode"] {
  switch (schema.schemaType) {
    case "AVRO": {
      const avro = avroDecoder(schema.schema, refs.map((r) => r.schema));
      return (bytes, locator) => ({ json: avro.decode(bytes.subarray(locator.kind === "confluent" ? locator.dataOffset : 0)) });
    }
    case "JSON": {
      const json = jsonSchemaDecoder(schema.schema, new Map(refs.map((r) => [r.name, r.schema])));
      return (bytes, locator) => {
        const { json: text, verdict } = json.decode(bytes.subarray(locator.kind === "confluent" ? locator.dataOffset : 0));
        return { json: text, validation: verdict };
      };
    }
    case "PROTOBUF": {
      const proto = protobufDecoder(schema.schema, new Map(refs.map((r) => [r.name, r.schema])));
      return (bytes, locator, headers, part) => {
        if (locator.kind === "confluent") {
          // Apicurio's own Protobuf serde frames like Confluent but writes a Ref naming the type where Confluent
          // writes message indexes; a Ref is taken only when it names a type of this schema.
          const ref = readApicurioRef(bytes, locator.dataOffset);
          if (ref && proto.hasType(ref.name)) return proto.decode(bytes.subarray(ref.dataOffset), { typeName: ref.name });
          try {
            const { indexes, dataOffset } = readMessageIndexes(bytes, locator.dataOffset);
            return proto.decode(bytes.subarray(dataOffset), { indexes });
          } catch (error) {
            // Some serializers (@kafkajs/confluent-schema-registry among them) write no message indexes: the data
            // follows the id. Such bytes never start with 0 (no field number 0), so [0] was not read; try the
            // file's first message on the data itself, and say so, or report the original failure.
            if (bytes[locator.dataOffset] === 0) throw error;
            let decoded: { json: string; messageType: string };
            try {
              decoded = proto.decode(bytes.subarray(locator.dataOffset), { indexes: [0] });
            } catch {
              throw error;
            }
            return { ...decoded, framingNote: "written without Confluent message indexes (read as the schema's first message type); Confluent's own deserializers cannot read it" };
          }
        }
        // Apicurio: a Ref naming the type before the data, or the type in a header, or the file's first message.
        const ref = readApicurioRef(bytes, 0);
        const msgType = headers.get(apicurioHeaderNames(part).msgType);
        const select = ref ? { typeName: ref.name } : msgType ? { typeName: new TextDecoder().decode(msgType) } : { indexes: [0] };
        return proto.decode(bytes.subarray(ref?.dataOffset ?? 0), select);
      };
    }
  }
}
