// SASL/OAUTHBEARER with the OAuth 2.0 client-credentials grant (RFC 6749 §4.4), on Node's own fetch: one POST
// per token, so no OAuth library is worth its weight here. The token is cached and fetched again before it
// expires; concurrent connections share one request. Errors name the endpoint and the provider's answer,
// never the client secret.

export interface ClientCredentials {
  tokenEndpoint: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
}

// Refresh this long before the token's expiry, or at 80 % of its lifetime when that comes sooner.
const REFRESH_MARGIN_MS = 60_000;
const FETCH_TIMEOUT_MS = 10_000;
// When the provider does not say how long a token lives.
const DEFAULT_LIFETIME_SECONDS = 300;

interface CachedToken {
  value: string;
  refreshAt: number;
}

async function fetchToken(settings: ClientCredentials, now: () => number): Promise<CachedToken> {
  const body = new URLSearchParams({ grant_type: "client_credentials" });
  if (settings.scope) body.set("scope", settings.scope);
  // HTTP Basic client authentication, as RFC 6749 §2.3.1 asks servers to support (names form-encoded first).
  const basic = Buffer.from(`${encodeURIComponent(settings.clientId)}:${encodeURIComponent(settings.clientSecret)}`).toString("base64");
  const started = now();
  let response: Response;
  try {
    response = await fetch(settings.tokenEndpoint, {
      method: "POST",
      headers: { authorization: `Basic ${basic}`, "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body,
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
  } catch (error) {
    throw new Error(`OAuth token endpoint ${settings.tokenEndpoint} unreachable: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}`);
  }
  const text = await response.text();
  let json: { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown } = {};
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    // reported below
  }
  if (!response.ok || typeof json.access_token !== "string") {
    const reason = typeof json.error === "string" ? `${json.error}${typeof json.error_description === "string" ? `: ${json.error_description}` : ""}` : `HTTP ${response.status}`;
    throw new Error(`OAuth token endpoint ${settings.tokenEndpoint} refused client "${settings.clientId}" (${reason})`);
  }
  const lifetimeMs = (typeof json.expires_in === "number" && json.expires_in > 0 ? json.expires_in : DEFAULT_LIFETIME_SECONDS) * 1000;
  return { value: json.access_token, refreshAt: started + Math.min(lifetimeMs - REFRESH_MARGIN_MS, lifetimeMs * 0.8) };
}

/** A token provider for the SASL client: the cached token while it is fresh, a new one before it expires. */
export function oauthTokenProvider(settings: ClientCredentials, now: () => number = Date.now): () => Promise<string> {
  let cached: CachedToken | null = null;
  let pending: Promise<CachedToken> | null = null;
  return async () => {
    if (cached && now() < cached.refreshAt) return cached.value;
    pending ??= fetchToken(settings, now).finally(() => {
      pending = null;
    });
    cached = await pending;
    return cached.value;
  };
}
