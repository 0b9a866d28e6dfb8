/**
 * The payload gate: the one place where message bytes, headers, previews and saga context meet the payload
 * permission (payloads.readRoles) and the masking rules. Domain code and routers never decide what a role may
 * see; they wrap payload-bearing values with `gate.*`, and every viewer/operator/admin procedure's output
 * passes through resolveGates (a middleware in server/api/trpc.ts) with the caller's access:
 *
 *   return { ...row, archived: gate.text(row.archived.body) }   // typed as the value, resolved per caller
 *
 * A gate left unresolved cannot reach a client (every role procedure resolves), and raw bytes (Uint8Array)
 * found anywhere in an output are gated as payload bytes too, so a forgotten wrapper fails closed.
 */
import { asText, parseJson } from "~/server/dlq/bytes";
import { hasMasks, maskBytes, type PayloadAccess } from "~/server/dlq/masking";
import type { RecordPart } from "~/server/schemas";
import { isFailureHeader } from "~/server/dlq/messages";

type GateKind = "bytes" | "text" | "json" | "header" | "audit";
/** Which masking rules apply: a key's (key.…), a value's, or, for bytes found unwrapped, both (fails closed). */
type GatePart = RecordPart | "unknown";

class Gated {
  constructor(
    readonly kind: GateKind,
    readonly raw: unknown,
    readonly name: string | null = null,
    readonly part: GatePart = "value",
  ) {}
}

/** Wrappers typed as what the caller will see (the value, or null when withheld). */
export const gate = {
  /** Message bytes: a value's unless `part` says key (masked with that part's rules). */
  bytes: (value: Uint8Array | null, part: RecordPart = "value"): Uint8Array | null => new Gated("bytes", value, null, part) as unknown as Uint8Array | null,
  /** A key or value as text, whole or cut (a preview, an archived SQS body): masked when it is whole JSON, withheld when masks for its part apply and it cannot be parsed. */
  text: (value: string | null | undefined, part: RecordPart = "value"): string | null => new Gated("text", value ?? null, null, part) as unknown as string | null,
  /** A JSON value from a payload (a value's unless `part` says key) or a saga's context. */
  json: <T>(value: T, part: RecordPart = "value"): T | null => new Gated("json", value, null, part) as unknown as T | null,
  /** A header or message attribute value: failure headers stay readable for every role. */
  header: (name: string, value: string | null): string | null => new Gated("header", value, name) as unknown as string | null,
  /** Audit parameters and details: edits and diffs carry payloads and header values. */
  audit: <T>(value: T): T => new Gated("audit", value) as unknown as T,
};

/** Keys under which audit rows keep payload parts (edited values, diffs, header values, archived bodies). */
const AUDIT_PAYLOAD_KEYS = new Set(["value", "before", "after", "body", "payload", "context", "preview", "archived", "key", "messageAttributes"]);
export const WITHHELD = "[withheld: your role may not read payloads]";

const partsOf = (part: GatePart): RecordPart[] => (part === "unknown" ? ["value", "key"] : [part]);

/** The part's masks applied to JSON bytes (every part's, one after the other, when the part is unknown). */
function maskedBytes(bytes: Uint8Array | null, access: PayloadAccess, part: GatePart): Uint8Array | null {
  return partsOf(part).reduce((masked, one) => maskBytes(masked, access, one), bytes);
}

function masksApply(access: PayloadAccess, part: GatePart): boolean {
  return partsOf(part).some((one) => hasMasks(access, one));
}

