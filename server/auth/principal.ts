import type { Role } from "~/server/db/schema";

export interface Principal {
  kind: "user" | "token";
  id: string;
  name: string;
  role: Role;
}

const rank: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export function hasRole(principal: Pick<Principal, "role">, needed: Role): boolean {
  return rank[principal.role] >= rank[needed];
}
