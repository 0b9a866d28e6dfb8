/**
 * The two HTTP steps of single sign-on, shared by app/api/auth/oidc/* and the tests: start (remember PKCE
 * verifier, state and nonce in a short-lived HttpOnly cookie, send the browser to the provider) and callback
 * (check and exchange the code, map the role, open a Redrive session, audit the sign-in).
 */
import { recordAudit } from "~/server/audit";
import type { RedriveConfig } from "~/server/config/schema";
import type { ControlDb } from "~/server/db/control-store";
import { errorText, logger } from "~/server/lib/logger";
import { clientAddress } from "./client-address";
import type { Principal } from "./principal";
import { authorizationRequest, CALLBACK_PATH, completeAuthorization, roleFromClaims, upsertExternalUser, usernameFromClaims, type OidcTransaction } from "./oidc";
import { isSecureRequest, readCookie, sessionCookie } from "./request";
import { sessionPolicy } from "./session-policy";
import { SESSION_COOKIE, startSession } from "./sessions";

const TRANSACTION_COOKIE = "redrive_oidc";
const TRANSACTION_SECONDS = 600;

export interface OidcDependencies {
  db: ControlDb;
  config: RedriveConfig;
}

function origin(request: Request, config: RedriveConfig): string {
  const configured = config.auth.oidc?.publicUrl;
  if (configured) return configured.replace(/\/$/, "");
  const url = new URL(request.url);
  const host = request.headers.get("x-forwarded-host") ?? request.headers.get("host") ?? url.host;
  return `${isSecureRequest(request) ? "https" : "http"}://${host}`;
}

function redirect(location: string, cookies: string[] = []): Response {
  const headers = new Headers({ location, "cache-control": "no-store" });
  for (const cookie of cookies) headers.append("set-cookie", cookie);
  return new Response(null, { status: 303, headers });
}

/** Back to the sign-in page with a message it shows. */
function failed(request: Request, config: RedriveConfig, message: string, cookies: string[] = []): Response {
  return redirect(`${origin(request, config)}/sign-in?error=${encodeURIComponent(message)}`, cookies);
}

function transactionCookie(value: string, maxAge: number, secure: boolean): string {
  return [`${TRANSACTION_COOKIE}=${value}`, `Path=${CALLBACK_PATH}`, "HttpOnly", "SameSite=Lax", `Max-Age=${maxAge}`, secure ? "Secure" : ""].filter(Boolean).join("; ");
}

export async function handleOidcStart(request: Request, deps: OidcDependencies): Promise<Response> {
  const settings = deps.config.auth.oidc;
  if (!settings) return new Response("Single sign-on is not configured.", { status: 404 });
  try {
    const { url, transaction } = await authorizationRequest(settings, origin(request, deps.config) + CALLBACK_PATH);
    const value = Buffer.from(JSON.stringify(transaction)).toString("base64url");
    return redirect(url.href, [transactionCookie(value, TRANSACTION_SECONDS, isSecureRequest(request))]);
  } catch (error) {
    logger.error({ issuer: settings.issuer, error: errorText(error) }, "single sign-on: cannot reach the provider");
    return failed(request, deps.config, "The single sign-on provider cannot be reached.");
  }
}

function readTransaction(request: Request): OidcTransaction | null {
  const raw = readCookie(request.headers.get("cookie"), TRANSACTION_COOKIE);
  if (!raw) return null;
  try {
    const parsed = JSON.parse(Buffer.from(raw, "base64url").toString("utf8")) as Partial<OidcTransaction>;
    return typeof parsed.verifier === "string" && typeof parsed.state === "string" && typeof parsed.nonce === "string" ? (parsed as OidcTransaction) : null;
  } catch {
    return null;
  }
}

export async function handleOidcCallback(request: Request, deps: OidcDependencies): Promise<Response> {
  const settings = deps.config.auth.oidc;
  if (!settings) return new Response("Single sign-on is not configured.", { status: 404 });
  const secure = isSecureRequest(request);
  const spent = transactionCookie("", 0, secure);
  const remoteAddress = clientAddress(request.headers, deps.config.server.trustedProxies);
  const audit = (outcome: "ok" | "error", actor: Principal | null, parameters: unknown, error?: string) =>
    recordAudit(deps.db, { actor: actor ?? { kind: "anonymous", name: "anonymous" }, procedure: "auth.oidcSignIn", parameters, outcome, error, remoteAddress });

  const transaction = readTransaction(request);
  if (!transaction) return failed(request, deps.config, "The sign-in took too long or was started elsewhere: try again.", [spent]);
  // The URL the provider sent the browser to, rebuilt on our public origin (behind a proxy request.url is internal).
  const callbackUrl = new URL(origin(request, deps.config) + CALLBACK_PATH + new URL(request.url).search);
  let claims: Record<string, unknown>;
  try {
    claims = await completeAuthorization(settings, callbackUrl, transaction);
  } catch (error) {
    await audit("error", null, { issuer: settings.issuer }, errorText(error));
    return failed(request, deps.config, "Single sign-on failed: try again.", [spent]);
  }
  const subject = String(claims.sub);
  const username = usernameFromClaims(claims, settings);
  const role = roleFromClaims(claims, settings.roles);
  const facts = { issuer: settings.issuer, subject, username, role, [settings.roles.claim]: claims[settings.roles.claim] ?? null };
  if (!role) {
    await audit("error", null, facts, "no role maps from the claims");
    return failed(request, deps.config, "Your account has no Redrive role: ask an admin.", [spent]);
  }
  const user = await upsertExternalUser(deps.db, { issuer: settings.issuer, subject, username, role });
  if ("refused" in user) {
    await audit("error", null, facts, user.refused);
    return failed(request, deps.config, user.refused, [spent]);
  }
  const session = await startSession(deps.db, user, {
    userAgent: request.headers.get("user-agent"),
    remoteAddress,
    replaces: readCookie(request.headers.get("cookie"), SESSION_COOKIE),
    policy: sessionPolicy(deps.config.auth),
  });
  await audit("ok", { kind: "user", id: user.id, name: user.username, role }, facts);
  return redirect(`${origin(request, deps.config)}/`, [spent, sessionCookie(session.token, session.expiresAt, secure)]);
}
