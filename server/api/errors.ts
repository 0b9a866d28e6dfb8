import { TRPCError } from "@trpc/server";
import { DomainError, type DomainErrorReason } from "~/server/lib/errors";

const codes: Record<DomainErrorReason, TRPCError["code"]> = {
  invalid: "BAD_REQUEST",
  "not-found": "NOT_FOUND",
  forbidden: "FORBIDDEN",
  precondition: "PRECONDITION_FAILED",
  conflict: "CONFLICT",
  "rate-limited": "TOO_MANY_REQUESTS",
};

/**
 * The one place domain refusals become tRPC errors (server/api/trpc.ts applies it to every procedure): any
 * DomainError by its reason, with its public message. Anything else returns null and stays as it is (a 500).
 */
export function toTRPCError(cause: unknown): TRPCError | null {
  if (cause instanceof DomainError) return new TRPCError({ code: codes[cause.refusal], message: cause.publicMessage, cause });
  return null;
}
