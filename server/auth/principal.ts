import type { Role } from "~/server/db/schema";

export interface Principal {
  kind: "user" | "token";
  id: string;
  name: string;
  role: Role;
  /** An admin reset this user's password: until they choose their own, their session may only do that. */
  mustChangePassword?: boolean;
  /** The session's non-secret handle (sessions only), so the user's session list can mark "this one". */
  sessionHandle?: string;
  /** Signed in through single sign-on: the password lives with the provider. */
  external?: boolean;
}

const rank: Record<string, number> = { viewer: 0, operator: 1, admin: 2 };

/**
 * The built-in ordering of the presets (viewer < operator < admin). A configured role ranks nowhere: what it
 * may do is decided by its grants (server/auth/permissions.ts), never by this.
 */
export function hasRole(principal: Pick<Principal, "role">, needed: Role): boolean {
  const held = rank[principal.role];
  const wanted = rank[needed];
  return held !== undefined && wanted !== undefined && held >= wanted;
}
