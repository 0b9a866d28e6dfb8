import { connections } from "~/server/connections/registry";
import { controlStore } from "~/server/db/control-store";
import { readiness } from "~/server/health/readiness";
import { errorText } from "~/server/lib/logger";

// Readiness: the control store answers with its migrations applied and the collector is not stalled.
// Unauthenticated like /api/health: it names connections and a host:pid, never a target, URL or credential.
export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  const headers = { "cache-control": "no-store" };
  try {
    const { db } = await controlStore();
    const state = await readiness(db, connections());
    return Response.json(state, { status: state.ready ? 200 : 503, headers });
  } catch (error) {
    return Response.json({ ready: false, reasons: [`control store unavailable: ${errorText(error).slice(0, 200)}`] }, { status: 503, headers });
  }
}
