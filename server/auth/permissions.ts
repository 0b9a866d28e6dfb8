/**
 * Permissions by action and scope, as Kafbat UI does it: a role is a set of grants, each naming actions and
 * the connections and resources (DLQ, topic, queue or database names) they apply to, as `*` patterns. The
 * built-in viewer, operator and admin are presets of this; roles in `auth.roles` (redrive.yaml) add others.
 * Every procedure names the action it needs (server/api/trpc.ts); the server checks it, with the scope read
 * from the call's input, and the UI asks `auth.me` what the user may do to hide the rest.
 */
import type { RedriveConfig } from "~/server/config/schema";
import { DomainError } from "~/server/lib/errors";

export const actions = [
  /** Lag, depth, DLQ lists and failure groups, sagas and outbox overviews, replay history, the audit log. */
  "read",
  /** Message bytes, keys, non-failure headers, saga context (masked per payloads.masking). */
  "payloads.read",
  /** Kafka topics that are not DLQs (business topics, __consumer_offsets). */
  "topics.readAny",
  "replay",
  "replay.bulk",
  "replay.edit",
  "discard",
  /** Saga retry/compensate/resolve jobs and outbox requeue. */
  "sagas.command",
  "alerts.silence",
  /** Users, API tokens, alert rules and channels, settings; implies every other action everywhere. */
  "admin",
] as const;
export type Action = (typeof actions)[number];

export interface Grant {
  actions: readonly Action[];
  /** Connection name patterns; `*` matches any run of characters. */
  connections: readonly string[];
  /** DLQ / topic / queue / database name patterns. */
  resources: readonly string[];
}

export interface Scope {
  connection?: string;
  resource?: string;
}

export const PRESETS = ["viewer", "operator", "admin"] as const;
export const OPERATOR_ACTIONS: Action[] = ["replay", "replay.bulk", "replay.edit", "discard", "sagas.command", "alerts.silence"];
const everywhere = { connections: ["*"], resources: ["*"] } as const;

export interface PermissionConfig {
  payloads: { readRoles: readonly string[]; readAnyTopicRoles: readonly string[] };
  auth: Pick<RedriveConfig["auth"], "roles">;
}

/** The presets, with payloads.readRoles and payloads.readAnyTopicRoles still deciding their read permissions. */
function presetGrants(role: (typeof PRESETS)[number], config: PermissionConfig): Grant[] {
  const reads: Action[] = ["read"];
  if (config.payloads.readRoles.includes(role)) reads.push("payloads.read");
  if (config.payloads.readAnyTopicRoles.includes(role)) reads.push("topics.readAny");
  if (role === "viewer") return [{ actions: reads, ...everywhere }];
  if (role === "operator") return [{ actions: [...reads, ...OPERATOR_ACTIONS], ...everywhere }];
  return [{ actions: [...reads, ...OPERATOR_ACTIONS, "admin"], ...everywhere }];
}

export function isPreset(role: string): role is (typeof PRESETS)[number] {
  return (PRESETS as readonly string[]).includes(role);
}

/** The grants of a role by name; an unknown role (e.g. removed from the config) has none. */
export function grantsOf(role: string, config: PermissionConfig): Grant[] {
  if (isPreset(role)) return presetGrants(role, config);
  return (config.auth.roles[role] ?? []).map((grant) => ({ ...grant, actions: grant.actions.includes("read") ? grant.actions : ["read", ...grant.actions] }));
}

/** Every role name the config knows: the presets, then the configured ones. */
export function roleNames(config: PermissionConfig): string[] {
  return [...PRESETS, ...Object.keys(config.auth.roles)];
}

