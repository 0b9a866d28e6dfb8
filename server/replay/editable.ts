/**
 * What "Edit and replay…" starts from for one key or value: the bytes as UTF-8 text, or the decoded JSON of a
 * schema-encoded (Confluent-framed) one with the subject's versions to re-encode with; or why it cannot be
 * edited (binary, masked for the caller's role, schema-encoded but not decodable now, Apicurio-framed). Keys
 * and values are offered the same way; the key's subject is `<topic>-key`.
 */
import { asText, parseJson } from "~/server/dlq/bytes";
import { masksHideFields, type PayloadAccess } from "~/server/dlq/masking";
import type { MessageDecoding } from "~/server/dlq/messages";
import type { RecordPart, SchemaDecoder } from "~/server/schemas";
import { editableSchema, type EditableSchema } from "./schema-edit";

export interface EditablePart {
  /** The text to edit (null: not editable, or an absent key/value). */
  text: string | null;
  isJson: boolean;
  editable: boolean;
  /** Why it cannot be edited (null when it can). */
  note: string | null;
  /** A schema-encoded part: the writer's schema and the versions the copy may be encoded with. */
  schema: EditableSchema | null;
}

const NOTES: { [P in RecordPart]: { masked: string; apicurio: string; binary: string; undecodable: (why: string) => string } } = {
  value: {
    masked: "Masking rules hide fields of this payload from your role: the payload cannot be edited.",
    apicurio: "The value's schema id is carried in Apicurio headers: only Confluent-framed values can be re-encoded, so only the headers can be edited.",
    binary: "The payload is binary: only the headers can be edited.",
    undecodable: (why) => `The value is schema-encoded but cannot be decoded now (${why}): only the headers can be edited.`,
  },
  key: {
    masked: "Masking rules hide fields of this key from your role: the key cannot be edited.",
    apicurio: "The key's schema id is carried in Apicurio headers: only Confluent-framed keys can be re-encoded, so the key is kept as it is.",
    binary: "The key is binary: it cannot be edited as text, and the copy keeps it as it is.",
    undecodable: (why) => `The key is schema-encoded but cannot be decoded now (${why}): it is kept as it is.`,
  },
};

/**
 * One part of a message as the editor offers it. `decoderOf` gives the connection's schema registry decoder
 * (asked only for a decoded, Confluent-framed part); `topic` names the subject (the record's origin topic).
 */
export async function editablePart(
  message: { key: Uint8Array | null; value: Uint8Array | null; decoded?: MessageDecoding },
  part: RecordPart,
  topic: string,
  access: PayloadAccess,
  decoderOf: () => SchemaDecoder | null,
): Promise<EditablePart> {
  const raw = message[part];
  const decoding = message.decoded?.[part] ?? null;
  const decodedPart = decoding?.status === "decoded" ? decoding : null;
  // Only Confluent-framed parts are re-encoded (an Apicurio header-framed one stays as its bytes).
  const decoded = decodedPart?.idSource === "confluent" ? decodedPart : null;
  const decoder = decoded ? decoderOf() : null;
  const schema = decoded && decoder ? await editableSchema(decoder, decoded, topic, part) : null;
  const shown = schema && decoded ? Buffer.from(decoded.json, "utf8") : raw;
  // A schema-encoded part is edited as its decoded JSON: masked fields (of this part's rules) refuse the edit as for JSON.
  const masked = masksHideFields(shown, access, part);
  const text = shown ? asText(shown) : null;
  const editable = !masked && (shown === null || text !== null);
  const notes = NOTES[part];
  return {
    text: editable ? text : null,
    isJson: text !== null && parseJson(text).ok,
    editable,
    note: masked
      ? notes.masked
      : editable
        ? null
        : decodedPart
          ? notes.apicurio
          : decoding && decoding.status !== "decoded"
            ? notes.undecodable(decoding.note)
            : notes.binary,
    schema,
  };
}
