import type { RedriveConfig } from "~/server/config/schema";

/**
 * Whether a password sign-in may be tried for this username. With single sign-on and
 * `auth.oidc.localAccounts: false`, only the break-glass accounts (by default the first admin) keep a password
 * sign-in, so that a broken or unreachable provider cannot lock every admin out.
 */
export function localSignInAllowed(auth: RedriveConfig["auth"], username: string): boolean {
  if (!auth.oidc || auth.oidc.localAccounts) return true;
  const name = username.trim().toLowerCase();
  return auth.oidc.breakGlass.some((allowed) => allowed.toLowerCase() === name);
}
