import { formatJsonText } from "../lib/json-text.ts";

/** How a byte string is shown: JSON, text or binary (hex), with its exact size and a bounded preview. */
export interface DisplayBytes {
  size: number;
  encoding: "json" | "text" | "binary";
  /** UTF-8 text (json and text), cut at the preview limit. */
  text: string | null;
  /** Hex of the first preview-limit bytes (binary only). */
  hex: string | null;
  truncated: boolean;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Valid UTF-8 without control characters other than tab, newline and carriage return. */
export function asText(bytes: Uint8Array): string | null {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return null;
  }
  return /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text) ? null : text;
}

export function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  const trimmed = text.trimStart();
  if (!trimmed.startsWith("{") && !trimmed.startsWith("[") && !trimmed.startsWith('"')) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

export function displayBytes(bytes: Uint8Array, previewLimit: number): DisplayBytes {
  const text = asText(bytes);
  if (text === null) {
    const shown = bytes.subarray(0, previewLimit);
    return { size: bytes.length, encoding: "binary", text: null, hex: Buffer.from(shown).toString("hex"), truncated: bytes.length > previewLimit };
  }
  const json = parseJson(text);
  const truncated = bytes.length > previewLimit;
  let shown = text;
  // Re-indented from the text, not re-serialised: numbers stay as written, and any depth is fine.
  if (json.ok && !truncated) shown = formatJsonText(text) ?? text;
  else if (truncated) shown = utf8Prefix(bytes, previewLimit);
  return { size: bytes.length, encoding: json.ok ? "json" : "text", text: shown, hex: null, truncated };
}

/** The longest valid UTF-8 prefix within the limit (never cuts a character in half). */
function utf8Prefix(bytes: Uint8Array, limit: number): string {
  let end = Math.min(limit, bytes.length);
  // Step back over continuation bytes (10xxxxxx) so the cut lands on a character boundary.
  while (end > 0 && end < bytes.length && ((bytes[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return new TextDecoder().decode(bytes.subarray(0, end));
}