const patterns = new Map<string, RegExp>();
export function matchesPattern(pattern: string, value: string): boolean {
  let regex = patterns.get(pattern);
  if (!regex) {
    regex = new RegExp(`^${pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
    patterns.set(pattern, regex);
  }
  return regex.test(value);
}

/**
 * Whether the grants allow the action on the scope. A scope part left out means "somewhere": the check then
 * asks whether the role may do it anywhere (used before the exact target is known, and by the UI).
 */
export function allows(grants: readonly Grant[], action: Action, scope: Scope = {}): boolean {
  return grants.some(
    (grant) =>
      (grant.actions.includes(action) || grant.actions.includes("admin")) &&
      (scope.connection === undefined || grant.connections.some((pattern) => matchesPattern(pattern, scope.connection!))) &&
      (scope.resource === undefined || grant.resources.some((pattern) => matchesPattern(pattern, scope.resource!))),
  );
}

/** Whether a grant allows the action on every connection and resource (`*` and `*`). */
export function allowsEverywhere(grants: readonly Grant[], action: Action): boolean {
  return grants.some(
    (grant) => (grant.actions.includes(action) || grant.actions.includes("admin")) && grant.connections.includes("*") && grant.resources.includes("*"),
  );
}

/**
 * A check of what a role may read, applied to lists and overviews so they name only what it may see. It
 * carries the grants it checks so lists paged in SQL apply the very same patterns (server/auth/readable-sql.ts).
 */
export interface Readable {
  (scope: Scope): boolean;
  readonly grants: readonly Grant[];
}

/** A read check over these grants. */
export function readableBy(grants: readonly Grant[]): Readable {
  return Object.assign((scope: Scope) => allows(grants, "read", scope), { grants });
}

/** The role's read check, or null when it reads every connection and resource (the presets): lists stay whole. */
export function readFilter(role: string, config: PermissionConfig): Readable | null {
  const grants = grantsOf(role, config);
  if (allowsEverywhere(grants, "read")) return null;
  return readableBy(grants);
}

/**
 * Thrown by domain code when a call names an object outside the caller's read scope. It is answered as an
 * unknown object is (404, server/api/refusal.ts), so a role learns nothing about what it may not read.
 */
/** Answered as an unknown object (404), so its existence is not revealed. */
export class OutOfScope extends DomainError {
  readonly refusal = "not-found";
}

/** Throws OutOfScope when the caller may not read the scope (null reads everything). */
export function mustRead(readable: Readable | null, scope: Scope, what: string): void {
  if (readable && !readable(scope)) throw new OutOfScope(`No ${what}.`);
}

/** The items a role may read, each item's connection and resource named by `scopeOfItem`. */
export function visible<T>(items: readonly T[], readable: Readable | null, scopeOfItem: (item: T) => Scope): T[] {
  return readable ? items.filter((item) => readable(scopeOfItem(item))) : [...items];
}

/**
 * The label that names an alert's resource, in order (server/alerts/signals/*): a consumer group is a resource
 * of its own, named by its group id (see consumer groups in the README's permissions section).
 */
export const RESOURCE_LABELS = ["dlq", "topic", "queue", "group", "database"] as const;
export const CONNECTION_LABELS = ["connection", "database"] as const;

/** The connection and resource an alert instance's labels name (server/alerts/signals/*). */
export function labelScope(labels: Readonly<Record<string, string>>): Scope {
  const connection = CONNECTION_LABELS.map((label) => labels[label]).find((value) => value !== undefined);
  const resource = RESOURCE_LABELS.map((label) => labels[label]).find((value) => value !== undefined);
  return { ...(connection !== undefined ? { connection } : {}), ...(resource !== undefined ? { resource } : {}) };
}

export function can(role: string, config: PermissionConfig, action: Action, scope?: Scope): boolean {
  return allows(grantsOf(role, config), action, scope);
}

/**
 * Whether `holder` may hand out `role` (to an API token it creates, which stops working once this no longer
 * holds): every grant of `role` must be inside one of the holder's grants.
 */
export function covers(holder: string, role: string, config: PermissionConfig): boolean {
  const mine = grantsOf(holder, config);
  if (allows(mine, "admin")) return true;
  if (holder === role) return true;
  return grantsOf(role, config).every((grant) =>
    grant.actions.every((action) =>
      grant.connections.every((connection) => grant.resources.every((resource) => allowsPattern(mine, action, connection, resource))),
    ),
  );
}

/** A pattern is inside a grant when the grant's pattern is `*` or the very same pattern. */
function allowsPattern(grants: readonly Grant[], action: Action, connection: string, resource: string): boolean {
  const inside = (patternsOf: readonly string[], wanted: string) => patternsOf.some((pattern) => pattern === "*" || pattern === wanted);
  return grants.some((grant) => grant.actions.includes(action) && inside(grant.connections, connection) && inside(grant.resources, resource));
}

/** The input fields naming a call's connection and its resource, first present wins (also read from audit rows). */
export const INPUT_CONNECTION_FIELDS = ["connection", "database"] as const;
export const INPUT_RESOURCE_FIELDS = ["dlq", "topic", "queue", "database"] as const;

/** The connection and resource a call's (validated) input names, by the fields procedures use for them. */
export function scopeOf(input: unknown): Scope {
  if (!input || typeof input !== "object") return {};
  const record = input as Record<string, unknown>;
  const first = (fields: readonly string[]) => fields.map((field) => record[field]).find((value): value is string => typeof value === "string");
  const connection = first(INPUT_CONNECTION_FIELDS);
  const resource = first(INPUT_RESOURCE_FIELDS);
  return { ...(connection !== undefined ? { connection } : {}), ...(resource !== undefined ? { resource } : {}) };
}
