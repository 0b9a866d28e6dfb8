/**
 * Single sign-on with OpenID Connect: the authorization code flow with PKCE (S256), state and nonce, through
 * `openid-client` (an OpenID-certified relying party with no dependencies beyond `jose` and `oauth4webapi`).
 * Chosen over better-auth because Redrive already has its own users, sessions, tokens and audit: we need a
 * correct OIDC client, not a second account system with its own tables and session cookies.
 *
 * The user comes back with an ID token; their role is read from a claim (by default `groups`, from the ID
 * token or else the UserInfo endpoint) and mapped by `auth.oidc.roles`. Accounts are keyed by issuer and
 * subject, never by name, so a provider account cannot take over a local account that has the same name.
 */
import { and, eq } from "drizzle-orm";
import * as client from "openid-client";
import { readFileSync } from "node:fs";
import type { RedriveConfig } from "~/server/config/schema";
import type { ControlDb } from "~/server/db/control-store";
import { sessions, users, type Role } from "~/server/db/schema";

export type OidcSettings = NonNullable<RedriveConfig["auth"]["oidc"]>;

export const CALLBACK_PATH = "/api/auth/oidc/callback";

/** What the browser keeps between leaving for the provider and coming back (an HttpOnly cookie, 10 minutes). */
export interface OidcTransaction {
  verifier: string;
  state: string;
  nonce: string;
}

const discovered = new Map<string, Promise<client.Configuration>>();

function clientSecret(settings: OidcSettings, env: NodeJS.ProcessEnv): string | undefined {
  if (settings.clientSecretFile) return readFileSync(settings.clientSecretFile, "utf8").trim();
  if (settings.clientSecretEnv) {
    const value = env[settings.clientSecretEnv];
    if (!value) throw new Error(`auth.oidc.clientSecretEnv names ${settings.clientSecretEnv}, which is not set`);
    return value;
  }
  return undefined; // a public client: PKCE alone
}

/** The provider's metadata, discovered once per process (and again after a failure). */
export function oidcConfiguration(settings: OidcSettings, env: NodeJS.ProcessEnv = process.env): Promise<client.Configuration> {
  const key = `${settings.issuer}|${settings.clientId}`;
  let found = discovered.get(key);
  if (!found) {
    const secret = clientSecret(settings, env);
    found = client.discovery(new URL(settings.issuer), settings.clientId, secret, secret ? undefined : client.None(), {
      execute: settings.allowInsecureHttp ? [client.allowInsecureRequests] : [],
      timeout: 10,
    });
    found.catch(() => discovered.delete(key));
    discovered.set(key, found);
  }
  return found;
}

export async function authorizationRequest(settings: OidcSettings, redirectUri: string): Promise<{ url: URL; transaction: OidcTransaction }> {
  const configuration = await oidcConfiguration(settings);
  const transaction = { verifier: client.randomPKCECodeVerifier(), state: client.randomState(), nonce: client.randomNonce() };
  const url = client.buildAuthorizationUrl(configuration, {
    redirect_uri: redirectUri,
    scope: settings.scopes.join(" "),
    code_challenge: await client.calculatePKCECodeChallenge(transaction.verifier),
    code_challenge_method: "S256",
    state: transaction.state,
    nonce: transaction.nonce,
  });
  return { url, transaction };
}

/** Exchanges the code (with the PKCE verifier) and returns the ID token's claims, completed by UserInfo. */
export async function completeAuthorization(settings: OidcSettings, callbackUrl: URL, transaction: OidcTransaction): Promise<Record<string, unknown>> {
  const configuration = await oidcConfiguration(settings);
  const tokens = await client.authorizationCodeGrant(configuration, callbackUrl, {
    pkceCodeVerifier: transaction.verifier,
    expectedState: transaction.state,
    expectedNonce: transaction.nonce,
    idTokenExpected: true,
  });
  const claims = tokens.claims();
  if (!claims) throw new Error("the provider returned no ID token");
  const needed = [settings.roles.claim, settings.usernameClaim];
  if (needed.every((name) => name in claims) || !configuration.serverMetadata().userinfo_endpoint) return { ...claims };
  const userinfo = await client.fetchUserInfo(configuration, tokens.access_token, claims.sub);
  return { ...userinfo, ...claims };
}

/**
 * The highest role whose values the claim contains (admin, operator, then the configured roles in the order
 * written, then viewer), else the mapping's default (null: not let in). Pure.
 */
export function roleFromClaims(claims: Record<string, unknown>, mapping: OidcSettings["roles"]): Role | null {
  const raw = claims[mapping.claim];
  const values = new Set((Array.isArray(raw) ? raw : [raw]).filter((value): value is string => typeof value === "string"));
  const matches = (wanted: readonly string[]) => wanted.some((value) => values.has(value));
  for (const role of ["admin", "operator"] as const) if (matches(mapping[role])) return role;
  for (const [role, wanted] of Object.entries(mapping.configured)) if (matches(wanted)) return role;
  if (matches(mapping.viewer)) return "viewer";
  return mapping.default;
}

export type ExternalUser = { id: string; username: string; role: Role; mustChangePassword: boolean };

/**
 * The Redrive account for this provider subject: created on first sign-in, its role set from the claims on
 * every sign-in. A changed role ends the account's other sessions (they carried the old role).
 */
export async function upsertExternalUser(
  db: ControlDb,
  identity: { issuer: string; subject: string; username: string; role: Role },
): Promise<ExternalUser | { refused: string }> {
  const byIdentity = and(eq(users.externalIssuer, identity.issuer), eq(users.externalSubject, identity.subject));
  const [existing] = await db.select().from(users).where(byIdentity).limit(1);
  if (existing) {
    if (existing.disabled) return { refused: "This account is disabled in Redrive." };
    if (existing.role !== identity.role) {
      await db.update(users).set({ role: identity.role }).where(eq(users.id, existing.id));
      await db.delete(sessions).where(eq(sessions.userId, existing.id));
    }
    return { id: existing.id, username: existing.username, role: identity.role, mustChangePassword: false };
  }
  const [created] = await db
    .insert(users)
    // "!" is never a valid argon2 hash: these accounts cannot sign in with a password.
    .values({ username: identity.username, role: identity.role, passwordHash: "!external", externalIssuer: identity.issuer, externalSubject: identity.subject })
    .onConflictDoNothing()
    .returning({ id: users.id });
  if (!created) return { refused: `A Redrive account named "${identity.username}" already exists; an admin must rename or remove it first.` };
  return { id: created.id, username: identity.username, role: identity.role, mustChangePassword: false };
}

/** The username a provider account gets: its configured claim, else its subject, fitted to Redrive's rules. */
export function usernameFromClaims(claims: Record<string, unknown>, settings: OidcSettings): string {
  const raw = claims[settings.usernameClaim];
  const name = typeof raw === "string" && raw.length > 0 ? raw : String(claims.sub);
  return name.replace(/[^a-zA-Z0-9._@-]/g, "_").slice(0, 64);
}
