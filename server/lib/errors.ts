/** The readable part of anything thrown; the ground floor, so every layer words errors the same way. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    // AggregateError (e.g. ECONNREFUSED on IPv4 and IPv6) hides the useful part in .errors
    const inner = (error as Error & { errors?: unknown[] }).errors;
    const detail = Array.isArray(inner) && inner.length > 0 ? inner.map(errorMessage).join("; ") : "";
    return error.message || detail || error.name;
  }
  return String(error);
}
