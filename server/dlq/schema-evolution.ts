import { diffSchemas, locateSchema, RegistryError, type FieldChange, type RegisteredSchema, type SchemaDecoder, type SchemaReference, type SchemaType } from "~/server/schemas";
import type { FailureInfo } from "./failure";
import type { RawDlqMessage } from "./messages";

// Schema evolution, where it breaks: for a dead letter written through the registry, the writer's schema (from
// the id the record carries) beside the latest version of its subject, the field-level diff between them, and
// the registry's own compatibility verdict on that change. A registry that is down gives a note, not an error.

/** A failure that reads as a deserialisation or schema error (Kafka serdes, Spring, Connect converters). */
const SCHEMA_FAILURE =
  /Serializ|Deserializ|Schema|Avro|Protobuf|InvalidProtocolBuffer|Json(Mapping|Parse|Processing)?Exception|Incompatible|Unknown magic byte|missing (required )?field|no default|Converter/i;

export function isSchemaFailure(failure: FailureInfo | null): boolean {
  if (!failure) return false;
  return [failure.exceptionClass, failure.causeClass, failure.message].some((text) => typeof text === "string" && SCHEMA_FAILURE.test(text));
}

export interface SchemaVersionView {
  id: number;
  subject: string | null;
  version: number | null;
  schemaType: SchemaType;
  schema: string;
  references: SchemaReference[];
}

export interface SchemaEvolution {
  /** Whether the failure reads as a deserialisation/schema error (the diff is computed either way). */
  schemaFailure: boolean;
  part: "key" | "value";
  status: "compared" | "not-schema-encoded" | "no-subject" | "registry-unavailable" | "schema-not-found";
  /** For a person: why there is no comparison. */
  note: string | null;
  writer: SchemaVersionView | null;
  latest: SchemaVersionView | null;
  /** The record was written with the latest version: nothing changed since. */
  writtenWithLatest: boolean;
  changes: FieldChange[];
  /**
   * The registry's verdict on the change from the writer's version to the latest, under the subject's
   * compatibility level: POST /compatibility/subjects/{subject}/versions/{writer's version} with the latest.
   */
  compatibility: { level: string | null; compatible: boolean; messages: string[] } | null;
}

const empty = (schemaFailure: boolean, part: "key" | "value", status: SchemaEvolution["status"], note: string | null, writer: SchemaVersionView | null = null): SchemaEvolution => ({
  schemaFailure,
  part,
  status,
  note,
  writer,
  latest: null,
  writtenWithLatest: false,
  changes: [],
  compatibility: null,
});

/** The subject a record's schema belongs to: the topic's own (TopicNameStrategy) among those carrying the id, else the only one. */
function chooseSubject(subjects: Array<{ subject: string; version: number }>, topic: string, part: "key" | "value"): { subject: string; version: number } | null {
  const own = subjects.filter((s) => s.subject === `${topic}-${part}`).sort((a, b) => b.version - a.version)[0];
  if (own) return own;
  const names = new Set(subjects.map((s) => s.subject));
  return names.size === 1 ? ([...subjects].sort((a, b) => b.version - a.version)[0] ?? null) : null;
}

async function referenceTexts(decoder: SchemaDecoder, references: readonly SchemaReference[], seen = new Set<string>()): Promise<string[]> {
  const out: string[] = [];
  for (const ref of references) {
    const key = `${ref.subject}\u0000${ref.version}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const found = await decoder.client.subjectVersion(ref.subject, ref.version);
    out.push(...(await referenceTexts(decoder, found.references, seen)), found.schema);
  }
  return out;
}

/** The writer's schema of a dead letter's key or value against the latest version of its subject. */
export async function schemaEvolution(decoder: SchemaDecoder, message: RawDlqMessage, dlqTopic: string, part: "key" | "value" = "value"): Promise<SchemaEvolution> {
  const schemaFailure = isSchemaFailure(message.failure);
  const bytes = part === "key" ? message.key : message.value;
  const locator = bytes && bytes.length > 0 ? locateSchema(bytes, message.headers, part) : null;
  if (!locator) return empty(schemaFailure, part, "not-schema-encoded", `the ${part} carries no schema id`);
  const client = decoder.client;
  const topic = message.failure?.originTopic ?? dlqTopic;
  try {
    let writerSchema: RegisteredSchema;
    let named: { subject: string; version: number } | null = null;
    if (locator.kind === "confluent") writerSchema = await client.schemaById(locator.schemaId);
    else {
      const found = await client.schemaByApicurioId(locator.idKind, locator.id);
      writerSchema = found;
      if (found.subject !== undefined && found.version !== undefined) named = { subject: found.subject, version: found.version };
    }
    named ??= chooseSubject(await client.subjectsOfId(writerSchema.id).catch(() => []), topic, part);
    const writer: SchemaVersionView = { ...writerSchema, subject: named?.subject ?? null, version: named?.version ?? null };
    if (!named) return empty(schemaFailure, part, "no-subject", `schema ${writerSchema.id} is registered under no single subject for ${topic}-${part}: nothing to compare it with`, writer);
    const latestVersion = await client.subjectVersion(named.subject, "latest");
    const latest: SchemaVersionView = { ...latestVersion };
    const writtenWithLatest = latestVersion.id === writerSchema.id;
    const [writerRefs, latestRefs] = await Promise.all([referenceTexts(decoder, writerSchema.references), referenceTexts(decoder, latestVersion.references)]);
    let changes: FieldChange[];
    try {
      changes = diffSchemas({ ...writerSchema, references: writerRefs }, { ...latestVersion, references: latestRefs });
    } catch (error) {
      return { ...empty(schemaFailure, part, "compared", `the schemas could not be compared field by field: ${(error as Error).message}`, writer), latest, writtenWithLatest };
    }
    let compatibility: SchemaEvolution["compatibility"] = null;
    if (!writtenWithLatest) {
      const [level, verdict] = await Promise.all([client.compatibilityLevel(named.subject).catch(() => null), client.checkCompatibility(named.subject, named.version, latestVersion)]);
      compatibility = { level, ...verdict };
    }
    return { schemaFailure, part, status: "compared", note: null, writer, latest, writtenWithLatest, changes, compatibility };
  } catch (error) {
    if (error instanceof RegistryError && error.kind === "not-found") return empty(schemaFailure, part, "schema-not-found", `the registry has no such schema (${error.message})`);
    if (error instanceof RegistryError) return empty(schemaFailure, part, "registry-unavailable", `schema registry unavailable (${error.message})`);
    throw error;
  }
}
