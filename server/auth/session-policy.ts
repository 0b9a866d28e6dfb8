import type { RedriveConfig } from "~/server/config/schema";
import { covers } from "./permissions";
import type { IdentifyOptions } from "./request";
import type { SessionPolicy } from "./sessions";

export function sessionPolicy(auth: RedriveConfig["auth"]): SessionPolicy {
  return { idleMinutes: auth.sessionIdleMinutes, maxHours: auth.sessionMaxHours };
}

/** How every entry point identifies a caller under this config: session timeouts, token-creator coverage. */
export function identifyOptions(config: RedriveConfig): IdentifyOptions {
  return { policy: sessionPolicy(config.auth), covers: (holder, role) => covers(holder, role, config) };
}
