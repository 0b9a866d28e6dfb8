import { connections } from "~/server/connections/registry";
import { controlStore } from "~/server/db/control-store";
import { metricsAuthorised, renderMetrics } from "~/server/metrics/prometheus";

export const dynamic = "force-dynamic";

export async function GET(request: Request): Promise<Response> {
  const all = connections();
  if (!metricsAuthorised(all.config.metrics.bearerToken, request.headers.get("authorization"))) {
    return new Response("unauthorised\n", { status: 401, headers: { "www-authenticate": "Bearer" } });
  }
  const { db } = await controlStore();
  const { contentType, body } = await renderMetrics(db, all);
  return new Response(body, { headers: { "content-type": contentType, "cache-control": "no-store" } });
}
