/**
 * Edit and replay of a schema-encoded Kafka key or value: the operator edits the decoded JSON, and the copy is
 * re-encoded with a version of the subject the operator picks (the writer's schema by default), validated
 * against it, in the Confluent wire format. The audit diff compares the JSON, and names the schema before and after.
 * Keys and values take the same path; only the subject (`<topic>-key` / `<topic>-value`) and the wording differ.
 */
import { decodedBytes } from "~/server/dlq/schema-decoding";
import { masksHideFields, type PayloadAccess } from "~/server/dlq/masking";
import { EncodeError, locateSchema, RegistryError, type DecodedPayload, type RecordPart, type RegisteredSchema, type SubjectVersion, type SchemaDecoder, type SchemaFormat } from "~/server/schemas";
import { EditInvalid } from "./refused";
import { ReplayRefused } from "./replay-one";

/** At most this many versions of a subject are listed (newest first). */
const MAX_VERSIONS = 50;

export interface SchemaChange {
  format: SchemaFormat;
  subject: string | null;
  /** The writer's schema id and version, and the one the copy was encoded with. */
  from: { schemaId: number; version: number | null };
  to: { schemaId: number; version: number | null };
}

export interface Reencoded {
  /** The framed bytes of the copy's key or value. */
  bytes: Uint8Array;
  /** The decoded JSON before and the edited JSON (what the diff compares). */
  beforeJson: string;
  afterJson: string;
  schema: SchemaChange;
}

/**
 * The subject and version of the writer's schema for this topic: the topic's own subject (TopicNameStrategy) when
 * one of its versions carries the writer's id, asked fresh (a registry reuses an id for identical schemas under
 * several subjects, so the subjects cached with the id can be stale); else the decoder's answer.
 */
async function writerSubject(
  decoder: SchemaDecoder,
  decoding: DecodedPayload,
  topic: string,
  part: RecordPart,
): Promise<{ subject: string | null; version: number | null; versions: SubjectVersion[] | null }> {
  const own = `${topic}-${part}`;
  try {
    const numbers = (await decoder.client.versions(own)).sort((a, b) => b - a).slice(0, MAX_VERSIONS);
    const versions = await Promise.all(numbers.map((v) => decoder.client.subjectVersion(own, v)));
    const match = versions.find((v) => v.id === decoding.schemaId);
    if (match) return { subject: own, version: match.version, versions };
  } catch (error) {
    if (!(error instanceof RegistryError && error.kind === "not-found")) throw error;
  }
  return { subject: decoding.subject ?? null, version: decoding.version ?? null, versions: null };
}

/** One key or value of a record, with the record's headers (Apicurio ids are carried there). */
export interface RecordPartBytes {
  bytes: Uint8Array | null;
  headers: ReadonlyMap<string, Uint8Array | null>;
}

/** How refusals name the part: "the value" is "this payload" where masks are concerned, as it always was. */
export const PART_WORDS: { [P in RecordPart]: { noun: string; plural: string; masked: string } } = {
  value: { noun: "value", plural: "values", masked: "this payload" },
  key: { noun: "key", plural: "keys", masked: "this key" },
};

/**
 * The re-encoded key or value, or null when it carries no schema id (a text or JSON edit as before). Refuses
 * (ReplayRefused) when it cannot be decoded now, masks hide fields of it, the version does not exist; refuses
 * as invalid input (EditInvalid) an edit that does not fit the chosen schema (naming the field).
 */
