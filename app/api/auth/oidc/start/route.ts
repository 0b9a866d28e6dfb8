import { connections } from "~/server/connections/registry";
import { controlStore } from "~/server/db/control-store";
import { handleOidcStart } from "~/server/auth/oidc-routes";

export const dynamic = "force-dynamic";

/** "Sign in with <provider>": off to the OpenID Provider (server/auth/oidc-routes.ts). */
export async function GET(request: Request): Promise<Response> {
  return handleOidcStart(request, { db: (await controlStore()).db, config: connections().config });
}
