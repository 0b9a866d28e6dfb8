import { connections } from "~/server/connections/registry";
import { controlStore } from "~/server/db/control-store";
import { handleOidcCallback } from "~/server/auth/oidc-routes";

export const dynamic = "force-dynamic";

/** Back from the OpenID Provider: code exchange, role mapping, session (server/auth/oidc-routes.ts). */
export async function GET(request: Request): Promise<Response> {
  return handleOidcCallback(request, { db: (await controlStore()).db, config: connections().config });
}
