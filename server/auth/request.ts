import type { ControlDb } from "~/server/db/control-store";
import type { Principal } from "./principal";
import { principalFromApiToken, principalFromSession, SESSION_COOKIE, type SessionPolicy } from "./sessions";

export function readCookie(header: string | null, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(";")) {
    const [rawKey, ...rest] = part.trim().split("=");
    if (rawKey === name) return decodeURIComponent(rest.join("="));
  }
  return null;
}

export interface RequestIdentity {
  principal: Principal | null;
  /** "cookie" requests need the same-origin check on mutations; bearer tokens are not sent by browsers on their own. */
  via: "cookie" | "bearer" | null;
  sessionToken: string | null;
}

export interface IdentifyOptions {
  policy?: SessionPolicy;
  /** Whether a token's creator still holds the token's role (default: the built-in ordering). */
  covers?: (holder: string, role: string) => boolean;
}

export async function identify(db: ControlDb, headers: Headers, options: IdentifyOptions = {}): Promise<RequestIdentity> {
  const authorization = headers.get("authorization");
  if (authorization) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    const principal = match?.[1] ? await principalFromApiToken(db, match[1], options.covers) : null;
    return { principal, via: "bearer", sessionToken: null };
  }
  const sessionToken = readCookie(headers.get("cookie"), SESSION_COOKIE);
  if (!sessionToken) return { principal: null, via: null, sessionToken: null };
  return { principal: await principalFromSession(db, sessionToken, options.policy), via: "cookie", sessionToken };
}

export function sessionCookie(token: string, expiresAt: Date, secure: boolean): string {
  return [
    `${SESSION_COOKIE}=${encodeURIComponent(token)}`,
    "Path=/",
    "HttpOnly",
    "SameSite=Lax",
    `Expires=${expiresAt.toUTCString()}`,
    secure ? "Secure" : "",
  ]
    .filter(Boolean)
    .join("; ");
}

export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Expires=Thu, 01 Jan 1970 00:00:00 GMT`;
}

export function isSecureRequest(request: Request): boolean {
  return new URL(request.url).protocol === "https:" || request.headers.get("x-forwarded-proto") === "https";
}

/** A cookie-authenticated mutation must come from our own origin (defence in depth on top of SameSite). */
export function isSameOrigin(request: Request): boolean {
  const origin = request.headers.get("origin");
  if (!origin) return true; // non-browser clients and same-origin GETs send none
  const host = request.headers.get("x-forwarded-host") ?? request.headers.get("host");
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

/**
 * A cookie-authenticated request that a browser made on another site's behalf (a link, a form, an image):
 * Sec-Fetch-Site says so when the browser sends it, the Origin check covers the rest. Exports and downloads
 * refuse these, so a link on another site cannot make a signed-in user's browser export anything.
 */
export function isCrossSite(request: Request): boolean {
  const site = request.headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin" && site !== "none") return true;
  return !isSameOrigin(request);
}