export async function reencodePart(
  decoder: SchemaDecoder | null,
  record: RecordPartBytes,
  part: RecordPart,
  topic: string,
  edit: { text?: string; schemaVersion?: number },
  access: PayloadAccess,
): Promise<Reencoded | null> {
  const words = PART_WORDS[part];
  if (!record.bytes || record.bytes.length === 0) {
    if (edit.schemaVersion !== undefined) throw new ReplayRefused(`The ${words.noun} is empty: there is nothing to encode with a schema version.`);
    return null;
  }
  const locator = locateSchema(record.bytes, record.headers, part);
  if (!locator || !decoder) {
    if (edit.schemaVersion !== undefined) throw new ReplayRefused(`The ${words.noun} is not schema-encoded (or the connection has no schema registry): no schema version applies.`);
    return null;
  }
  const decoding = await decoder.decode(record.bytes, record.headers, part, { topic });
  if (decoding.status !== "decoded") throw new ReplayRefused(`The ${words.noun} is schema-encoded but cannot be decoded now (${decoding.note}), so it cannot be edited.`);
  if (locator.kind !== "confluent") throw new ReplayRefused(`The ${words.noun}'s schema id is in Apicurio headers: only Confluent-framed ${words.plural} can be re-encoded.`);
  if (masksHideFields(decodedBytes(decoding), access, part)) {
    throw new ReplayRefused(`Masking rules hide fields of ${words.masked} from your role: editing it would overwrite them. Ask a role the masks exempt.`);
  }
  let subject: string | null = decoding.subject ?? null;
  let writerVersion: number | null = decoding.version ?? null;
  let schema: RegisteredSchema;
  let version: number | null;
  try {
    const writer = await writerSubject(decoder, decoding, topic, part);
    subject = writer.subject;
    writerVersion = writer.version;
    if (edit.schemaVersion !== undefined && edit.schemaVersion !== writer.version) {
      if (!subject) throw new ReplayRefused(`Schema id ${decoding.schemaId} is not registered under this topic's subject: pick no version (the writer's schema is used).`);
      schema = await decoder.client.subjectVersion(subject, edit.schemaVersion);
      version = edit.schemaVersion;
    } else {
      schema = await decoder.client.schemaById(decoding.schemaId);
      version = writer.version;
    }
  } catch (error) {
    if (error instanceof RegistryError && error.kind === "not-found") throw new ReplayRefused(`${subject} has no version ${edit.schemaVersion}.`);
    if (error instanceof RegistryError) throw new ReplayRefused(`The schema registry did not answer (${error.message}): the ${words.noun} cannot be re-encoded now.`);
    throw error;
  }
  const afterJson = edit.text ?? decoding.json;
  const named = `${subject ?? `schema id ${schema.id}`}${version !== null ? ` v${version}` : ""} (schema id ${schema.id})`;
  let bytes: Uint8Array;
  try {
    bytes = await decoder.encode(schema, afterJson, decoding.messageType);
  } catch (error) {
    if (error instanceof EncodeError) throw new EditInvalid(`The edited ${words.noun} does not fit ${named}: ${error.message}`);
    if (error instanceof RegistryError) throw new ReplayRefused(`The schema registry did not answer (${error.message}): the ${words.noun} cannot be re-encoded now.`);
    throw new EditInvalid(`The edited ${words.noun} cannot be encoded with ${named}: ${(error as Error).message}`);
  }
  return {
    bytes,
    beforeJson: decoding.json,
    afterJson,
    schema: { format: decoding.format, subject, from: { schemaId: decoding.schemaId, version: writerVersion }, to: { schemaId: schema.id, version } },
  };
}

export interface EditableSchema {
  format: SchemaFormat;
  subject: string | null;
  /** The writer's schema id and version (the default the copy is encoded with). */
  schemaId: number;
  version: number | null;
  /** The subject's registered versions, newest first (at most 50), each with its schema id and type. */
  versions: Array<{ version: number; schemaId: number; schemaType: RegisteredSchema["schemaType"] }>;
  /** Why versions could not be listed (registry down, no subject); the writer's schema is still offered. */
  note: string | null;
}

/** What the editor offers for a decoded key or value: the writer's schema and the subject's versions to pick from. */
export async function editableSchema(decoder: SchemaDecoder, decoding: DecodedPayload, topic: string, part: RecordPart): Promise<EditableSchema> {
  const base = { format: decoding.format, schemaId: decoding.schemaId };
  try {
    const writer = await writerSubject(decoder, decoding, topic, part);
    const named = { ...base, subject: writer.subject, version: writer.version };
    if (!writer.subject) return { ...named, versions: [], note: `Schema id ${decoding.schemaId} is not registered under this topic's subject: the copy is encoded with the writer's schema.` };
    const found =
      writer.versions ??
      (await Promise.all((await decoder.client.versions(writer.subject)).sort((a, b) => b - a).slice(0, MAX_VERSIONS).map((v) => decoder.client.subjectVersion(writer.subject!, v))));
    return { ...named, versions: found.map((f) => ({ version: f.version, schemaId: f.id, schemaType: f.schemaType })), note: null };
  } catch (error) {
    return { ...base, subject: decoding.subject ?? null, version: decoding.version ?? null, versions: [], note: `The subject's versions could not be listed (${(error as Error).message}): the copy is encoded with the writer's schema.` };
  }
}
