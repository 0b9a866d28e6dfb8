// JSON parsed with every number literal kept as its text (a long or a decimal beyond a double's digits), for
// re-encoding an operator's edit with a schema; and the error that names the field a value does not fit.

/** A JSON number literal exactly as written. */
export class NumberText {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

/** A value that does not fit the chosen schema: `path` names the field (dot path, arrays by [index]). */
export class EncodeError extends Error {
  readonly path: string;
  readonly reason: string;
  constructor(path: string, reason: string) {
    super(`${path || "the value"}: ${reason}`);
    this.path = path;
    this.reason = reason;
  }
}

/** JSON.parse with numbers as NumberText (V8's reviver context gives each literal's source text). */
export function parseJsonExact(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown, context?: { source?: string }) => (typeof value === "number" && context?.source !== undefined ? new NumberText(context.source) : value));
}

/** NumberText back to plain JSON values: safe integers and floats as numbers, larger integers as decimal strings. */
export function plainJson(value: unknown): unknown {
  if (value instanceof NumberText) {
    const n = Number(value.text);
    return /^-?\d+$/.test(value.text) && !Number.isSafeInteger(n) ? value.text : n;
  }
  if (Array.isArray(value)) return value.map(plainJson);
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainJson(v)]));
  return value;
}
