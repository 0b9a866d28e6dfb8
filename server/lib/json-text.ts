/**
 * JSON shown as written: valid JSON text re-indented token by token, never parsed into values, so numbers
 * keep every digit (an id of 9223372036854775807 is not rounded) and strings keep their escapes. Iterative,
 * so a payload nested thousands of levels deep is no problem. Pure: used by the server and the browser.
 */

/** Past this depth the text is shown as written (indenting 10,000 levels would print ~100 MB of spaces). */
export const MAX_INDENT_DEPTH = 64;

const WHITESPACE = new Set([" ", "\t", "\n", "\r"]);

/** The end (exclusive) of the string literal starting at `start` (a quote). */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i];
    if (ch === "\\") i += 2;
    else if (ch === '"') return i + 1;
    else i += 1;
  }
  return text.length;
}

function nextSignificant(text: string, from: number): number {
  let i = from;
  while (i < text.length && WHITESPACE.has(text[i]!)) i += 1;
  return i;
}

/**
 * Valid JSON text (the caller has checked it) indented like JSON.stringify(value, null, indent), with
 * numbers and strings exactly as written; null when it nests deeper than maxDepth.
 */
export function formatJsonText(text: string, indent = 2, maxDepth = MAX_INDENT_DEPTH): string | null {
  const out: string[] = [];
  const pad = (depth: number) => `\n${" ".repeat(depth * indent)}`;
  let depth = 0;
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (WHITESPACE.has(ch)) {
      i += 1;
    } else if (ch === '"') {
      const end = stringEnd(text, i);
      out.push(text.slice(i, end));
      i = end;
    } else if (ch === "{" || ch === "[") {
      const after = nextSignificant(text, i + 1);
      if (text[after] === (ch === "{" ? "}" : "]")) {
        out.push(ch === "{" ? "{}" : "[]");
        i = after + 1;
      } else {
        depth += 1;
        if (depth > maxDepth) return null;
        out.push(ch, pad(depth));
        i += 1;
      }
    } else if (ch === "}" || ch === "]") {
      depth -= 1;
      out.push(pad(depth), ch);
      i += 1;
    } else if (ch === ",") {
      out.push(",", pad(depth));
      i += 1;
    } else if (ch === ":") {
      out.push(": ");
      i += 1;
    } else {
      // A number or literal: copied as written up to the next structural character.
      let end = i + 1;
      while (end < text.length && !WHITESPACE.has(text[end]!) && !",:]}".includes(text[end]!)) end += 1;
      out.push(text.slice(i, end));
      i = end;
    }
  }
  return out.join("");
}

export interface JsonEntry {
  /** The member's key as written (a JSON string), or the array index. */
  key: string;
  /** The member's value as written. */
  value: string;
  /** For an object or array value: its number of members; null for a scalar. */
  size: number | null;
}

/** The top-level members of a JSON object or array (valid JSON text), as written; null for a scalar. */
export function topLevelEntries(text: string): JsonEntry[] | null {
  const start = nextSignificant(text, 0);
  const open = text[start];
  if (open !== "{" && open !== "[") return null;
  const entries: JsonEntry[] = [];
  let depth = 0;
  let key: string | null = null;
  let valueStart = -1;
  let size = 0;
  let sawMember = false;
  const finish = (end: number) => {
    if (valueStart < 0) return;
    const value = text.slice(valueStart, end).trim();
    const container = value.startsWith("{") || value.startsWith("[");
    entries.push({ key: open === "{" ? (key ?? "") : String(entries.length), value, size: container ? (sawMember ? size + 1 : 0) : null });
    key = null;
    valueStart = -1;
    size = 0;
    sawMember = false;
  };
  let i = start;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '"') {
      const end = stringEnd(text, i);
      if (depth === 1 && open === "{" && key === null && valueStart < 0) key = text.slice(i, end);
      else if (depth === 1 && valueStart < 0) valueStart = i;
      else if (depth === 2) sawMember = true;
      i = end;
      continue;
    }
    if (WHITESPACE.has(ch)) {
      i += 1;
      continue;
    }
    if (ch === "{" || ch === "[") {
      if (depth === 1 && valueStart < 0) valueStart = i;
      else if (depth === 2) sawMember = true;
      depth += 1;
    } else if (ch === "}" || ch === "]") {
      depth -= 1;
      if (depth === 0) {
        finish(i);
        return entries;
      }
    } else if (ch === ",") {
      if (depth === 1) finish(i);
      else if (depth === 2) size += 1;
    } else if (ch !== ":") {
      if (depth === 1 && valueStart < 0) valueStart = i;
      else if (depth === 2) sawMember = true;
    }
    i += 1;
  }
  return entries;
}
