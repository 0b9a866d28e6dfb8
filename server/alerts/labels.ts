import { labelKeySchema, labelValueSchema, maxLabels } from "./types";

// A rule's labels as the editor shows them: `key=value`, one a line or comma-separated. The same key and value
// rules as the server's, so the editor refuses what the API would.

export function labelsText(labels: Record<string, string> | undefined): string {
  return Object.entries(labels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join("\n");
}

export function parseLabelsText(text: string): { labels: Record<string, string>; error: null } | { labels: null; error: string } {
  // a Map, so a key such as __proto__ or constructor is just a key
  const labels = new Map<string, string>();
  const entries = text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);
  for (const entry of entries) {
    const eq = entry.indexOf("=");
    if (eq <= 0) return { labels: null, error: `"${entry}": write key=value` };
    const key = entry.slice(0, eq).trim();
    const value = entry.slice(eq + 1).trim();
    const keyCheck = labelKeySchema.safeParse(key);
    if (!keyCheck.success) return { labels: null, error: `"${key}": ${keyCheck.error.issues[0]?.message ?? "not a label name"}` };
    if (!labelValueSchema.safeParse(value).success) return { labels: null, error: `"${key}": the value is longer than 200 characters` };
    if (labels.has(key)) return { labels: null, error: `"${key}" is given twice` };
    labels.set(key, value);
  }
  if (labels.size > maxLabels) return { labels: null, error: `at most ${maxLabels} labels` };
  return { labels: Object.fromEntries(labels), error: null };
}
