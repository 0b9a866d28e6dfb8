import { locateSchema, type PayloadDecoding, type SchemaDecoder } from "~/server/schemas";
import { hasMasks, maskBytes, type PayloadAccess } from "./masking";
import type { MessageDecoding, RawDlqMessage } from "./messages";

// Kafka keys and values written through a schema registry (Confluent wire format, Apicurio id headers) are
// decoded once, where a page, a record, a search batch or an export batch is read, and carried on the message
// (`decoded`). What every view does with them is decided here: the views show the decoded value as JSON, CEL
// filters read it as record.value, and masking rules apply to its fields (key.… rules to the key's, the others to
// the value's). The bytes themselves are never changed (replay writes them as read); with masking rules for a
// part in force, the bytes of that part when schema-encoded are not shown (they would reveal the masked fields),
// only its masked decoded JSON.

/** Only what carries a schema id is kept: plain JSON and text records read exactly as before. */
const kept = (decoding: PayloadDecoding): PayloadDecoding | null => (decoding.status === "not-schema-encoded" ? null : decoding);

/** Decodes one record's key and value; never throws (a registry that is down gives the bytes and a note). */
export async function decodeRecord(
  decoder: SchemaDecoder,
  record: { key: Uint8Array | null; value: Uint8Array | null; headers: ReadonlyMap<string, Uint8Array | null> },
  topic: string,
): Promise<MessageDecoding> {
  const context = { topic };
  const [key, value] = await Promise.all([decoder.decode(record.key, record.headers, "key", context), decoder.decode(record.value, record.headers, "value", context)]);
  return { key: kept(key), value: kept(value) };
}

/** decodeRecord without waiting, when every schema it needs is compiled already (else undefined: use decodeRecord). */
export function decodeRecordNow(
  decoder: SchemaDecoder,
  record: { key: Uint8Array | null; value: Uint8Array | null; headers: ReadonlyMap<string, Uint8Array | null> },
  topic: string,
): MessageDecoding | undefined {
  const context = { topic };
  const value = decoder.decodeNow(record.value, record.headers, "value", context);
  if (value === undefined) return undefined;
  const key = decoder.decodeNow(record.key, record.headers, "key", context);
  if (key === undefined) return undefined;
  return { key: kept(key), value: kept(value) };
}

/** The topic a dead letter was first written to, from its failure headers (Spring, Kafka Connect), without parsing the rest. */
export function originTopicOf(headers: ReadonlyMap<string, Uint8Array | null>): string | null {
  const origin = headers.get("kafka_dlt-original-topic") ?? headers.get("__connect.errors.topic");
  return origin ? Buffer.from(origin.buffer, origin.byteOffset, origin.byteLength).toString("utf8") : null;
}

/**
 * Decodes the messages' keys and values in place (`message.decoded`). The subject is looked up by the topic
 * the record was first written to (its origin, when the failure says), as TopicNameStrategy names subjects.
 */
export async function decodeMessages<T extends RawDlqMessage>(decoder: SchemaDecoder | null, topic: string, messages: T[]): Promise<T[]> {
  if (!decoder) return messages;
  await Promise.all(
    messages.map(async (message) => {
      const decoded = await decodeRecord(decoder, message, message.failure?.originTopic ?? topic);
      if (decoded.key || decoded.value) message.decoded = decoded;
    }),
  );
  return messages;
}

/** Batches of messages, each decoded before it is handed on (an export). */
export async function* decodedBatches(decoder: SchemaDecoder | null, topic: string, batches: AsyncGenerator<RawDlqMessage[]>): AsyncGenerator<RawDlqMessage[]> {
  for await (const batch of batches) yield await decodeMessages(decoder, topic, batch);
}

const utf8 = new TextEncoder();

/** The decoded JSON text as bytes, or null when the part was not decoded. */
export function decodedBytes(decoding: PayloadDecoding | null | undefined): Uint8Array | null {
  return decoding?.status === "decoded" ? Buffer.from(utf8.encode(decoding.json)) : null;
}

/**
 * What a CEL filter reads as a key or value: the decoded JSON when decoded, else the bytes; a schema-encoded
 * part that could not be decoded reads as null when masking rules for that part apply (its bytes hold the
 * masked fields). Each part is masked with its own rules (key.… for keys, value.… for values).
 */
export function filterPayload(raw: Uint8Array | null, decoding: PayloadDecoding | null | undefined, access: PayloadAccess, part: "key" | "value"): Uint8Array | null {
  const decoded = decodedBytes(decoding);
  if (decoded) return maskBytes(decoded, access, part);
  if (decoding && hasMasks(access, part)) return null;
  return maskBytes(raw, access, part);
}

/** The bytes a view may show of a key or value: none of a schema-encoded one while masking rules for that part apply. */
export function visibleRaw(raw: Uint8Array | null, decoding: PayloadDecoding | null | undefined, access: PayloadAccess, part: "key" | "value"): Uint8Array | null {
  if (decoding && hasMasks(access, part)) return null;
  return maskBytes(raw, access, part);
}

/** The decoded key or value as JSON text masked with that part's rules for this role (null: not decoded, or no payload access). */
export function visibleDecoded(decoding: PayloadDecoding | null | undefined, access: PayloadAccess, part: "key" | "value"): string | null {
  if (!access.payloads || decoding?.status !== "decoded") return null;
  if (!hasMasks(access, part)) return decoding.json;
  const masked = maskBytes(utf8.encode(decoding.json), access, part);
  return masked ? Buffer.from(masked).toString("utf8") : null;
}


/** The schema id a message's value carries (Confluent framing or an Apicurio id header), read from the bytes: no registry asked. */
export function schemaIdOf(message: Pick<RawDlqMessage, "value" | "headers">): number | null {
  if (!message.value || message.value.length === 0) return null;
  const locator = locateSchema(message.value, message.headers, "value");
  if (!locator) return null;
  if (locator.kind === "confluent") return locator.schemaId;
  return locator.id <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(locator.id) : null;
}
