import { avroEncoder } from "./avro-encode.ts";
import { EncodeError, parseJsonExact, plainJson } from "./json-exact.ts";
import { validatorFor } from "./json-schema.ts";
import { protobufDecoder } from "./protobuf.ts";
import type { RegisteredSchema } from "./registry-client.ts";
import { confluentFrame } from "./wire-format.ts";

// Re-encoding an operator's JSON edit with a registered schema, in the Confluent wire format (a zero byte, the
// 4-byte schema id, Protobuf's message indexes, the body). Avro and Protobuf are encoded from the JSON the
// decoder renders (exact longs and decimals); JSON Schema is validated with ajv and written as the edited text.

/**
 * The framed bytes of `jsonText` encoded with `schema`; `refs` are its referenced schemas (dependencies first);
 * `messageType` names the Protobuf message (the writer's). Throws EncodeError naming the field that does not fit.
 */
export function encodeWithSchema(schema: RegisteredSchema, refs: Array<{ name: string; schema: string }>, jsonText: string, messageType?: string): Uint8Array {
  let value: unknown;
  try {
    value = parseJsonExact(jsonText);
  } catch (error) {
    throw new EncodeError("", `not valid JSON: ${(error as Error).message}`);
  }
  switch (schema.schemaType) {
    case "AVRO":
      return confluentFrame(schema.id, avroEncoder(schema.schema, refs.map((r) => r.schema)).encode(value));
    case "PROTOBUF": {
      if (!messageType) throw new EncodeError("", "the Protobuf message type is not known");
      const proto = protobufDecoder(schema.schema, new Map(refs.map((r) => [r.name, r.schema])));
      if (!proto.hasType(messageType)) throw new EncodeError("", `the chosen schema has no message type ${messageType}`);
      const { data, indexes } = proto.encode(plainJson(value), messageType);
      return confluentFrame(schema.id, data, indexes);
    }
    case "JSON": {
      const validate = validatorFor(schema.schema, new Map(refs.map((r) => [r.name, r.schema])));
      if (typeof validate === "string") throw new EncodeError("", `the chosen JSON Schema cannot validate: ${validate}`);
      if (!validate(JSON.parse(jsonText))) {
        const first = validate.errors?.[0];
        const path = (first?.instancePath ?? "").replace(/^\//, "").replaceAll("/", ".");
        const missing = first?.keyword === "required" ? String((first.params as { missingProperty?: string }).missingProperty) : null;
        throw new EncodeError(missing ? (path ? `${path}.${missing}` : missing) : path, first?.message ?? "does not match the schema");
      }
      return confluentFrame(schema.id, Buffer.from(jsonText.trim(), "utf8"));
    }
  }
}
