// Liveness: the process answers HTTP. No store or broker call, nothing secret; unauthenticated by design.
export const dynamic = "force-dynamic";

export function GET(): Response {
  return Response.json({ status: "ok" }, { headers: { "cache-control": "no-store" } });
}
