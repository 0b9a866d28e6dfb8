import { connections } from "~/server/connections/registry";
import { controlStore } from "~/server/db/control-store";
import { handleExport } from "~/server/dlq/export";

export const dynamic = "force-dynamic";

/** NDJSON export of a selection (ids) or a CEL filter's result (expression), bytes preserved; see server/dlq/export.ts. */
export async function GET(request: Request): Promise<Response> {
  return handleExport(request, { db: (await controlStore()).db, connections: connections() });
}

/** The same, with the parameters in a form body: a large selection does not fit in a URL. */
export async function POST(request: Request): Promise<Response> {
  return handleExport(request, { db: (await controlStore()).db, connections: connections() });
}