function maskedText(text: string, access: PayloadAccess, part: GatePart): string | null {
  if (!masksApply(access, part)) return text;
  const parsed = parseJson(text);
  if (parsed.ok) return asText(maskedBytes(Buffer.from(text, "utf8"), access, part) ?? new Uint8Array()) ?? null;
  // A cut JSON preview cannot be masked field by field: withheld rather than shown unmasked.
  return /^\s*[[{]/.test(text) ? null : text;
}

function maskedJson(value: unknown, access: PayloadAccess, part: GatePart): unknown {
  if (value === null || value === undefined || !masksApply(access, part)) return value ?? null;
  const masked = maskedBytes(Buffer.from(JSON.stringify(value), "utf8"), access, part);
  return masked ? (JSON.parse(Buffer.from(masked).toString("utf8")) as unknown) : null;
}

function withheldAuditParts(value: unknown): unknown {
  return mapTree(value, (key, item) => (key !== null && AUDIT_PAYLOAD_KEYS.has(key) && item !== null ? WITHHELD : undefined));
}

function resolve(gated: Gated, access: PayloadAccess): unknown {
  switch (gated.kind) {
    case "bytes":
      return access.payloads ? maskedBytes(gated.raw as Uint8Array | null, access, gated.part) : null;
    case "text":
      return access.payloads && typeof gated.raw === "string" ? maskedText(gated.raw, access, gated.part) : null;
    case "json":
      return access.payloads ? maskedJson(gated.raw, access, gated.part) : null;
    case "header":
      return access.payloads || (gated.name !== null && isFailureHeader(gated.name)) ? gated.raw : null;
    case "audit":
      return access.payloads ? gated.raw : withheldAuditParts(gated.raw);
  }
}

/**
 * Copies a tree, replacing a value when `replace(key, value)` returns something other than undefined.
 * Iterative, so a deeply nested payload cannot exhaust the stack.
 */
function mapTree(root: unknown, replace: (key: string | null, value: unknown) => unknown): unknown {
  const top = { value: root };
  const stack: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [{ parent: top as unknown as Record<string, unknown>, key: "value" }];
  while (stack.length > 0) {
    const { parent, key } = stack.pop()!;
    const current = (parent as Record<string | number, unknown>)[key];
    const replaced = replace(typeof key === "string" && parent !== (top as unknown) ? key : null, current);
    if (replaced !== undefined) {
      (parent as Record<string | number, unknown>)[key] = replaced;
      continue;
    }
    if (Array.isArray(current)) {
      const copy = [...current];
      (parent as Record<string | number, unknown>)[key] = copy;
      copy.forEach((_, index) => stack.push({ parent: copy, key: index }));
    } else if (isPlainObject(current)) {
      const copy = { ...current };
      (parent as Record<string | number, unknown>)[key] = copy;
      for (const child of Object.keys(copy)) stack.push({ parent: copy, key: child });
    }
  }
  return top.value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Every gate in an output resolved for one caller's access; raw bytes are gated bytes of an unknown part (every mask applies). */
export function resolveGates(output: unknown, access: PayloadAccess): unknown {
  return mapTree(output, (_key, value) => {
    if (value instanceof Gated) {
      const resolved = resolve(value, access);
      return resolved === undefined ? null : resolved;
    }
    if (value instanceof Uint8Array) return resolve(new Gated("bytes", value, null, "unknown"), access) ?? null;
    if (value instanceof Map) return new Map([...value].map(([k, v]) => [k, resolveGates(v, access)]));
    return undefined;
  });
}

// ---- One gate per domain result type that carries payloads ------------------------------------------------

/** A replay-ledger row: a discarded SQS message's archived body and message attributes. */
export function gateLedgerRow<T extends { archived: { body: string; attributes: Record<string, string>; messageAttributes: Record<string, { dataType: string; value: string }> } | null }>(row: T): T {
  if (!row.archived) return row;
  const { body, attributes, messageAttributes } = row.archived;
  return {
    ...row,
    archived: {
      body: gate.text(body),
      attributes,
      messageAttributes: Object.fromEntries(Object.entries(messageAttributes).map(([name, attribute]) => [name, { dataType: attribute.dataType, value: gate.header(name, attribute.value) }])),
    },
  };
}

/** A replay job: its dry run's sample previews were read with its creator's access, not the reader's. */
export function gateReplayJob<T extends { dryRun: { sample: { preview: string | null }[] } | null }>(job: T): T {
  if (!job.dryRun) return job;
  return { ...job, dryRun: { ...job.dryRun, sample: job.dryRun.sample.map((item) => ({ ...item, preview: gate.text(item.preview) })) } };
}

/** An audit row: edit inputs and diffs carry payloads and header values. */
export function gateAuditRow<T extends { parameters: unknown }>(row: T): T {
  return { ...row, parameters: gate.audit(row.parameters) };
}

/** A message detail: the decoded JSON of a schema-encoded key and value is payload, each masked with its part's rules (or withheld) per caller. */
export function gateSchemaDetails<T extends { schemas: { key: { json: string | null } | null; value: { json: string | null } | null } }>(detail: T): T {
  const one = <S extends { json: string | null } | null>(schema: S, part: RecordPart): S => (schema ? { ...schema, json: gate.text(schema.json, part) } : schema);
  return { ...detail, schemas: { key: one(detail.schemas.key, "key"), value: one(detail.schemas.value, "value") } };
}
