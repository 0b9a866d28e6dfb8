import { allowsEverywhere, grantsOf, allows, type Scope } from "~/server/auth/permissions";
import type { RedriveConfig } from "~/server/config/schema";
import type { Role } from "~/server/db/schema";
import type { RecordPart } from "~/server/schemas";
import { asText, parseJson } from "./bytes";

export interface MaskingRule {
  /** Dot path into a JSON payload: "key.customer.email" masks the message key, "value.card.number" or "card.number" the value. */
  path: string;
  /** Roles that see the field unmasked. */
  exemptRoles: readonly string[];
}

/** One rule's target: the part of the message it masks and the field path inside that part's JSON. */
export interface MaskPath {
  part: RecordPart;
  path: string[];
}

export interface PayloadAccess {
  /** Whether this role may read payloads (keys, values, non-failure headers) at all. */
  payloads: boolean;
  /** The masking rules that apply to this role. */
  masks: MaskPath[];
}

export const MASK = "****";

/**
 * A rule's path split into its part and field path: "key." names the key, "value." or no prefix the value (so
 * configs written before key rules mean what they meant). An empty field path is refused by the config schema.
 */
export function parseMaskPath(path: string): MaskPath {
  const match = /^(key|value)\.(.*)$/.exec(path);
  const part: RecordPart = match?.[1] === "key" ? "key" : "value";
  return { part, path: (match ? match[2]! : path).split(".") };
}

/** Whether any mask of this role applies to the part (any part when none is named). */
export function hasMasks(access: PayloadAccess, part?: RecordPart): boolean {
  return part === undefined ? access.masks.length > 0 : access.masks.some((mask) => mask.part === part);
}

/**
 * What this role may see of payloads: the payloads.read permission (for the built-in roles, payloads.readRoles)
 * on the scope when the caller knows it, else everywhere — a role allowed payloads on some connections only
 * sees none where the connection is not known. `roles` are the configured roles (auth.roles).
 */
export function payloadAccess(
  role: Role,
  settings: { readRoles: readonly string[]; readAnyTopicRoles?: readonly string[]; masking: MaskingRule[] },
  options: { roles?: RedriveConfig["auth"]["roles"]; scope?: Scope } = {},
): PayloadAccess {
  const grants = grantsOf(role, { payloads: { readRoles: settings.readRoles, readAnyTopicRoles: settings.readAnyTopicRoles ?? [] }, auth: { roles: options.roles ?? {} } });
  const scope = options.scope;
  return {
    payloads: scope?.connection !== undefined ? allows(grants, "payloads.read", scope) : allowsEverywhere(grants, "payloads.read"),
    masks: settings.masking
      .filter((rule) => !rule.exemptRoles.includes(role))
      .map((rule) => parseMaskPath(rule.path)),
  };
}

function maskPath(node: unknown, path: string[]): void {
  if (node === null || typeof node !== "object") return;
  const [head, ...rest] = path;
  if (head === undefined) return;
  // Arrays are walked through, so "items.card" masks every item's card.
  if (Array.isArray(node)) {
    for (const item of node) maskPath(item, path);
    return;
  }
  const record = node as Record<string, unknown>;
  if (!(head in record)) return;
  if (rest.length === 0) record[head] = MASK;
  else maskPath(record[head], rest);
}

// JSON.rawJSON (Node 21+) is not in this project's TypeScript lib.
const rawJSON = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

/**
 * JSON.parse keeping every number a double would change as its text (JSON.stringify writes it back as
 * written): integers beyond 2^53, and decimals with more digits than a double holds (decoded Avro decimals).
 */
function parseExact(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown, context?: { source?: string }) =>
    typeof value === "number" && context?.source !== undefined && String(value) !== context.source && /^-?\d+(\.\d+)?$/.test(context.source) ? rawJSON(context.source) : value,
  );
}

/**
 * Applies the role's masks for one part (key or value) to that part's JSON on the server; non-JSON payloads and
 * bare JSON scalars pass unchanged. Numbers keep their digits. A payload too deeply nested to mask reliably is
 * withheld whole (never shown unmasked).
 */
export function maskBytes(bytes: Uint8Array | null, access: PayloadAccess, part: RecordPart): Uint8Array | null {
  const paths = access.masks.filter((mask) => mask.part === part).map((mask) => mask.path);
  if (!bytes || paths.length === 0) return bytes;
  const text = asText(bytes);
  if (text === null) return bytes;
  if (!parseJson(text).ok) return bytes;
  try {
    const value = parseExact(text);
    for (const path of paths) maskPath(value, path);
    return Buffer.from(JSON.stringify(value), "utf8");
  } catch (error) {
    if (error instanceof RangeError) return Buffer.from(JSON.stringify(MASK), "utf8");
    throw error;
  }
}

/** Whether the role's masks for this part hide any field of it (a JSON key or value without such fields is not masked). */
export function masksHideFields(bytes: Uint8Array | null, access: PayloadAccess, part: RecordPart): boolean {
  if (!bytes || !hasMasks(access, part)) return false;
  const text = asText(bytes);
  const json = text === null ? null : parseJson(text);
  if (!json?.ok) return false;
  const masked = maskBytes(bytes, access, part);
  return masked === null || Buffer.compare(Buffer.from(masked), Buffer.from(JSON.stringify(json.value), "utf8")) !== 0;
}

