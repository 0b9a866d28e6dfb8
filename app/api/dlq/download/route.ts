import { connections } from "~/server/connections/registry";
import { controlStore } from "~/server/db/control-store";
import { handleDownload } from "~/server/dlq/download";

export const dynamic = "force-dynamic";

/** The exact bytes of one DLQ message's value or key, as an attachment; see server/dlq/download.ts. */
export async function GET(request: Request): Promise<Response> {
  return handleDownload(request, { db: (await controlStore()).db, connections: connections() });
}
