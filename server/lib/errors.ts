// Loaded by Node directly in the filter workers too (via server/dlq/cel-eval.ts): erasable TypeScript, no imports.
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

/**
 * Why a domain refused: the edge (server/api/errors.ts) turns each into its protocol's code (tRPC, HTTP), in
 * one place, so domain code never imports the API layer to say "not found".
 */
export type DomainErrorReason = "invalid" | "not-found" | "forbidden" | "precondition" | "conflict" | "rate-limited";

/** A refusal the caller can act on (shown as a 4xx with its message), as opposed to a fault (a 500). */
export abstract class DomainError extends Error {
  abstract readonly refusal: DomainErrorReason;
  /** What the caller is told; the message by default (a subclass may add context, e.g. "Invalid filter: "). */
  get publicMessage(): string {
    return this.message;
  }
}

/** Something the caller named does not exist (or is outside what it may see, which answers the same). */
export class NotFound extends DomainError {
  readonly refusal = "not-found";
}
