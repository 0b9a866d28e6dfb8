import { TRPCError } from "@trpc/server";
import type { Refusal } from "~/server/auth/accounts";

const codes: Record<Refusal["refused"], TRPCError["code"]> = {
  "not-found": "NOT_FOUND",
  "wrong-password": "FORBIDDEN",
  policy: "BAD_REQUEST",
  external: "BAD_REQUEST",
};

/** The account domain's refusals as tRPC errors; results that are not refusals pass through. */
export function orRefuse<T extends object>(result: T | Refusal): T {
  if ("refused" in result) throw new TRPCError({ code: codes[result.refused], message: result.message });
  return result;
}
