import type { RedriveConfig } from "~/server/config/schema";
import type { SessionPolicy } from "./sessions";

export function sessionPolicy(auth: RedriveConfig["auth"]): SessionPolicy {
  return { idleMinutes: auth.sessionIdleMinutes, maxHours: auth.sessionMaxHours };
}
