import "server-only";
import { cookies } from "next/headers";
import { connections } from "~/server/connections/registry";
import { controlStore } from "~/server/db/control-store";
import { sessionPolicy } from "./session-policy";
import type { Principal } from "./principal";
import { principalFromSession, SESSION_COOKIE } from "./sessions";

/** The signed-in user for a server component, or null. */
export async function currentUser(): Promise<Principal | null> {
  const token = (await cookies()).get(SESSION_COOKIE)?.value;
  if (!token) return null;
  const { db } = await controlStore();
  return principalFromSession(db, token, sessionPolicy(connections().config.auth));
}
