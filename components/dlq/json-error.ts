/** The parser's reason when `text` is not valid JSON, else null (what the edit form shows under a JSON field). */
export function jsonError(text: string): string | null {
  try {
    JSON.parse(text);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
