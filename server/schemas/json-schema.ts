import { Ajv, type AnySchema, type ValidateFunction } from "ajv";
import { Ajv2019 } from "ajv/dist/2019.js";
import { Ajv2020 } from "ajv/dist/2020.js";

// JSON Schema: the data after the framing is JSON text, shown exactly as written (numbers keep their digits).
// Validation against the writer's schema with ajv (the reference JSON Schema validator: drafts 6/7, 2019-09 and
// 2020-12) is extra information, never a reason to hide the value: a schema ajv cannot compile (draft-04,
// unknown keywords) is reported as "not validated".

export interface JsonSchemaVerdict {
  validated: boolean;
  valid: boolean | null;
  /** ajv's errors, or why the schema could not be compiled. */
  errors: string[];
}

export interface JsonSchemaDecoder {
  decode(data: Uint8Array): { json: string; verdict: JsonSchemaVerdict };
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

export function validatorFor(schemaText: string, references: ReadonlyMap<string, string>): ValidateFunction | string {
  try {
    const schema = JSON.parse(schemaText) as Record<string, unknown>;
    const draft = typeof schema.$schema === "string" ? schema.$schema : "";
    if (draft.includes("draft-04") || draft.includes("draft-03")) return `${draft} is not supported by the validator`;
    // Formats are not checked (no ajv-formats) and unknown keywords are allowed: registries store schemas
    // written for other validators.
    const options = { strict: false, validateFormats: false, allErrors: true, logger: false as const };
    const ajv = draft.includes("2020-12") ? new Ajv2020(options) : draft.includes("2019-09") ? new Ajv2019(options) : new Ajv(options);
    for (const [name, text] of references) ajv.addSchema(JSON.parse(text) as AnySchema, name);
    return ajv.compile(schema);
  } catch (error) {
    return `schema not compiled: ${(error as Error).message}`;
  }
}

export function jsonSchemaDecoder(schemaText: string, references: ReadonlyMap<string, string> = new Map()): JsonSchemaDecoder {
  // Compiled once per schema (the decoder is cached by schema id).
  const validate = validatorFor(schemaText, references);
  return {
    decode(data) {
      const text = utf8.decode(data).trim();
      // Parsed for validation only (and to reject what is not JSON); the text itself is what is shown.
      const value: unknown = JSON.parse(text);
      if (typeof validate === "string") return { json: text, verdict: { validated: false, valid: null, errors: [validate] } };
      const valid = validate(value) as boolean;
      const errors = valid ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? e.keyword}`);
      return { json: text, verdict: { validated: true, valid, errors } };
    },
  };
}
