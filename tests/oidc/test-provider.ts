/**
 * A real OpenID Provider for the tests (the certified `oidc-provider` package), with its built-in development
 * login form (any login, any password). Accounts are the login names; their `groups` claim comes from GROUPS,
 * so tests can sign in as a member of a group that maps to a Redrive role.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import Provider, { type Configuration } from "oidc-provider";

export const TEST_CLIENT = { id: "redrive-test", secret: "redrive-test-client-secret-0123456789" };

/** Login → groups. Anyone else is in no group. */
export const GROUPS: Record<string, string[]> = {
  "ada.admin": ["redrive-admins", "staff"],
  "otto.operator": ["redrive-operators"],
  "vic.viewer": ["staff"],
};

export interface TestProvider {
  issuer: string;
  close(): Promise<void>;
}

export async function startTestProvider(options: { port?: number; redirectUris: string[] }): Promise<TestProvider> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const configuration: Configuration = {
    clients: [
      {
        client_id: TEST_CLIENT.id,
        client_secret: TEST_CLIENT.secret,
        redirect_uris: options.redirectUris,
        grant_types: ["authorization_code"],
        response_types: ["code"],
      },
    ],
    // PKCE on every authorization request: a client that skips it is refused.
    pkce: { required: () => true },
    scopes: ["openid", "profile", "email", "groups"],
    claims: { openid: ["sub"], profile: ["preferred_username", "name"], email: ["email"], groups: ["groups"] },
    findAccount: (_ctx, id) => ({
      accountId: id,
      claims: () => ({ sub: id, preferred_username: id, name: id, email: `${id}@example.test`, groups: GROUPS[id] ?? [] }),
    }),
    // First-party client: consent is implied, so the flow is login form → back to Redrive.
    loadExistingGrant: async (ctx) => {
      const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session!.grantIdFor(ctx.oidc.client!.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId! });
      grant.addOIDCScope("openid profile email groups");
      await grant.save();
      return grant;
    },
    features: { devInteractions: { enabled: true } },
    ttl: { Interaction: 600, Grant: 3600, Session: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
    cookies: { keys: ["redrive-test-provider-cookie-key"] },
  };
  const provider = new Provider(issuer, configuration);
  server.on("request", provider.callback());
  return {
    issuer,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
