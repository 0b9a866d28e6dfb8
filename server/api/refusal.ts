import { TRPCError } from "@trpc/server";
import type { Refusal } from "~/server/auth/accounts";
import { roleNames, type PermissionConfig } from "~/server/auth/permissions";

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

/** A role name from a request: a built-in role or one of the config's auth.roles (400 otherwise). */
export function knownRole(config: PermissionConfig, role: string): string {
  if (!roleNames(config).includes(role)) throw new TRPCError({ code: "BAD_REQUEST", message: `No role "${role}": use ${roleNames(config).join(", ")}.` });
  return role;
}
